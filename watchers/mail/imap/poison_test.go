package imap

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/watchers"
)

// TestPoisonMailIsSkipped: the cursor used to move only after a successful
// publish, so a mail the bus refuses for good (a 30 KB mail on a bus whose
// limit is 16 KiB here) stopped the mailbox for ever. It is recorded as
// poison and skipped; later mail is announced, also after a restart, and
// the poison mail is not tried again.
func TestPoisonMailIsSkipped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dataDir := t.TempDir()
	srv := newTestServer(t, nil)
	now := testNow()
	srv.put("INBOX", testMail("big@x", "Bob <bob@example.org>", "Big", now, strings.Repeat("lorem ipsum ", 2500)), now.Add(-time.Hour))
	srv.put("INBOX", testMail("small@x", "Bob <bob@example.org>", "Small", now, "x"), now.Add(-time.Hour))

	run := func() (*bus.Bus, *watchers.PoisonBook, *sink, *running) {
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
		book := watchers.NewPoisonBook(poison, testNow)
		s := newSink()
		s.fail = func(ev event.Event) error { return b.PublishEvent(ctx, ev) }
		w := newWatcher(t, srv.config(), store)
		publish := watchers.Quarantine(s.publish, book, bus.IsPermanent, slog.New(slog.DiscardHandler))
		return b, book, s, startWatcher(t, w, publish)
	}

	b, book, s, r := run()
	if ev := s.next(t); ev.Subject != "Small" {
		t.Fatalf("published %q first, want Small", ev.Subject)
	}
	srv.waitIdling(1)
	srv.deliver("INBOX", testMail("next@x", "Bob <bob@example.org>", "Next", now, "x"), now)
	if ev := s.next(t); ev.Subject != "Next" {
		t.Fatalf("published %q, want Next", ev.Subject)
	}
	recs, err := book.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Source != "mail:test" || recs[0].Count != 1 || recs[0].Last().Subject != "Big" ||
		!strings.Contains(recs[0].Last().Reason, "over the bus's message limit") {
		t.Fatalf("poison records = %+v, want the big mail's", recs)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	b.Close()

	b, book, s, _ = run()
	srv.waitIdling(1)
	srv.deliver("INBOX", testMail("after@x", "Bob <bob@example.org>", "After restart", now, "x"), now)
	if ev := s.next(t); ev.Subject != "After restart" {
		t.Fatalf("after a restart published %q, want the new mail only", ev.Subject)
	}
	if recs, _ := book.List(ctx); len(recs) != 1 || recs[0].Count != 1 {
		t.Fatalf("after a restart: records %+v, want the poison mail once", recs)
	}
	if n, _ := b.Messages(ctx, bus.StreamEvents, bus.EventSubject(event.TypeMailReceived)); n != 3 {
		t.Fatalf("EVENTS holds %d mails, want 3", n)
	}
}
