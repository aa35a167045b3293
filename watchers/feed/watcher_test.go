package feed

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

var (
	t1 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	t2 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	t3 = time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
)

func TestSyncOnceAnnouncesItemsAsEvents(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir("testdata")))
	defer srv.Close()
	w, clock := newTestWatcher(t, Config{Name: "news", URL: srv.URL + "/rss2.xml"}, nil, nil)
	var rec recorder
	if err := w.SyncOnce(context.Background(), rec.publish); err != nil {
		t.Fatalf("SyncOnce: %v", err)
	}
	evs := rec.take()
	// Oldest first: the feed lists newest first.
	if got, want := subjects(evs), []string{"First post", "Second & newest post"}; !slices.Equal(got, want) {
		t.Fatalf("subjects = %q, want %q", got, want)
	}
	first, second := evs[0], evs[1]
	if second.Source != "feed:news" || second.Type != event.TypeFeedItem {
		t.Errorf("source/type = %q/%q", second.Source, second.Type)
	}
	if second.ID != event.ID("feed:news", event.TypeFeedItem, "post-2") {
		t.Errorf("id %q is not derived from the GUID", second.ID)
	}
	if want := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC); !second.Time.Equal(want) {
		t.Errorf("time = %v, want %v", second.Time, want)
	}
	if !second.Seen.Equal(clock.now()) {
		t.Errorf("seen = %v, want the clock's %v", second.Seen, clock.now())
	}
	var item event.FeedItem
	if err := second.Decode(&item); err != nil {
		t.Fatal(err)
	}
	if want := "Hello world & friends. Second paragraph."; item.Summary != want {
		t.Errorf("summary = %q, want %q", item.Summary, want)
	}
	if item.GUID != "post-2" || item.Link != "https://example.org/posts/2" || item.FeedTitle != "Example News" {
		t.Errorf("item = %+v", item)
	}
	if !slices.Equal(item.Categories, []string{"news"}) || len(item.Authors) != 1 {
		t.Errorf("categories %q, authors %q", item.Categories, item.Authors)
	}
	if err := first.Decode(&item); err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/posts/1"; item.Link != want {
		t.Errorf("relative link resolved to %q, want %q", item.Link, want)
	}
	if first.ID != event.ID("feed:news", event.TypeFeedItem, srv.URL+"/posts/1") {
		t.Errorf("id %q is not derived from the link", first.ID)
	}
	h := w.Status()
	if h.LastSuccess != clock.now() || h.LastError != "" || h.ConsecutiveFailures != 0 {
		t.Errorf("health = %+v", h)
	}
}

func TestConditionalGet(t *testing.T) {
	tests := map[string]struct {
		noETag     bool
		wantHeader string
	}{
		"etag":                {wantHeader: "If-None-Match"},
		"last-modified alone": {noETag: true, wantHeader: "If-Modified-Since"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newFeedHandler(rssDoc("News",
				testItem{GUID: "a", Title: "A", Published: t1},
				testItem{GUID: "b", Title: "B", Published: t2}))
			h.noETag = tc.noETag
			srv := httptest.NewServer(h)
			defer srv.Close()
			w, _ := newTestWatcher(t, Config{URL: srv.URL}, nil, nil)
			var rec recorder
			ctx := context.Background()

			if err := w.SyncOnce(ctx, rec.publish); err != nil {
				t.Fatal(err)
			}
			if n := len(rec.take()); n != 2 {
				t.Fatalf("first poll: %d events, want 2", n)
			}
			if err := w.SyncOnce(ctx, rec.publish); err != nil {
				t.Fatal(err)
			}
			if n := len(rec.take()); n != 0 {
				t.Fatalf("second poll: %d events, want 0", n)
			}
			if h.lastRequest().Header.Get(tc.wantHeader) == "" {
				t.Errorf("second request lacks %s", tc.wantHeader)
			}
			if got := h.statusCodes(); !slices.Equal(got, []int{200, 304}) {
				t.Errorf("status codes = %v, want [200 304]", got)
			}

			h.set(rssDoc("News",
				testItem{GUID: "a", Title: "A", Published: t1},
				testItem{GUID: "b", Title: "B", Published: t2},
				testItem{GUID: "c", Title: "C", Published: t3}))
			if err := w.SyncOnce(ctx, rec.publish); err != nil {
				t.Fatal(err)
			}
			if got := subjects(rec.take()); !slices.Equal(got, []string{"C"}) {
				t.Errorf("after change: %q, want [C]", got)
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	tests := map[string]struct {
		codes         []int // the chain /r0 -> /r1 -> ... -> /feed
		wantRemember  string
		wantFirstHits int // hits on /r0 after two polls
	}{
		"301 remembered":       {codes: []int{301}, wantRemember: "/feed", wantFirstHits: 1},
		"308 remembered":       {codes: []int{308}, wantRemember: "/feed", wantFirstHits: 1},
		"302 not remembered":   {codes: []int{302}, wantRemember: "/r0", wantFirstHits: 2},
		"307 not remembered":   {codes: []int{307}, wantRemember: "/r0", wantFirstHits: 2},
		"301 then 302 keeps B": {codes: []int{301, 302}, wantRemember: "/r1", wantFirstHits: 1},
		"302 then 301 forgets": {codes: []int{302, 301}, wantRemember: "/r0", wantFirstHits: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var hits [8]atomic.Int32
			feed := newFeedHandler(rssDoc("News", testItem{GUID: "a", Title: "A"}))
			mux := http.NewServeMux()
			mux.Handle("/feed", feed)
			for i, code := range tc.codes {
				next := "/feed"
				if i+1 < len(tc.codes) {
					next = fmt.Sprintf("/r%d", i+1)
				}
				mux.HandleFunc(fmt.Sprintf("/r%d", i), func(w http.ResponseWriter, r *http.Request) {
					hits[i].Add(1)
					http.Redirect(w, r, next, code)
				})
			}
			srv := httptest.NewServer(mux)
			defer srv.Close()
			logs := &logBuffer{}
			w, _ := newTestWatcher(t, Config{URL: srv.URL + "/r0"}, nil, logs.logger())
			var rec recorder
			for range 2 {
				if err := w.SyncOnce(context.Background(), rec.publish); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(rec.take()); n != 1 {
				t.Errorf("%d events, want 1", n)
			}
			if got := hits[0].Load(); int(got) != tc.wantFirstHits {
				t.Errorf("/r0 hit %d times, want %d", got, tc.wantFirstHits)
			}
			if got, want := w.Status().URL, srv.URL+tc.wantRemember; got != want {
				t.Errorf("health URL = %q, want %q", got, want)
			}
			moved := strings.Count(logs.String(), "feed moved permanently")
			if wantLog := tc.wantRemember != "/r0"; (moved == 1) != wantLog || moved > 1 {
				t.Errorf("logged the move %d times; logs:\n%s", moved, logs)
			}
			// The second poll against the remembered URL was conditional.
			if got := feed.statusCodes(); !slices.Equal(got, []int{200, 304}) {
				t.Errorf("feed status codes = %v, want [200 304]", got)
			}
		})
	}
}

func TestPermanentRedirectForgottenWhenConfigChanges(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/feed", newFeedHandler(rssDoc("News", testItem{GUID: "a", Title: "A"})))
	mux.Handle("/other", newFeedHandler(rssDoc("Other", testItem{GUID: "o", Title: "O"})))
	mux.Handle("/old", http.RedirectHandler("/feed", http.StatusMovedPermanently))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	store := state.NewMemory()
	w, _ := newTestWatcher(t, Config{URL: srv.URL + "/old"}, store, nil)
	var rec recorder
	if err := w.SyncOnce(context.Background(), rec.publish); err != nil {
		t.Fatal(err)
	}
	w2, _ := newTestWatcher(t, Config{URL: srv.URL + "/other"}, store, nil)
	if err := w2.SyncOnce(context.Background(), rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"A", "O"}) {
		t.Errorf("subjects = %q, want [A O]", got)
	}
	if got := w2.Status().URL; got != srv.URL+"/other" {
		t.Errorf("new config polls %q", got)
	}
}

func TestRetryAfter(t *testing.T) {
	clockNow := time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		code       int
		retryAfter string
		wantRetry  time.Duration
	}{
		"429 seconds":   {code: 429, retryAfter: "3600", wantRetry: time.Hour},
		"429 http date": {code: 429, retryAfter: clockNow.Add(90 * time.Minute).Format(http.TimeFormat), wantRetry: 90 * time.Minute},
		"503 seconds":   {code: 503, retryAfter: "7200", wantRetry: 2 * time.Hour},
		"503 without":   {code: 503, wantRetry: 0},
		"500 ignores":   {code: 500, retryAfter: "3600", wantRetry: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.code)
			}))
			defer srv.Close()
			store := state.NewMemory()
			w, clock := newTestWatcher(t, Config{URL: srv.URL, Every: 30 * time.Minute}, store, nil)
			var rec recorder
			wait := w.step(context.Background(), rec.publish)

			err := w.SyncOnce(context.Background(), rec.publish)
			var serr *StatusError
			if !errors.As(err, &serr) || serr.Code != tc.code || serr.RetryAfter != tc.wantRetry {
				t.Fatalf("error = %v, want status %d retry after %s", err, tc.code, tc.wantRetry)
			}
			if tc.wantRetry > 0 {
				if wait < tc.wantRetry || wait > tc.wantRetry+tc.wantRetry/10 {
					t.Errorf("next wait %s, want in [%s, +5%%]", wait, tc.wantRetry)
				}
				m, err := w.loadMeta(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if want := clock.now().Add(tc.wantRetry); !m.NotBefore.Equal(want) {
					t.Errorf("stored not-before %v, want %v", m.NotBefore, want)
				}
			} else if wait < 54*time.Second || wait > 66*time.Second {
				t.Errorf("first failure waits %s, want 1m ± 10%%", wait)
			}
			if h := w.Status(); h.ConsecutiveFailures != 2 || !strings.Contains(h.LastError, fmt.Sprint(tc.code)) {
				t.Errorf("health = %+v", h)
			}
		})
	}
}

func TestGzip(t *testing.T) {
	body := rssDoc("Zipped", testItem{GUID: "z", Title: "Z"})
	var sawGzip atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			_, _ = w.Write([]byte(body))
			return
		}
		sawGzip.Store(true)
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write([]byte(body))
		_ = zw.Close()
	}))
	defer srv.Close()
	w, _ := newTestWatcher(t, Config{URL: srv.URL}, nil, nil)
	var rec recorder
	if err := w.SyncOnce(context.Background(), rec.publish); err != nil {
		t.Fatal(err)
	}
	if !sawGzip.Load() {
		t.Error("request did not accept gzip")
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"Z"}) {
		t.Errorf("subjects = %q", got)
	}
}

func TestSizeCap(t *testing.T) {
	big := rssDoc("Big", testItem{GUID: "x", Title: "X", Description: strings.Repeat("lorem ipsum ", 1000)})
	tests := map[string]http.HandlerFunc{
		"content-length": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(big)) },
		"chunked": func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 1000 {
				_, _ = w.Write([]byte(big[i:min(i+1000, len(big))]))
				w.(http.Flusher).Flush()
			}
		},
		"gzip bomb": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = zw.Write([]byte(big))
			_ = zw.Close()
		},
	}
	for name, handler := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(handler)
			defer srv.Close()
			w, _ := newTestWatcher(t, Config{URL: srv.URL, MaxBytes: 4096}, nil, nil)
			var rec recorder
			err := w.SyncOnce(context.Background(), rec.publish)
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "feed too large") {
				t.Fatalf("error = %v, want feed too large", err)
			}
			if n := len(rec.take()); n != 0 {
				t.Errorf("%d events from a capped feed", n)
			}
		})
	}
}

func TestBrokenFeeds(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	mux := http.NewServeMux()
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		http.ServeFile(w, r, filepath.Join("testdata", "html_page.html"))
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("testdata", "broken.xml"))
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	})
	mux.HandleFunc("/slowbody", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<?xml version=\"1.0\"?><rss><channel>"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	})
	mux.Handle("/ok", newFeedHandler(rssDoc("OK", testItem{GUID: "ok", Title: "fine"})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := map[string]struct {
		path    string
		wantIs  error
		wantMsg string
	}{
		"html page":       {path: "/html", wantIs: ErrHTMLPage, wantMsg: "not a feed (got HTML page)"},
		"bad xml":         {path: "/broken", wantMsg: "parse feed"},
		"404":             {path: "/missing", wantMsg: "404"},
		"hanging server":  {path: "/hang", wantIs: context.DeadlineExceeded},
		"hanging in body": {path: "/slowbody", wantIs: context.DeadlineExceeded},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			logs := &logBuffer{}
			w, _ := newTestWatcher(t, Config{Name: "broken", URL: srv.URL + tc.path, Timeout: 200 * time.Millisecond}, nil, logs.logger())
			var rec recorder
			w.step(context.Background(), rec.publish)
			err := w.SyncOnce(context.Background(), rec.publish)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v is not %v", err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) || !strings.HasPrefix(err.Error(), "feed broken: ") {
				t.Errorf("error %q lacks the feed name or %q", err, tc.wantMsg)
			}
			h := w.Status()
			if h.ConsecutiveFailures != 2 || h.LastError != err.Error() {
				t.Errorf("health = %+v", h)
			}
			if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "feed=broken") {
				t.Errorf("want one warning naming the feed, got logs:\n%s", logs)
			}
			// A broken feed does not touch another one.
			ok, _ := newTestWatcher(t, Config{Name: "ok", URL: srv.URL + "/ok"}, nil, nil)
			if err := ok.SyncOnce(context.Background(), rec.publish); err != nil {
				t.Fatalf("healthy feed: %v", err)
			}
			if got := subjects(rec.take()); !slices.Equal(got, []string{"fine"}) {
				t.Errorf("healthy feed subjects = %q", got)
			}
		})
	}
}

func TestPublishFailureRetriedNextPoll(t *testing.T) {
	h := newFeedHandler(rssDoc("News",
		testItem{GUID: "a", Link: "https://example.org/a", Title: "A", Published: t1},
		testItem{GUID: "b", Link: "https://example.org/b", Title: "B", Published: t2},
		testItem{GUID: "c", Link: "https://example.org/c", Title: "C", Published: t3}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	w, _ := newTestWatcher(t, Config{URL: srv.URL}, nil, nil)
	rec := &recorder{failTitles: map[string]bool{"B": true}}
	err := w.SyncOnce(context.Background(), rec.publish)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 items not announced") {
		t.Fatalf("error = %v", err)
	}
	// The failure of B did not block A and C.
	if got := subjects(rec.take()); !slices.Equal(got, []string{"C", "A"}) && !slices.Equal(got, []string{"A", "C"}) {
		t.Fatalf("first poll announced %q, want A and C", got)
	}
	rec.failTitles = nil
	if err := w.SyncOnce(context.Background(), rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"B"}) {
		t.Errorf("second poll announced %q, want [B]", got)
	}
	// The retry needed the full document, not a 304.
	if got := h.statusCodes(); !slices.Equal(got, []int{200, 200}) {
		t.Errorf("status codes %v, want [200 200]", got)
	}
	if err := w.SyncOnce(context.Background(), rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := h.statusCodes(); !slices.Equal(got, []int{200, 200, 304}) {
		t.Errorf("status codes %v, want [200 200 304]", got)
	}
}

func TestDedupByLinkAndTitle(t *testing.T) {
	tests := map[string]struct {
		second   testItem
		wantNews int
	}{
		"same guid":                        {second: testItem{GUID: "a", Link: "https://example.org/x", Title: "X"}, wantNews: 0},
		"new guid, same link":              {second: testItem{GUID: "a2", Link: "https://example.org/a", Title: "Renamed"}, wantNews: 0},
		"new guid, same link over https":   {second: testItem{GUID: "a2", Link: "https://www.example.org/a/?utm_source=x", Title: "Renamed"}, wantNews: 0},
		"new guid, same title, other link": {second: testItem{GUID: "a3", Link: "https://example.org/other", Title: "  the  ARTICLE"}, wantNews: 0},
		"different item":                   {second: testItem{GUID: "b", Link: "https://example.org/b", Title: "Another article"}, wantNews: 1},
		"no guid no link, new text":        {second: testItem{Title: "Only a title"}, wantNews: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newFeedHandler(rssDoc("News", testItem{GUID: "a", Link: "http://example.org/a", Title: "The article"}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			w, _ := newTestWatcher(t, Config{URL: srv.URL}, nil, nil)
			var rec recorder
			if err := w.SyncOnce(context.Background(), rec.publish); err != nil {
				t.Fatal(err)
			}
			rec.take()
			h.set(rssDoc("News", tc.second))
			if err := w.SyncOnce(context.Background(), rec.publish); err != nil {
				t.Fatal(err)
			}
			if got := len(rec.take()); got != tc.wantNews {
				t.Errorf("%d events, want %d", got, tc.wantNews)
			}
		})
	}
}

func TestFileURL(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.xml")
	if err := os.WriteFile(path, []byte(rssDoc("Local", testItem{GUID: "1", Title: "one"})), 0o600); err != nil {
		t.Fatal(err)
	}
	w, _ := newTestWatcher(t, Config{URL: "file://" + path}, nil, nil)
	var rec recorder
	ctx := context.Background()
	for range 2 {
		if err := w.SyncOnce(ctx, rec.publish); err != nil {
			t.Fatal(err)
		}
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"one"}) {
		t.Fatalf("subjects = %q, want [one]", got)
	}
	if err := os.WriteFile(path, []byte(rssDoc("Local", testItem{GUID: "1", Title: "one"}, testItem{GUID: "2", Title: "two"})), 0o600); err != nil {
		t.Fatal(err)
	}
	// Guard against a coarse file system clock: the size changes too.
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"two"}) {
		t.Errorf("after change: %q, want [two]", got)
	}
	w2, _ := newTestWatcher(t, Config{URL: "file://" + filepath.Join(dir, "missing.xml")}, nil, nil)
	if err := w2.SyncOnce(ctx, rec.publish); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestNoCredentialsInLogsOrErrors(t *testing.T) {
	var gotUser, gotPass atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		gotUser.Store(u)
		gotPass.Store(p)
		http.Error(w, "nope", http.StatusForbidden)
	}))
	defer srv.Close()
	logs := &logBuffer{}
	u := strings.Replace(srv.URL, "http://", "http://alice:hunter2@", 1) + "/feeds/Zx8kQ2mP9vL4tR7wB1nC5yH3/rss?token=t0psecret"
	w, _ := newTestWatcher(t, Config{Name: "private", URL: u}, nil, logs.logger())
	var rec recorder
	w.step(context.Background(), rec.publish)
	err := w.SyncOnce(context.Background(), rec.publish)
	if err == nil {
		t.Fatal("no error")
	}
	if gotUser.Load() != "alice" || gotPass.Load() != "hunter2" {
		t.Errorf("basic auth not sent from the URL userinfo")
	}
	for what, text := range map[string]string{"error": err.Error(), "logs": logs.String(), "health": fmt.Sprintf("%+v", w.Status())} {
		for _, secret := range []string{"hunter2", "alice", "t0psecret", "Zx8kQ2mP9vL4tR7wB1nC5yH3"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %q: %s", what, secret, text)
			}
		}
	}
	_, err = New(Config{Name: "x", URL: "ftp://alice:hunter2@example.org/"}, state.NewMemory(), nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("config error %v", err)
	}
}

func TestStepLogsFailureOnceAndRecoveryOnce(t *testing.T) {
	var fail atomic.Int32
	fail.Store(3)
	ok := newFeedHandler(rssDoc("News", testItem{GUID: "a", Title: "A"}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Add(-1) >= 0 {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		ok.ServeHTTP(w, r)
	}))
	defer srv.Close()
	logs := &logBuffer{}
	w, _ := newTestWatcher(t, Config{URL: srv.URL, Every: 30 * time.Minute}, nil, logs.logger())
	var rec recorder
	var waits []time.Duration
	for range 5 {
		waits = append(waits, w.step(context.Background(), rec.publish))
	}
	out := logs.String()
	if n := strings.Count(out, "feed failed"); n != 1 {
		t.Errorf("logged the failure %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "feed back"); n != 1 {
		t.Errorf("logged the recovery %d times, want once:\n%s", n, out)
	}
	// Backoff grows while failing and returns to the interval after.
	if !(waits[0] < waits[1] && waits[1] < waits[2] && waits[3] > 20*time.Minute) {
		t.Errorf("waits = %v", waits)
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"A"}) {
		t.Errorf("subjects = %q", got)
	}
}

func TestRunPollsUntilCancelled(t *testing.T) {
	h := newFeedHandler(rssDoc("News", testItem{GUID: "a", Title: "A"}))
	polled := make(chan struct{}, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		polled <- struct{}{}
	}))
	defer srv.Close()
	w, _ := newTestWatcher(t, Config{URL: srv.URL, Every: 5 * time.Millisecond}, nil, nil)
	var rec recorder
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, rec.publish) }()
	for range 3 {
		select {
		case <-polled:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not poll")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v, want nil on cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"A"}) {
		t.Errorf("subjects = %q, want [A] once", got)
	}
	if w.Status().NextPoll.IsZero() {
		t.Error("health has no next poll time")
	}
}

func TestRunHonoursStoredRetryAfter(t *testing.T) {
	var hits atomic.Int32
	// Outside the bubble: the server's goroutines wait on the network, which
	// synctest does not count as blocked.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer srv.Close()
	// In the bubble, Run's wait for the poll is on a fake clock: synctest.Wait
	// returns once Run has scheduled the poll and sleeps.
	synctest.Test(t, func(t *testing.T) {
		store := state.NewMemory()
		w, clock := newTestWatcher(t, Config{URL: srv.URL}, store, nil)
		m := meta{URL: srv.URL, NotBefore: clock.now().Add(time.Hour)}
		if err := w.saveMeta(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx, (&recorder{}).publish) }()
		synctest.Wait()
		if got, want := w.Status().NextPoll, clock.now().Add(time.Hour); !got.Equal(want) {
			t.Errorf("next poll %v, want %v", got, want)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	if n := hits.Load(); n != 0 {
		t.Errorf("polled %d times before the Retry-After", n)
	}
}

func TestNewValidates(t *testing.T) {
	tests := map[string]struct {
		cfg     Config
		wantErr string
	}{
		"ok http":       {cfg: Config{Name: "a", URL: "https://example.org/feed"}},
		"ok file":       {cfg: Config{Name: "a", URL: "file:///tmp/x.xml"}},
		"no name":       {cfg: Config{URL: "https://example.org/feed"}, wantErr: "name is empty"},
		"no url":        {cfg: Config{Name: "a"}, wantErr: "url is empty"},
		"bad scheme":    {cfg: Config{Name: "a", URL: "gopher://example.org/"}, wantErr: "scheme must be"},
		"no host":       {cfg: Config{Name: "a", URL: "https:///feed"}, wantErr: "no host"},
		"negative":      {cfg: Config{Name: "a", URL: "https://example.org/", Every: -time.Second}, wantErr: "negative"},
		"negative size": {cfg: Config{Name: "a", URL: "https://example.org/", MaxBytes: -1}, wantErr: "negative"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w, err := New(tc.cfg, state.NewMemory(), nil)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if w.Name() != "feed:a" || w.cfg.Every != DefaultEvery || w.cfg.MaxBytes != DefaultMaxBytes ||
					!strings.HasPrefix(w.cfg.UserAgent, "agentd/") {
					t.Errorf("defaults not applied: %+v", w.cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
	if _, err := New(Config{Name: "a", URL: "https://example.org/"}, nil, nil); err == nil {
		t.Error("nil store accepted")
	}
}
