package feed

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// testItem is one <item> of a generated RSS document.
type testItem struct {
	GUID, Link, Title, Description string
	Published                      time.Time
}

// rssDoc renders an RSS 2.0 document.
func rssDoc(title string, items ...testItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>%s</title>"+
		"<link>https://example.org/</link><description>test</description>\n", html.EscapeString(title))
	for _, it := range items {
		b.WriteString("<item>")
		if it.GUID != "" {
			fmt.Fprintf(&b, "<guid isPermaLink=\"false\">%s</guid>", html.EscapeString(it.GUID))
		}
		if it.Link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", html.EscapeString(it.Link))
		}
		fmt.Fprintf(&b, "<title>%s</title>", html.EscapeString(it.Title))
		if it.Description != "" {
			fmt.Fprintf(&b, "<description>%s</description>", html.EscapeString(it.Description))
		}
		if !it.Published.IsZero() {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.Published.Format(time.RFC1123Z))
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// feedHandler serves a document with an ETag and Last-Modified and answers
// conditional requests with 304, like a well-behaved server.
type feedHandler struct {
	mu       sync.Mutex
	body     string
	modified time.Time
	requests []*http.Request
	codes    []int
	noETag   bool
}

func newFeedHandler(body string) *feedHandler {
	return &feedHandler{body: body, modified: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
}

func (h *feedHandler) set(body string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.body = body
	h.modified = h.modified.Add(time.Hour)
}

func (h *feedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = append(h.requests, r.Clone(context.Background()))
	etag := fmt.Sprintf("%q", event.Hash(h.body)[:16])
	if !h.noETag {
		w.Header().Set("ETag", etag)
	}
	w.Header().Set("Last-Modified", h.modified.Format(http.TimeFormat))
	notModified := false
	if inm := r.Header.Get("If-None-Match"); inm != "" && !h.noETag {
		notModified = inm == etag
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		notModified = err == nil && !h.modified.After(t)
	}
	if notModified {
		h.codes = append(h.codes, http.StatusNotModified)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.codes = append(h.codes, http.StatusOK)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	_, _ = w.Write([]byte(h.body))
}

func (h *feedHandler) lastRequest() *http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests[len(h.requests)-1]
}

func (h *feedHandler) statusCodes() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.codes...)
}

// recorder is the publish function of the tests: it keeps what it was given
// and can be told to fail.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
	// failTitles makes publish fail for events with these subjects.
	failTitles map[string]bool
}

func (r *recorder) publish(_ context.Context, ev event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failTitles[ev.Subject] {
		return fmt.Errorf("bus unavailable for %q", ev.Subject)
	}
	r.events = append(r.events, ev)
	return nil
}

// take returns and forgets the events published so far.
func (r *recorder) take() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func subjects(evs []event.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Subject)
	}
	return out
}

// fixedClock is a settable clock.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects a watcher's log output.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newTestWatcher builds a watcher with a fixed clock and seeded jitter.
func newTestWatcher(t *testing.T, cfg Config, store state.Store, logger *slog.Logger, opts ...Option) (*Watcher, *fixedClock) {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "news"
	}
	if store == nil {
		store = state.NewMemory()
	}
	clock := &fixedClock{t: time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)}
	opts = append([]Option{WithClock(clock.now), WithRand(rand.New(rand.NewPCG(1, 2)))}, opts...)
	w, err := New(cfg, store, logger, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	return w, clock
}
