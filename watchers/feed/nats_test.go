package feed

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/agentd/agentd/internal/state"
)

// startKV starts an embedded JetStream server on storeDir and returns the
// state bucket and a stop function that shuts the server down.
func startKV(t *testing.T, storeDir string) (*state.KV, func()) {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		JetStream:  true,
		StoreDir:   storeDir,
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		t.Fatal("nats server not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		srv.Shutdown()
		t.Fatalf("nats connect: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "agentd_state"})
	if err != nil {
		t.Fatalf("create kv: %v", err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		nc.Close()
		srv.Shutdown()
		srv.WaitForShutdown()
	}
	t.Cleanup(stop)
	return state.NewKV(kv), stop
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
	if len(keys) != 10 || !slices.Contains(keys, "feed.news.meta") || !strings.HasPrefix(keys[1], "feed.news.seen.") {
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
