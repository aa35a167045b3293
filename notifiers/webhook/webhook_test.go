package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/notifiertest"
	"github.com/agentd/agentd/notifiers/webhook"
)

const secret = "whsec_0123456789abcdef"

var now = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// receiver is a webhook receiver: it verifies the signature as a receiver
// would (and refuses what does not verify), then answers with the
// scripted statuses first.
type receiver struct {
	srv *httptest.Server

	mu      sync.Mutex
	script  []int
	retryIn string
	got     []event.Suggestion
	headers []http.Header
}

func newReceiver(t *testing.T, script ...int) *receiver {
	r := &receiver{script: script}
	r.srv = httptest.NewServer(http.HandlerFunc(r.handle))
	t.Cleanup(r.srv.Close)
	return r
}

func (rc *receiver) handle(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	body, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost || r.URL.Path != "/hooks/agentd" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !webhook.Verify(secret, body, r.Header.Get(webhook.SignatureHeader)) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	rc.headers = append(rc.headers, r.Header.Clone())
	if len(rc.script) > 0 {
		code := rc.script[0]
		rc.script = rc.script[1:]
		if rc.retryIn != "" {
			w.Header().Set("Retry-After", rc.retryIn)
		}
		http.Error(w, "refused "+r.Header.Get(webhook.SignatureHeader), code)
		return
	}
	var s event.Suggestion
	if err := json.Unmarshal(body, &s); err != nil {
		http.Error(w, "not a suggestion", http.StatusUnprocessableEntity)
		return
	}
	rc.got = append(rc.got, s)
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) suggestions() []event.Suggestion {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func (rc *receiver) notifier(t *testing.T, key string, logger *slog.Logger) *webhook.Webhook {
	w, err := webhook.New(webhook.Config{URL: rc.srv.URL + "/hooks/agentd",
		Secret: func(context.Context) (string, error) { return key, nil }}, logger,
		webhook.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestConformance(t *testing.T) {
	notifiertest.Run(t, func(t *testing.T) (notifiers.Notifier, func() []string) {
		rc := newReceiver(t)
		return rc.notifier(t, secret, nil), func() []string {
			var out []string
			for _, s := range rc.suggestions() {
				out = append(out, s.Title)
			}
			return out
		}
	})
}

func TestPayloadAndSignature(t *testing.T) {
	rc := newReceiver(t)
	s := notifiertest.Sample("payload")
	s.Due = now.Add(time.Hour)
	if _, err := rc.notifier(t, secret, nil).Notify(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	got := rc.suggestions()
	if len(got) != 1 || got[0].ID != s.ID || got[0].Title != s.Title || !got[0].Due.Equal(s.Due) || got[0].Why != s.Why {
		t.Fatalf("received %+v, want %+v", got, s)
	}
	h := rc.headers[0]
	if ts := h.Get(webhook.TimestampHeader); ts != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("%s = %q, want %d", webhook.TimestampHeader, ts, now.Unix())
	}
	if id := h.Get(webhook.DeliveryHeader); id != s.ID {
		t.Errorf("%s = %q, want %q", webhook.DeliveryHeader, id, s.ID)
	}
	body, _ := json.Marshal(s)
	if sig := webhook.Sign(secret, body); !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Errorf("Sign = %q", sig)
	}
	if webhook.Verify("other", body, webhook.Sign(secret, body)) || webhook.Verify(secret, body, "sha1=00") {
		t.Error("Verify accepts a wrong secret or algorithm")
	}

	// Signed with another secret: the receiver refuses, permanently.
	retry, err := rc.notifier(t, "wrong-secret-value", nil).Notify(t.Context(), s)
	if err == nil || retry || strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("wrong secret: retry %v, err %v; want permanent, without the secret", retry, err)
	}
}

func TestRetries(t *testing.T) {
	tests := map[string]struct {
		script     []int
		retryIn    string
		wantSent   int
		wantErr    bool
		wantSleeps []time.Duration
	}{
		"429 honours Retry-After date": {script: []int{429}, retryIn: now.Add(5 * time.Second).Format(http.TimeFormat), wantSent: 1, wantSleeps: []time.Duration{5 * time.Second}},
		"503 backs off":                {script: []int{503, 500}, wantSent: 1, wantSleeps: []time.Duration{time.Second, 2 * time.Second}},
		"5xx exhausts":                 {script: []int{500, 502, 504}, wantErr: true, wantSleeps: []time.Duration{time.Second, 2 * time.Second}},
		"404 is permanent":             {script: []int{404}},
		"422 is permanent":             {script: []int{422}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rc := newReceiver(t, tc.script...)
			rc.retryIn = tc.retryIn
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			sleeps, err := notifiertest.DeliverWithRetries(t, rc.notifier(t, secret, logger), logger, now, notifiertest.Sample("retry"))
			if (err != nil) != tc.wantErr {
				t.Fatalf("Deliver: %v, want error %v", err, tc.wantErr)
			}
			if got := len(rc.suggestions()); got != tc.wantSent {
				t.Errorf("received %d, want %d", got, tc.wantSent)
			}
			if !slices.Equal(sleeps, tc.wantSleeps) {
				t.Errorf("slept %v, want %v", sleeps, tc.wantSleeps)
			}
			if strings.Contains(logs.String(), secret) || err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("the secret leaked into the log or error:\n%s\n%v", logs.String(), err)
			}
			// Every attempt carries the same delivery id.
			for _, h := range rc.headers {
				if h.Get(webhook.DeliveryHeader) != notifiertest.Sample("retry").ID {
					t.Errorf("delivery header %q", h.Get(webhook.DeliveryHeader))
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	key := func(context.Context) (string, error) { return secret, nil }
	for _, u := range []string{"", "example.com/hook", "ftp://example.com/hook"} {
		if _, err := webhook.New(webhook.Config{URL: u, Secret: key}, nil); err == nil {
			t.Errorf("New(%q): no error", u)
		}
	}
	if _, err := webhook.New(webhook.Config{URL: "https://example.com/hook"}, nil); err == nil {
		t.Error("New without a secret: no error")
	}
}
