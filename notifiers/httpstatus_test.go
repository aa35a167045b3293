package notifiers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"

	"github.com/agentd/agentd/internal/redact"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"0":                             0,
		"-3":                            0,
		"soon":                          0,
		"Mon, 07 Dec 2026 10:01:30 GMT": 90 * time.Second,
		"Mon, 07 Dec 2026 09:59:00 GMT": 0,
		"999999999":                     0,
	}
	for in, want := range tests {
		if got := notifiers.ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCheckResponse(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	resp := func(code int, body string, hdr ...string) *http.Response {
		h := http.Header{}
		for i := 0; i+1 < len(hdr); i += 2 {
			h.Set(hdr[i], hdr[i+1])
		}
		return &http.Response{StatusCode: code, Header: h, Body: http.NoBody}
	}
	if err := notifiers.CheckResponse(resp(204, ""), now); err != nil {
		t.Errorf("204: %v", err)
	}
	for code, temporary := range map[int]bool{429: true, 500: true, 503: true, 400: false, 401: false, 404: false, 413: false} {
		err := notifiers.CheckResponse(resp(code, "", "Retry-After", "3"), now)
		if err == nil || notifiers.IsTemporary(err) != temporary {
			t.Errorf("%d: err %v, temporary %v; want temporary %v", code, err, notifiers.IsTemporary(err), temporary)
		}
		if err.(*notifiers.HTTPStatusError).RetryAfter() != 3*time.Second {
			t.Errorf("%d: Retry-After not read", code)
		}
	}
	r := resp(401, "")
	r.Body = http.NoBody
	r.Body = readCloser{strings.NewReader("token s3cr3t-token is not allowed\n")}
	err := notifiers.CheckResponse(r, now, "s3cr3t-token")
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), redact.Mask) {
		t.Errorf("error %q: want the echoed secret cut out", err)
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func TestSafeURL(t *testing.T) {
	u, _ := url.Parse("https://bob:pw@ntfy.example.com/alerts?auth=abc#x")
	if got := notifiers.SafeURL(u); got != "https://ntfy.example.com/alerts" {
		t.Errorf("SafeURL = %q", got)
	}
	// A secret in the path (Slack-style webhooks) is masked too.
	u, _ = url.Parse("https://hooks.example.com/services/T0AAAAAAA/B0BBBBBBB/xoxbS3cr3tT0kenValue1234567")
	if got := notifiers.SafeURL(u); strings.Contains(got, "S3cr3t") || !strings.Contains(got, redact.Mask) {
		t.Errorf("SafeURL = %q, want the token-like segment masked", got)
	}
}

// waitingNotifier fails with an HTTPStatusError asking for a wait.
type waitingNotifier struct {
	calls int
	wait  time.Duration
}

func (w *waitingNotifier) Name() string { return "waiting" }

func (w *waitingNotifier) Notify(context.Context, ...event.Suggestion) (bool, error) {
	w.calls++
	if w.calls == 1 {
		return true, &notifiers.HTTPStatusError{Status: 429, Wait: w.wait}
	}
	return false, nil
}

func TestRetryStageHonoursRetryAfter(t *testing.T) {
	policy := notifiers.RetryPolicy{Attempts: 3, Base: 100 * time.Millisecond, Max: 10 * time.Second}
	d := notifiers.Delivery{Suggestion: suggestion("a", event.KindSuggestion, event.PriorityNormal)}

	n := &waitingNotifier{wait: 4 * time.Second}
	d.Target.Notifier = n
	var sl sleeps
	r, err := notifiers.RetryStage(policy, sl.sleep)(notifiers.Send)(t.Context(), d)
	if err != nil || r.Outcome != notifiers.Delivered || !slices.Equal(sl.d, []time.Duration{4 * time.Second}) {
		t.Errorf("Retry-After 4s: %v, %v, slept %v; want delivered after sleeping 4s", r.Outcome, err, sl.d)
	}

	n = &waitingNotifier{wait: time.Minute}
	d.Target.Notifier = n
	sl = sleeps{}
	r, err = notifiers.RetryStage(policy, sl.sleep)(notifiers.Send)(t.Context(), d)
	if !notifiers.IsTemporary(err) || n.calls != 1 || len(sl.d) != 0 {
		t.Errorf("Retry-After 1m beyond the 10s cap: %v, %v, %d calls, slept %v; want a temporary failure at once, left to the bus", r.Outcome, err, n.calls, sl.d)
	}
}
