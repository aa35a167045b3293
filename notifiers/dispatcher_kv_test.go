package notifiers_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
)

// startBus runs an embedded JetStream server on dir and returns the
// delivery-log bucket on it; stop shuts the server down.
func startBus(t *testing.T, dir string) (kv jetstream.KeyValue, stop func()) {
	t.Helper()
	s, err := server.NewServer(&server.Options{DontListen: true, JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatalf("nats-server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("nats-server not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(s))
	if err != nil {
		s.Shutdown()
		t.Fatalf("connect: %v", err)
	}
	stop = func() {
		nc.Close()
		s.Shutdown()
		s.WaitForShutdown()
	}
	js, err := jetstream.New(nc)
	if err != nil {
		stop()
		t.Fatalf("jetstream: %v", err)
	}
	kv, err = js.CreateOrUpdateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "DELIVERY", Storage: jetstream.FileStorage})
	if err != nil {
		stop()
		t.Fatalf("create bucket: %v", err)
	}
	return kv, stop
}

func TestDispatcherDedupSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	rec := newRecorder("desktop")
	s := suggestion("restart", event.KindSuggestion, event.PriorityNormal)
	logger := slog.New(slog.DiscardHandler)

	kv, stop := startBus(t, dir)
	d := notifiers.NewDispatcher([]notifiers.Target{{Notifier: rec}}, state.NewKV(kv), logger)
	if _, err := d.Deliver(t.Context(), s); err != nil {
		t.Fatalf("first delivery: %v", err)
	}
	stop()

	// A new server on the same store directory, a new dispatcher: the daemon
	// restarted and JetStream redelivers the unacked message.
	kv, stop = startBus(t, dir)
	defer stop()
	d = notifiers.NewDispatcher([]notifiers.Target{{Notifier: rec}}, state.NewKV(kv), logger)
	if _, err := d.Deliver(t.Context(), s); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	if got := rec.ids(); len(got) != 1 {
		t.Fatalf("delivered %d times across a restart, want once", len(got))
	}
	e, found, err := notifiers.NewDeliveryLog(state.NewKV(kv)).Lookup(t.Context(), "desktop", s.ID)
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
	d := notifiers.NewDispatcher([]notifiers.Target{{Notifier: rec}}, state.NewKV(kv), slog.New(slog.DiscardHandler))
	stop() // the bus is gone: the log cannot be read

	_, err := d.Deliver(t.Context(), suggestion("nolog", event.KindSuggestion, event.PriorityNormal))
	if err == nil || !notifiers.IsTemporary(err) {
		t.Fatalf("err = %v, want a temporary failure", err)
	}
	if got := rec.ids(); len(got) != 0 {
		t.Errorf("delivered %v without a delivery log; a redelivery could show it twice", got)
	}
}
