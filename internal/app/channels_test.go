package app

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/webhook"
)

// TestChannelTargets builds ntfy and webhook from a config and delivers
// through them to real HTTP peers, each by its route.
func TestChannelTargets(t *testing.T) {
	t.Setenv("AGENTD_TEST_NTFY_TOKEN", "tk_test")
	t.Setenv("AGENTD_TEST_HOOK_SECRET", "hook-secret")
	var (
		mu    sync.Mutex
		ntfys []string
		hooks []string
	)
	ntfySrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ Topic, Title string }
		json.NewDecoder(r.Body).Decode(&m)
		if r.Header.Get("Authorization") != "Bearer tk_test" || m.Topic != "agentd" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		ntfys = append(ntfys, m.Title)
		mu.Unlock()
	}))
	defer ntfySrv.Close()
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !webhook.Verify("hook-secret", body, r.Header.Get(webhook.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var s event.Suggestion
		json.Unmarshal(body, &s)
		mu.Lock()
		hooks = append(hooks, s.Title)
		mu.Unlock()
	}))
	defer hookSrv.Close()

	cfg, err := config.Parse("/tmp/agentd-test.yaml", []byte(`
notify:
  ntfy: {url: "`+ntfySrv.URL+`/agentd", token_env: AGENTD_TEST_NTFY_TOKEN, min_priority: high}
  webhook: {url: "`+hookSrv.URL+`/hook", secret_env: AGENTD_TEST_HOOK_SECRET}
`))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) }
	targets := Notifiers(cfg, io.Discard, slog.New(slog.DiscardHandler), now, nil)
	if len(targets) != 2 || targets[0].Notifier.Name() != "ntfy" || targets[1].Notifier.Name() != "webhook" {
		t.Fatalf("targets %v, want ntfy and webhook", targets)
	}
	d := notifiers.NewDispatcher(targets, state.NewMemory(), nil, notifiers.WithClock(now))
	for _, s := range []event.Suggestion{
		{ID: "1", Kind: event.KindSuggestion, Priority: event.PriorityNormal, Title: "normal one"},
		{ID: "2", Kind: event.KindReminder, Priority: event.PriorityUrgent, Title: "urgent one"},
	} {
		if _, err := d.Deliver(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ntfys) != 1 || ntfys[0] != "urgent one" {
		t.Errorf("ntfy got %q, want only the urgent one (min_priority high)", ntfys)
	}
	if len(hooks) != 2 {
		t.Errorf("webhook got %q, want both", hooks)
	}
}
