package maildir

import (
	"context"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
)

// TestJetStreamAcrossRestart runs the watcher against the real embedded
// bus and its KV store, restarts both on the same data directory, and checks
// the EVENTS stream holds each mail once.
func TestJetStreamAcrossRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dataDir := t.TempDir()
	tr := newTree(t, layoutMaildirPP, "Sent")
	tr.put("INBOX", "cur", "1763000000.A.host:2,S", msg{ID: "a@x", From: bob, To: me, Subject: "A", Date: recentDate}.String(), recentDate)
	tr.put("INBOX", "new", "1763000001.B.host", msg{ID: "b@x", From: bob, To: me, Subject: "B", Date: recentDate}.String(), recentDate)
	tr.put("Sent", "cur", "1763000002.C.host:2,S", msg{ID: "c@x", From: me, To: bob, Subject: "C", Date: recentDate}.String(), recentDate)

	open := func() *bus.Bus {
		b, err := bus.Open(ctx, bus.Config{DataDir: dataDir}, nil)
		if err != nil {
			t.Fatalf("bus.Open: %v", err)
		}
		return b
	}
	count := func(b *bus.Bus, typ string) uint64 {
		n, err := b.Messages(ctx, bus.StreamEvents, bus.EventSubject(typ))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// run starts a watcher on b and returns a channel of published events.
	run := func(b *bus.Bus) (<-chan event.Event, func() error) {
		store, err := b.Store(ctx, bus.BucketWatchers)
		if err != nil {
			t.Fatal(err)
		}
		w := newTestWatcher(t, Config{Path: tr.root, Poll: time.Hour}, store, nil)
		got := make(chan event.Event, 100)
		stop := runWatcher(t, w, func(ctx context.Context, ev event.Event) error {
			if err := b.PublishEvent(ctx, ev); err != nil {
				return err
			}
			got <- ev
			return nil
		})
		return got, stop
	}
	waitFor := func(got <-chan event.Event, subject string) {
		t.Helper()
		select {
		case ev := <-got:
			if ev.Subject != subject {
				t.Fatalf("published %q, want %q", ev.Subject, subject)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%q never published", subject)
		}
	}

	b := open()
	got, stop := run(b)
	for _, s := range []string{"A", "B", "C"} {
		waitFor(got, s)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	// Read in a mail reader while agentd was down, then new mail arrives
	// while it runs again.
	tr.move("INBOX", "new", "1763000001.B.host", "cur", "1763000001.B.host:2,RS")
	b = open()
	defer b.Close()
	got, stop = run(b)
	tr.deliver("INBOX", "1763600000.D.host", msg{ID: "d@x", From: bob, To: me, Subject: "D", Date: testNow}.String())
	waitFor(got, "D")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := count(b, event.TypeMailReceived); n != 3 {
		t.Errorf("EVENTS holds %d mail.received, want 3 (A, B, D once each)", n)
	}
	if n := count(b, event.TypeMailSent); n != 1 {
		t.Errorf("EVENTS holds %d mail.sent, want 1", n)
	}
}
