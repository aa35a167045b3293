package notifiers_test

import (
	"log/slog"
	"sync"
	"testing"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
)

// startBus opens the real embedded bus on dir and returns its delivery-log
// bucket; stop closes the bus.
func startBus(t *testing.T, dir string) (kv state.Store, stop func()) {
	t.Helper()
	b, err := bus.Open(t.Context(), bus.Config{DataDir: dir}, nil)
	if err != nil {
		t.Fatalf("bus.Open: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			if err := b.Close(); err != nil {
				t.Errorf("close bus: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	kv, err = b.Store(t.Context(), bus.BucketDelivery)
	if err != nil {
		stop()
		t.Fatalf("delivery bucket: %v", err)
	}
	return kv, stop
}

func TestDispatcherDedupSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	rec := newRecorder("desktop")
	s := suggestion("restart", event.KindSuggestion, event.PriorityNormal)
	logger := slog.New(slog.DiscardHandler)

	kv, stop := startBus(t, dir)
	d := notifiers.NewDispatcher([]notifiers.Target{{Notifier: rec}}, kv, logger)
	if _, err := d.Deliver(t.Context(), s); err != nil {
		t.Fatalf("first delivery: %v", err)
	}
	stop()

	// A new server on the same store directory, a new dispatcher: the daemon
	// restarted and JetStream redelivers the unacked message.
	kv, stop = startBus(t, dir)
	defer stop()
	d = notifiers.NewDispatcher([]notifiers.Target{{Notifier: rec}}, kv, logger)
	if _, err := d.Deliver(t.Context(), s); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	if got := rec.ids(); len(got) != 1 {
		t.Fatalf("delivered %d times across a restart, want once", len(got))
	}
	e, found, err := notifiers.NewDeliveryLog(kv).Lookup(t.Context(), "desktop", s.ID)
	if !found || err != nil || e.Attempt != 1 {
		t.Errorf("log entry after restart: %+v, %v, %v", e, found, err)
	}

	// A different suggestion still goes through.
	other := suggestion("other", event.KindSuggestion, event.PriorityNormal)
	if _, err := d.Deliver(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	if got := rec.ids(); len(got) != 2 {
		t.Errorf("delivered %v, want the new suggestion too", got)
	}
}

func TestDispatcherWithoutDeliveryLogHoldsBack(t *testing.T) {
	kv, stop := startBus(t, t.TempDir())
	rec := newRecorder("desktop")
	d := notifiers.NewDispatcher([]notifiers.Target{{Notifier: rec}}, kv, slog.New(slog.DiscardHandler))
	stop() // the bus is gone: the log cannot be read

	_, err := d.Deliver(t.Context(), suggestion("nolog", event.KindSuggestion, event.PriorityNormal))
	if err == nil || !notifiers.IsTemporary(err) {
		t.Fatalf("err = %v, want a temporary failure", err)
	}
	if got := rec.ids(); len(got) != 0 {
		t.Errorf("delivered %v without a delivery log; a redelivery could show it twice", got)
	}
}
