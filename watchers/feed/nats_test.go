package feed

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/state"
)

// startKV opens the real embedded bus on storeDir and returns its watcher
// bucket and a stop function that closes the bus.
func startKV(t *testing.T, storeDir string) (state.Store, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, bus.Config{DataDir: storeDir}, nil)
	if err != nil {
		t.Fatalf("bus.Open: %v", err)
	}
	store, err := b.Store(ctx, bus.BucketWatchers)
	if err != nil {
		b.Close()
		t.Fatalf("watcher bucket: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := b.Close(); err != nil {
				t.Errorf("close bus: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return store, stop
}

// TestDedupAcrossRestartWithJetStreamKV restarts the NATS server on the same
// store directory between polls, with a new watcher each time, as a daemon
// restart would.
func TestDedupAcrossRestartWithJetStreamKV(t *testing.T) {
	storeDir := t.TempDir()
	items := []testItem{
		{GUID: "g1", Link: "https://example.org/1", Title: "One", Published: t1},
		{GUID: "g2", Link: "https://example.org/2", Title: "Two", Published: t2},
		{GUID: "g3", Link: "https://example.org/3", Title: "Three", Published: t3},
	}
	h := newFeedHandler(rssDoc("News", items...))
	// ETags off: a restarted watcher must rely on its seen keys, not on a
	// 304, to announce nothing.
	h.noETag = true
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()
	cfg := Config{Name: "news", URL: srv.URL}
	var rec recorder

	store, stop := startKV(t, storeDir)
	w, _ := newTestWatcher(t, cfg, store, nil)
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"Three", "Two", "One"}) {
		t.Fatalf("first poll: %q", got)
	}
	keys, err := store.Keys(ctx, "feed.news.")
	if err != nil {
		t.Fatal(err)
	}
	// 3 items × (key, link, title) + meta.
	if len(keys) != 10 || !strings.HasPrefix(keys[0], "feed.news.meta.") || !strings.HasPrefix(keys[1], "feed.news.seen.") {
		t.Errorf("stored keys = %q", keys)
	}
	stop()

	// Restart: new server on the same directory, new watcher. The feed
	// changed (Last-Modified moved on), so the document is fetched in full.
	h.set(rssDoc("News", items...))
	store, stop = startKV(t, storeDir)
	w, _ = newTestWatcher(t, cfg, store, nil)
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("after restart: %q, want nothing", subjects(got))
	}
	if got := h.statusCodes(); got[len(got)-1] != 200 {
		t.Fatalf("restart poll got %d, want a full 200 fetch", got[len(got)-1])
	}

	items = append(items, testItem{GUID: "g4", Link: "https://example.org/4", Title: "Four"})
	h.set(rssDoc("News", items...))
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"Four"}) {
		t.Fatalf("new item: %q, want [Four]", got)
	}
	stop()

	// Once more across a restart: item 2 re-published under a new GUID with
	// the same link, and a title change, must not be announced.
	items[1] = testItem{GUID: "g2-new", Link: "https://example.org/2", Title: "Two (updated)"}
	h.set(rssDoc("News", items...))
	store, _ = startKV(t, storeDir)
	w, _ = newTestWatcher(t, cfg, store, nil)
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("re-published item announced again: %q", subjects(got))
	}
}
