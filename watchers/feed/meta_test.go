package feed

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/agentd/agentd/internal/state"
)

const feedToken = "Zx8kQ2mP9vL4tR7wB1nC5yH3"

// dumpStore is every key and value of store, one per line.
func dumpStore(t *testing.T, store state.Store) string {
	t.Helper()
	ctx := context.Background()
	keys, err := store.Keys(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range keys {
		v, err := store.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(k + " = " + string(v) + "\n")
	}
	return b.String()
}

// TestNoFeedSecretAtRest: a feed URL with a token was stored in clear in
// the watchers' KV (the meta record's url). Now the meta is keyed by a
// hash of the URL, and a permanent redirect to a URL with a token stays in
// memory; the validators still work. Runs on the real bus KV.
func TestNoFeedSecretAtRest(t *testing.T) {
	feed := newFeedHandler(rssDoc("News", testItem{GUID: "a", Title: "A"}))
	mux := http.NewServeMux()
	mux.Handle("/private/feed", feed)
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/private/feed?token="+feedToken, http.StatusMovedPermanently)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	store, _ := startKV(t, t.TempDir())
	ctx := context.Background()

	for _, u := range []string{srv.URL + "/private/feed?token=" + feedToken, srv.URL + "/old?key=" + feedToken} {
		w, _ := newTestWatcher(t, Config{Name: "private", URL: u}, store, nil)
		var rec recorder
		for range 2 {
			if err := w.SyncOnce(ctx, rec.publish); err != nil {
				t.Fatal(err)
			}
		}
		if got := w.Status().URL; !strings.Contains(got, "/private/feed") {
			t.Errorf("%s: polls %q, want the redirect's target", u, got)
		}
		dump := dumpStore(t, store)
		if strings.Contains(dump, feedToken) {
			t.Errorf("the watchers' KV holds the feed's token:\n%s", dump)
		}
		if !strings.Contains(dump, "feed.private.meta.") {
			t.Errorf("no meta record under a hashed key:\n%s", dump)
		}
	}
	// Both configs polled twice; the second poll of each was conditional
	// (the redirect's target is remembered in memory for the second). A
	// new URL is a new key: it starts without validators.
	if got := feed.statusCodes(); !slices.Equal(got, []int{200, 304, 200, 304}) {
		t.Errorf("status codes = %v, want [200 304 200 304]", got)
	}
	if keys, _ := store.Keys(ctx, "feed.private.meta"); len(keys) != 1 {
		t.Errorf("meta keys %q, want only the current URL's", keys)
	}
}

// TestLegacyMetaMigrated: a record under the old key (feed.<name>.meta,
// with the URL in clear) is read when the hashed key is missing, moved
// there without the URL, and deleted.
func TestLegacyMetaMigrated(t *testing.T) {
	feed := newFeedHandler(rssDoc("News", testItem{GUID: "a", Title: "A"}))
	srv := httptest.NewServer(feed)
	defer srv.Close()
	u := srv.URL + "/feed?token=" + feedToken
	store := state.NewMemory()
	ctx := context.Background()

	// The first poll gives the server's validators; write them the old way.
	w, _ := newTestWatcher(t, Config{Name: "private", URL: u}, store, nil)
	var rec recorder
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	cur, err := store.Get(ctx, w.metaKey())
	if err != nil {
		t.Fatal(err)
	}
	var m meta
	if err := json.Unmarshal(cur, &m); err != nil {
		t.Fatal(err)
	}
	m.URL = u
	legacy, _ := json.Marshal(m)
	store.Delete(ctx, w.metaKey())
	store.Put(ctx, "feed.private.meta", legacy)

	w2, _ := newTestWatcher(t, Config{Name: "private", URL: u}, store, nil)
	if err := w2.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := feed.statusCodes(); !slices.Equal(got, []int{200, 304}) {
		t.Errorf("status codes = %v, want [200 304]: the legacy validators were not used", got)
	}
	if _, err := store.Get(ctx, "feed.private.meta"); err == nil {
		t.Error("the legacy key is still there")
	}
	if dump := dumpStore(t, store); strings.Contains(dump, feedToken) {
		t.Errorf("the store holds the token after the migration:\n%s", dump)
	}
	if _, err := store.Get(ctx, w2.metaKey()); err != nil {
		t.Errorf("no record under the hashed key: %v", err)
	}
}
