package ntfy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/notifiertest"
	"github.com/agentd/agentd/notifiers/ntfy"
)

const token = "tk_s3cr3t0123456789"

// server is an ntfy server's publish endpoint: it takes JSON messages at
// its root, checks the bearer token, and answers with the scripted
// statuses first.
type server struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	script  []int // statuses to answer before accepting
	got     []ntfy.Message
	auth    []string
	retryIn string
}

func newServer(t *testing.T, script ...int) *server {
	s := &server{t: t, script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, `{"code":40001,"http":400,"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	if len(s.script) > 0 {
		code := s.script[0]
		s.script = s.script[1:]
		if s.retryIn != "" {
			w.Header().Set("Retry-After", s.retryIn)
		}
		// A server that echoes the header it refused.
		http.Error(w, `{"error":"refused `+r.Header.Get("Authorization")+`"}`, code)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		http.Error(w, `{"code":40101,"http":401,"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	var m ntfy.Message
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.Topic != "agentd-alice" {
		http.Error(w, `{"error":"invalid message"}`, http.StatusBadRequest)
		return
	}
	s.got = append(s.got, m)
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"id":"x","event":"message","topic":"agentd-alice"}`))
}

func (s *server) messages() []ntfy.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func (s *server) newNotifier(t *testing.T, logger *slog.Logger) *ntfy.Ntfy {
	n, err := ntfy.New(ntfy.Config{
		URL:   s.srv.URL + "/agentd-alice",
		Token: func(context.Context) (string, error) { return token, nil },
	}, logger, ntfy.WithClock(func() time.Time { return time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConformance(t *testing.T) {
	notifiertest.Run(t, func(t *testing.T) (notifiers.Notifier, func() []string) {
		s := newServer(t)
		return s.newNotifier(t, nil), func() []string {
			var out []string
			for _, m := range s.messages() {
				out = append(out, m.Title+" "+m.Message)
			}
			return out
		}
	})
}

func TestMessage(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t)
	n, err := ntfy.New(ntfy.Config{URL: s.srv.URL + "/agentd-alice/", Location: paris,
		Token: func(context.Context) (string, error) { return token, nil }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	tests := []struct {
		s    event.Suggestion
		want ntfy.Message
	}{{
		s: event.Suggestion{ID: "1", Kind: event.KindReminder, Priority: event.PriorityUrgent, Title: "Dentist",
			Body: "Rue X", Due: due, Rule: "meeting-reminder", Why: "it starts soon", Link: "https://cal.example/e/1"},
		want: ntfy.Message{Topic: "agentd-alice", Title: "Dentist", Message: "Due Mon 7 Dec 14:00\nRue X\nit starts soon",
			Priority: 5, Tags: []string{"agentd", "reminder", "meeting-reminder", "rotating_light"}, Click: "https://cal.example/e/1"},
	}, {
		s: event.Suggestion{ID: "2", Kind: event.KindSuggestion, Priority: event.PriorityLow, Title: "Read: Go 1.26",
			Rule: "Feed Interest!", Link: "javascript:alert(1)"},
		want: ntfy.Message{Topic: "agentd-alice", Title: "Read: Go 1.26", Message: "Read: Go 1.26",
			Priority: 2, Tags: []string{"agentd", "suggestion", "feed-interest"}},
	}}
	for _, tc := range tests {
		if _, err := n.Notify(t.Context(), tc.s); err != nil {
			t.Fatal(err)
		}
	}
	got := s.messages()
	for i, tc := range tests {
		if g, _ := json.Marshal(got[i]); string(g) != string(must(json.Marshal(tc.want))) {
			t.Errorf("message %d:\n got %s\nwant %s", i, g, must(json.Marshal(tc.want)))
		}
	}
	for p, want := range map[string]int{event.PriorityLow: 2, event.PriorityNormal: 3, event.PriorityHigh: 4, event.PriorityUrgent: 5, "": 3} {
		if got := ntfy.Priority(p); got != want {
			t.Errorf("Priority(%q) = %d, want %d", p, got, want)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestRetries delivers through the dispatcher's stages: 429 and 5xx are
// retried (after the server's Retry-After), any other 4xx is permanent.
func TestRetries(t *testing.T) {
	tests := map[string]struct {
		script     []int
		retryIn    string
		wantSent   int
		wantErr    bool // a temporary failure left to the bus
		wantSleeps []time.Duration
	}{
		"429 honours Retry-After": {script: []int{429}, retryIn: "7", wantSent: 1, wantSleeps: []time.Duration{7 * time.Second}},
		"5xx backs off":           {script: []int{502, 503}, wantSent: 1, wantSleeps: []time.Duration{time.Second, 2 * time.Second}},
		"5xx exhausts":            {script: []int{500, 500, 500}, wantErr: true, wantSleeps: []time.Duration{time.Second, 2 * time.Second}},
		"400 is permanent":        {script: []int{400}},
		"403 is permanent":        {script: []int{403}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, tc.script...)
			s.retryIn = tc.retryIn
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			sleeps, err := notifiertest.DeliverWithRetries(t, s.newNotifier(t, logger), logger,
				time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), notifiertest.Sample("retry"))
			if (err != nil) != tc.wantErr {
				t.Fatalf("Deliver: %v, want error %v", err, tc.wantErr)
			}
			if got := len(s.messages()); got != tc.wantSent {
				t.Errorf("sent %d, want %d", got, tc.wantSent)
			}
			if !slices.Equal(sleeps, tc.wantSleeps) {
				t.Errorf("slept %v, want %v", sleeps, tc.wantSleeps)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Errorf("error holds the token: %v", err)
			}
			if strings.Contains(logs.String(), token) {
				t.Errorf("log holds the token:\n%s", logs.String())
			}
			if len(tc.script) > 0 && tc.script[0] < 500 && tc.script[0] != 429 && !strings.Contains(logs.String(), "permanently") {
				t.Errorf("a %d is not logged as a permanent failure:\n%s", tc.script[0], logs.String())
			}
		})
	}
}

func TestTokenRefetchedAfter401(t *testing.T) {
	s := newServer(t)
	var calls int
	tokens := []string{"stale-token-000", token}
	n, err := ntfy.New(ntfy.Config{URL: s.srv.URL + "/agentd-alice", Token: func(context.Context) (string, error) {
		calls++
		return tokens[min(calls, len(tokens))-1], nil
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(t.Context(), notifiertest.Sample("a"))
	if err == nil || retry || strings.Contains(err.Error(), "stale-token-000") {
		t.Fatalf("stale token: retry %v, err %v; want a permanent error without the token", retry, err)
	}
	if _, err := n.Notify(t.Context(), notifiertest.Sample("b")); err != nil {
		t.Fatalf("after 401 the token is fetched again: %v", err)
	}
	if _, err := n.Notify(t.Context(), notifiertest.Sample("c")); err != nil || calls != 2 {
		t.Fatalf("a good token is kept: %v, %d fetches", err, calls)
	}
}

func TestUnreachableIsTemporaryAndRedacted(t *testing.T) {
	s := httptest.NewServer(http.NotFoundHandler())
	url := s.URL
	s.Close()
	n, err := ntfy.New(ntfy.Config{URL: url + "/agentd-alice?auth=" + token}, nil)
	if err != nil {
		t.Fatal(err)
	}
	retry, err := n.Notify(t.Context(), notifiertest.Sample("down"))
	if err == nil || !retry || strings.Contains(err.Error(), token) {
		t.Errorf("server down: retry %v, err %v; want temporary, without the query", retry, err)
	}
	failing := errors.New("pass: no such entry")
	n, _ = ntfy.New(ntfy.Config{URL: url + "/agentd-alice", Token: func(context.Context) (string, error) { return "", failing }}, nil)
	if err := n.Check(t.Context()); !errors.Is(err, failing) {
		t.Errorf("Check with a failing token command: %v", err)
	}
}

func TestNewRejectsURL(t *testing.T) {
	for _, u := range []string{"", "ntfy.sh/x", "ftp://ntfy.sh/x", "https://ntfy.sh/", "https://ntfy.sh/a b"} {
		if _, err := ntfy.New(ntfy.Config{URL: u}, nil); err == nil {
			t.Errorf("New(%q): no error", u)
		}
	}
}
