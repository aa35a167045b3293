package feed

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/watchers"
)

// TestPoisonItemIsSkipped: an item whose event the bus refuses for good (a
// 5 KB item on a bus whose limit is 4 KiB here) used to fail every poll,
// putting the whole feed in backoff and fetching it in full each time. It
// is recorded as poison and skipped: the feed is healthy, the other items
// are announced, and the next poll does not try it again.
func TestPoisonItemIsSkipped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir(), MaxPayload: 4 << 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	store, err := b.Store(ctx, bus.BucketWatchers)
	if err != nil {
		t.Fatal(err)
	}
	poison, err := b.Store(ctx, bus.BucketPoison)
	if err != nil {
		t.Fatal(err)
	}
	book := watchers.NewPoisonBook(poison, nil)
	var rec recorder
	publish := watchers.Quarantine(func(ctx context.Context, ev event.Event) error {
		if err := b.PublishEvent(ctx, ev); err != nil {
			return err
		}
		return rec.publish(ctx, ev)
	}, book, bus.IsPermanent, nil)

	long := strings.Repeat("x", 2000)
	items := []testItem{
		{GUID: "g3", Link: "https://example.org/3", Title: "Three", Published: t3},
		{GUID: "big-" + long, Link: "https://example.org/" + long, Title: "Big", Description: strings.Repeat("word ", 200), Published: t2},
		{GUID: "g1", Link: "https://example.org/1", Title: "One", Published: t1},
	}
	h := newFeedHandler(rssDoc("News", items...))
	srv := httptest.NewServer(h)
	defer srv.Close()
	w, _ := newTestWatcher(t, Config{Name: "news", URL: srv.URL}, store, nil)
	if err := w.SyncOnce(ctx, publish); err != nil {
		t.Fatalf("poll: %v, want nil: one poison item does not fail the feed", err)
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"One", "Three"}) {
		t.Fatalf("published %q, want One and Three", got)
	}
	if st := w.Status(); st.ConsecutiveFailures != 0 || st.LastError != "" {
		t.Fatalf("status %+v: want healthy, not in backoff", st)
	}
	recs, err := book.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Source != "feed:news" || recs[0].Count != 1 || recs[0].Last().Subject != "Big" {
		t.Fatalf("poison records = %+v, want the big item's", recs)
	}

	// The document's validators were adopted: the next poll is a 304.
	if err := w.SyncOnce(ctx, publish); err != nil {
		t.Fatal(err)
	}
	if codes := h.statusCodes(); codes[len(codes)-1] != 304 {
		t.Fatalf("second poll got %d, want 304: the document was fully announced", codes[len(codes)-1])
	}
	// A new item, in a document still holding the big one: only it.
	items = append([]testItem{{GUID: "g4", Link: "https://example.org/4", Title: "Four", Published: t3.Add(time.Hour)}}, items...)
	h.set(rssDoc("News", items...))
	if err := w.SyncOnce(ctx, publish); err != nil {
		t.Fatal(err)
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"Four"}) {
		t.Fatalf("published %q, want Four", got)
	}
	if recs, _ := book.List(ctx); recs[0].Count != 1 {
		t.Fatalf("poison recorded %d times, want once", recs[0].Count)
	}
}
