package suggestions_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/suggestions"
)

// TestRecordsSurviveRestart runs a Book on the daemon's KV bucket (embedded
// nats-server): what was offered and answered is there after a restart, and
// is not made again.
func TestRecordsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := event.Suggestion{ID: event.ID("test", "restart"), Kind: event.KindSuggestion, Title: "Reply to Ann", Priority: event.PriorityNormal, Created: now}
	until := now.Add(time.Hour)

	open := func(ctx context.Context) (*suggestions.Book, *suggestions.MemoryOutbox, func()) {
		t.Helper()
		b, err := bus.Open(ctx, bus.Config{DataDir: dir}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("open bus: %v", err)
		}
		store, err := b.Store(ctx, bus.BucketSuggestions)
		if err != nil {
			b.Close()
			t.Fatal(err)
		}
		out := &suggestions.MemoryOutbox{}
		return suggestions.New(store, out, clock), out, func() {
			if err := b.Close(); err != nil {
				t.Errorf("close bus: %v", err)
			}
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	book, _, closeBus := open(ctx)
	if ok, err := book.Offer(ctx, s); !ok || err != nil {
		t.Fatalf("Offer = %v, %v", ok, err)
	}
	if err := book.Answer(ctx, s.ID, suggestions.ActionSnooze, until); err != nil {
		t.Fatal(err)
	}
	closeBus()

	book, out, closeBus := open(ctx)
	defer closeBus()
	rec, err := book.Get(ctx, s.ID)
	if err != nil {
		t.Fatalf("record after restart: %v", err)
	}
	if rec.Status != event.StatusSnoozed || !rec.Until.Equal(until) || !rec.Created.Equal(now) || rec.Suggestion.Title != s.Title {
		t.Fatalf("record after restart = %+v", rec)
	}
	if ok, err := book.Offer(ctx, s); ok || err != nil {
		t.Fatalf("Offer after restart = %v, %v; want not made again", ok, err)
	}
	if n := len(out.Published()) + len(out.Scheduled()); n != 0 {
		t.Fatalf("%d sent after restart", n)
	}
	if ok, err := book.ShouldDeliver(ctx, suggestions.SnoozeID(s.ID)); !ok || err != nil {
		t.Fatalf("ShouldDeliver(snoozed copy) = %v, %v", ok, err)
	}
	recs, err := book.List(ctx, suggestions.Filter{})
	if err != nil || len(recs) != 1 || recs[0].Suggestion.ID != s.ID {
		t.Fatalf("List = %+v, %v", recs, err)
	}
}
