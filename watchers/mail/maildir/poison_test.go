package maildir

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/watchers"
)

// TestPoisonMailIsSkipped: a mail whose event the bus refuses for good (a
// bus whose limit is 16 KiB here, a 30 KB mail) used to be retried every
// second, and no later mail was announced, also after a restart. It is
// recorded as poison and skipped; the mail after it is announced, and so is
// the next one, and a restart does not try it again.
func TestPoisonMailIsSkipped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dataDir := t.TempDir()
	tr := newTree(t, layoutMaildirPP)
	tr.put("INBOX", "cur", "1763000000.A.host:2,S", msg{ID: "big@x", From: bob, To: me, Subject: "Big", Date: recentDate, Body: strings.Repeat("lorem ipsum ", 2500)}.String(), recentDate)
	tr.put("INBOX", "cur", "1763000001.B.host:2,S", msg{ID: "b@x", From: bob, To: me, Subject: "B", Date: recentDate}.String(), recentDate)

	var logs logBuffer
	run := func() (*bus.Bus, *watchers.PoisonBook, <-chan event.Event, func() error) {
		b, err := bus.Open(ctx, bus.Config{DataDir: dataDir, MaxPayload: 16 << 10}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		store, err := b.Store(ctx, bus.BucketWatchers)
		if err != nil {
			t.Fatal(err)
		}
		poison, err := b.Store(ctx, bus.BucketPoison)
		if err != nil {
			t.Fatal(err)
		}
		book := watchers.NewPoisonBook(poison, func() time.Time { return testNow })
		got := make(chan event.Event, 100)
		publish := watchers.Quarantine(func(ctx context.Context, ev event.Event) error {
			if err := b.PublishEvent(ctx, ev); err != nil {
				return err
			}
			got <- ev
			return nil
		}, book, bus.IsPermanent, logs.logger())
		w := newTestWatcher(t, Config{Path: tr.root, Poll: 50 * time.Millisecond}, store, logs.logger())
		return b, book, got, runWatcher(t, w, publish)
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

	b, book, got, stop := run()
	waitFor(got, "B")
	tr.deliver("INBOX", "1763600000.C.host", msg{ID: "c@x", From: bob, To: me, Subject: "C", Date: testNow}.String())
	waitFor(got, "C")
	recs, err := book.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Source != "mail:home" || recs[0].Count != 1 ||
		recs[0].Last().Subject != "Big" || !strings.Contains(recs[0].Last().Reason, "over the bus's message limit of 16.0 KB") {
		t.Fatalf("poison records = %+v, want the big mail's", recs)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v, want nil: a poison mail does not stop the watcher", err)
	}
	b.Close()

	// After a restart the poison mail is not tried again.
	b, book, got, stop = run()
	tr.deliver("INBOX", "1763600001.D.host", msg{ID: "d@x", From: bob, To: me, Subject: "D", Date: testNow}.String())
	waitFor(got, "D")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if recs, _ := book.List(ctx); len(recs) != 1 || recs[0].Count != 1 {
		t.Fatalf("after a restart: records %+v, want the one poison mail once", recs)
	}
	if n := strings.Count(logs.String(), "refused by the bus for good"); n != 1 {
		t.Fatalf("%d warnings about the poison mail, want 1:\n%s", n, logs.String())
	}
	if n, _ := b.Messages(ctx, bus.StreamEvents, bus.EventSubject(event.TypeMailReceived)); n != 3 {
		t.Fatalf("EVENTS holds %d mails, want 3 (B, C, D)", n)
	}
}
