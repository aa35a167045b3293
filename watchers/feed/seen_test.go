package feed

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// TestSeenItemsInTheirOwnStoreAreRearmed: with a separate seen store (a KV
// bucket with a TTL in the daemon), the watcher keeps only its meta in the
// main store, and an item still in the feed is written again once its
// record is a month old, so the TTL forgets only items that left the feed.
func TestSeenItemsInTheirOwnStoreAreRearmed(t *testing.T) {
	ctx := context.Background()
	h := newFeedHandler(rssDoc("News", testItem{GUID: "a", Link: "https://example.org/a", Title: "A"}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	main, seen := state.NewMemory(), state.NewMemory()
	w, clock := newTestWatcher(t, Config{URL: srv.URL}, main, nil, WithSeenStore(seen))
	var rec recorder
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.take()); n != 1 {
		t.Fatalf("first poll: %d events", n)
	}
	mainKeys, _ := main.Keys(ctx, "")
	seenKeys, _ := seen.Keys(ctx, "")
	if len(seenKeys) == 0 || len(mainKeys) != 1 || !strings.HasPrefix(mainKeys[0], "feed.news.meta.") {
		t.Fatalf("main store %q, seen store %q: seen items belong in the seen store", mainKeys, seenKeys)
	}
	aAt := func() time.Time {
		t.Helper()
		// The item's own key (its GUID) is the one looked up first.
		raw, err := seen.Get(ctx, w.seenKey(event.Hash("key", "a")[:32]))
		if err != nil {
			t.Fatal(err)
		}
		var r seenRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		return r.At
	}
	first := aAt()

	// A week later a's record is fresh enough: not rewritten; b is new.
	clock.advance(7 * 24 * time.Hour)
	h.set(rssDoc("News", testItem{GUID: "a", Link: "https://example.org/a", Title: "A"}, testItem{GUID: "b", Link: "https://example.org/b", Title: "B"}))
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := aAt(); !got.Equal(first) {
		t.Fatalf("a re-armed after a week (%v), want it left at %v", got, first)
	}
	if n := len(rec.take()); n != 1 {
		t.Fatalf("second poll: %d events, want b only", n)
	}

	// Forty days after the first poll, a is still in the feed: re-armed,
	// and still not announced again.
	clock.advance(33 * 24 * time.Hour)
	h.set(rssDoc("News", testItem{GUID: "a", Link: "https://example.org/a", Title: "A"}))
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.take()); n != 0 {
		t.Fatalf("third poll: %d events, want none", n)
	}
	if got := aAt(); !got.Equal(clock.now().UTC()) {
		t.Fatalf("a's record at %v, want re-armed at %v", got, clock.now())
	}
}
