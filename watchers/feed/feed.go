// Package feed watches one RSS, Atom or JSON Feed and publishes each new
// item once as a feed.item event.
//
// A poll is a conditional GET (ETag / Last-Modified); a 304 costs no parse.
// Seen items are remembered in the state store under three keys (item key,
// normalised link, normalised title within the feed), so neither a restart
// nor a feed that re-publishes an item under a new GUID announces it twice.
// An item is remembered only after publish succeeded, so a bus outage loses
// nothing: the item is announced on a later poll.
//
// Nothing a feed serves grows without bound: a document is read up to
// Config.MaxBytes and parsed up to its first Config.MaxItems items (1000;
// an XML document is cut before parsing, so a 100,000-item feed takes the
// memory of 1000), and one poll announces at most Config.MaxNew new items
// (50, the newest). The rest of such a flood is remembered as seen
// without an event and counted in one log line ("and 97,950 more items
// in news").
package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/redact"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers"
)

// Watcher polls one feed. Create it with New.
type Watcher struct {
	cfg   Config
	store state.Store
	// seenStore holds the seen items; by default store. In the daemon it
	// is a bucket whose keys expire unless re-armed (see rearmAfter).
	seenStore state.Store
	logger    *slog.Logger
	client    *http.Client
	now       func() time.Time
	jitter    func() float64 // in [-1, 1]

	pollMu sync.Mutex // one poll at a time (Run and SyncOnce may overlap)
	// moved is a permanent redirect's target that holds a secret, so it
	// is kept in memory only (see saveMeta); guarded by mu.
	moved string

	mu      sync.Mutex
	health  Status
	failing bool // the current failure streak has been logged
}

// Status is the state of a feed for the dashboard and `agentd check`.
type Status struct {
	LastSuccess time.Time
	LastError   string // empty after a success
	LastErrorAt time.Time
	// ConsecutiveFailures counts failed polls since the last success.
	ConsecutiveFailures int
	// NextPoll is when Run polls next (zero outside Run).
	NextPoll time.Time
	// URL is the URL polled (after a remembered permanent redirect), as
	// redact.Link shows it.
	URL string
}

// Option customises a Watcher.
type Option func(*Watcher)

// WithHTTPClient sets the client (transport, proxy, TLS). Its CheckRedirect
// still runs after the watcher's own redirect bookkeeping. Default: a client
// on http.DefaultTransport.
func WithHTTPClient(c *http.Client) Option {
	return func(w *Watcher) {
		if c != nil {
			w.client = c
		}
	}
}

// WithSeenStore keeps the seen items in their own store, typically a KV
// bucket with a TTL: an item still in the feed is re-armed now and then, one
// that left the feed long ago is forgotten, so the set stays bounded.
func WithSeenStore(s state.Store) Option {
	return func(w *Watcher) {
		if s != nil {
			w.seenStore = s
		}
	}
}

// rearmAfter is how old a seen record may get before a poll that still
// finds the item in the feed writes it again (well inside the bucket's TTL).
const rearmAfter = 30 * 24 * time.Hour

// WithClock sets the clock used for Seen times, Retry-After dates and
// health. Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(w *Watcher) {
		if now != nil {
			w.now = now
		}
	}
}

// WithRand sets the source of poll jitter. The Watcher serialises its use.
// Default: math/rand/v2's global source.
func WithRand(r *rand.Rand) Option {
	return func(w *Watcher) {
		if r == nil {
			return
		}
		var mu sync.Mutex
		w.jitter = func() float64 {
			mu.Lock()
			defer mu.Unlock()
			return 2*r.Float64() - 1
		}
	}
}

// New validates cfg and builds a watcher. It has no side effects.
func New(cfg Config, store state.Store, logger *slog.Logger, opts ...Option) (*Watcher, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, fmt.Errorf("feed %q: no state store", cfg.Name)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Watcher{
		cfg:       cfg,
		store:     store,
		seenStore: store,
		// The app scopes the logger per watcher ("watcher"); the feed
		// name is added anyway so a shared logger still says which feed.
		logger: logger.With("feed", cfg.Name),
		client: &http.Client{},
		now:    time.Now,
		jitter: func() float64 { return 2*rand.Float64() - 1 },
	}
	for _, o := range opts {
		o(w)
	}
	w.client = withRedirectLog(w.client)
	w.health.URL = redact.Link(cfg.URL)
	return w, nil
}

// Name is "feed:<name>".
func (w *Watcher) Name() string { return "feed:" + w.cfg.Name }

// Connect has nothing to dial: every poll is its own request.
func (w *Watcher) Connect(ctx context.Context) error { return ctx.Err() }

// Close releases idle connections. Safe to call more than once.
func (w *Watcher) Close(context.Context) error {
	w.client.CloseIdleConnections()
	return nil
}

// Status returns a snapshot of the feed's state.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.health
}

// Health is the feed's state in the shape every watcher reports (the
// runner only sees Run go on, since a feed handles its own failures).
func (w *Watcher) Health() watchers.Health {
	st := w.Status()
	h := watchers.Health{
		Name:      w.Name(),
		OK:        st.ConsecutiveFailures == 0 && !st.LastSuccess.IsZero(),
		LastOK:    st.LastSuccess,
		LastError: st.LastError,
		Failures:  st.ConsecutiveFailures,
		Since:     st.LastSuccess,
	}
	if st.ConsecutiveFailures > 0 {
		h.Since = st.LastErrorAt
	}
	return h
}

// SyncOnce does exactly one fetch and announce pass and returns its error.
func (w *Watcher) SyncOnce(ctx context.Context, publish watchers.Publish) error {
	if publish == nil {
		return fmt.Errorf("feed %s: sync: no publish function", w.cfg.Name)
	}
	_, err := w.poll(ctx, publish)
	return err
}

// Run polls until ctx is done. Feed errors are its own business: it logs the
// first failure of a streak and the recovery, backs off, and returns only
// when ctx is done (with nil).
func (w *Watcher) Run(ctx context.Context, publish watchers.Publish) error {
	if publish == nil {
		return fmt.Errorf("feed %s: run: no publish function", w.cfg.Name)
	}
	// Honour a Retry-After from before a restart.
	var wait time.Duration
	if m, err := w.loadMeta(ctx); err == nil {
		wait = max(m.NotBefore.Sub(w.now()), 0)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		w.setNextPoll(w.now().Add(wait))
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		wait = w.step(ctx, publish)
		timer.Reset(wait)
	}
}

// step is one iteration of Run: poll, log state changes, and return how long
// to wait.
func (w *Watcher) step(ctx context.Context, publish watchers.Publish) time.Duration {
	retryAfter, err := w.poll(ctx, publish)
	h := w.Status()
	w.mu.Lock()
	switch {
	case err != nil && ctx.Err() != nil:
		// Shutting down; not the feed's fault.
	case err != nil && !w.failing:
		w.failing = true
		w.logger.Warn("feed failed; retrying with backoff, further failures are counted, not logged",
			"url", h.URL, "err", err)
	case err != nil:
		w.logger.Debug("feed still failing", "failures", h.ConsecutiveFailures, "err", err)
	case w.failing:
		w.failing = false
		w.logger.Info("feed back", "url", h.URL)
	}
	w.mu.Unlock()
	return nextWait(w.cfg.Every, h.ConsecutiveFailures, retryAfter, w.jitter())
}

func (w *Watcher) setNextPoll(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.health.NextPoll = t
}

// meta is what the store keeps per feed, under "feed.<name>.meta.<hash
// of the URL>" (see meta.go).
type meta struct {
	// URL is read from records written before the key named the URL's
	// hash (see loadMeta); it is never written again.
	URL          string    `json:"url,omitempty"`
	PermanentURL string    `json:"permanent_url,omitempty"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastOK       time.Time `json:"last_ok,omitzero"`
	// NotBefore is the Retry-After the server asked for.
	NotBefore time.Time `json:"not_before,omitzero"`
}

// poll fetches and announces once, records health, and returns the
// server's Retry-After (0 if none).
func (w *Watcher) poll(ctx context.Context, publish watchers.Publish) (time.Duration, error) {
	w.pollMu.Lock()
	defer w.pollMu.Unlock()
	retryAfter, target, err := w.pollLocked(ctx, publish)
	// Every URL in the error was redacted where it was written; this
	// catches one that came in with a cause (a redirect, a parser).
	err = redact.Error(err)
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.health.URL = redact.Link(target)
	if err != nil {
		w.health.LastError = err.Error()
		w.health.LastErrorAt = now
		w.health.ConsecutiveFailures++
		return retryAfter, err
	}
	w.health.LastSuccess = now
	w.health.LastError = ""
	w.health.ConsecutiveFailures = 0
	return 0, nil
}

func (w *Watcher) pollLocked(ctx context.Context, publish watchers.Publish) (retryAfter time.Duration, target string, err error) {
	target = w.cfg.URL
	wrap := func(err error) error { return fmt.Errorf("feed %s: %w", w.cfg.Name, err) }
	m, err := w.loadMeta(ctx)
	if err != nil {
		return 0, target, wrap(err)
	}
	if m.PermanentURL == "" {
		m.PermanentURL = w.movedTo()
	}
	if m.PermanentURL != "" {
		target = m.PermanentURL
	}

	res, err := w.fetch(ctx, target, validators{ETag: m.ETag, LastModified: m.LastModified})
	if err != nil {
		if serr := (*StatusError)(nil); errors.As(err, &serr) && serr.RetryAfter > 0 {
			m.NotBefore = w.now().Add(serr.RetryAfter)
			if perr := w.saveMeta(ctx, m); perr != nil {
				err = errors.Join(err, perr)
			}
			return serr.RetryAfter, target, wrap(err)
		}
		return 0, target, wrap(err)
	}
	m.NotBefore = time.Time{}
	if res.PermanentURL != "" && res.PermanentURL != target {
		w.logger.Info("feed moved permanently; polling the new URL from now on",
			"from", redact.Link(target), "to", redact.Link(res.PermanentURL))
		m.PermanentURL = res.PermanentURL
		target = res.PermanentURL
	}

	if res.NotModified {
		m.ETag, m.LastModified = res.Validators.ETag, res.Validators.LastModified
		m.LastOK = w.now()
		if err := w.saveMeta(ctx, m); err != nil {
			return 0, target, wrap(err)
		}
		return 0, target, nil
	}

	f, total, err := parseCapped(res.Body, res.ContentType, w.cfg.MaxItems)
	res.Body = nil // the items are parsed; let the document go
	if err != nil {
		return 0, target, wrap(fmt.Errorf("%s: %w", redact.Link(res.FinalURL), err))
	}
	annErr := w.announce(ctx, f, total, res.FinalURL, publish)
	// Adopt this document's validators only once all of it is announced:
	// with an item still pending, the next poll must get the document
	// again, not a 304. The previous validators do not match it, so they
	// may stay.
	if annErr == nil {
		m.ETag, m.LastModified = res.Validators.ETag, res.Validators.LastModified
	}
	m.LastOK = w.now()
	if err := w.saveMeta(ctx, m); err != nil {
		return 0, target, wrap(errors.Join(annErr, err))
	}
	if annErr != nil {
		return 0, target, wrap(annErr)
	}
	return 0, target, nil
}

// announce publishes the items not seen before, oldest first (feeds list
// newest first). A flood is capped: of more than MaxNew new items only the
// newest MaxNew are announced, the others are remembered as seen without an
// event and counted in one log line (with the items of the document past
// MaxItems, which were not read). One item's failure does not stop the
// others. total is how many items the document has.
func (w *Watcher) announce(ctx context.Context, f *gofeed.Feed, total int, finalURL string, publish watchers.Publish) error {
	base, err := url.Parse(finalURL)
	if err != nil {
		base = nil
	}
	feedURL := redact.Link(finalURL)
	source := w.Name()
	var errs []error
	failed := 0
	// The new items, oldest first. An item whose link or title repeats
	// that of an older new item in the same document is that item again.
	var fresh []entry
	inDoc := make(map[string]bool)
	for i := len(f.Items) - 1; i >= 0; i-- {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		it := f.Items[i]
		if it == nil {
			continue
		}
		e := newEntry(w.cfg.Name, f, it, feedURL, base)
		seen, err := w.seen(ctx, e.Dedup)
		if err != nil {
			failed++
			errs = append(errs, fmt.Errorf("item %q: %w", e.Key, err))
			continue
		}
		if seen || slices.ContainsFunc(e.Dedup, func(h string) bool { return inDoc[h] }) {
			continue
		}
		for _, h := range e.Dedup {
			inDoc[h] = true
		}
		fresh = append(fresh, e)
	}
	quiet := fresh[:max(len(fresh)-w.cfg.MaxNew, 0)]
	if len(quiet) > 0 {
		more := len(quiet) + max(total-len(f.Items), 0)
		w.logger.Info(fmt.Sprintf("feed flood capped: %d newest items announced, and %s more items in %s remembered without an event",
			len(fresh)-len(quiet), groupThousands(more), w.cfg.Name),
			"announced", len(fresh)-len(quiet), "more", more)
	}
	for _, e := range quiet {
		if err := w.markSeen(ctx, e.Dedup); err != nil {
			failed++
			errs = append(errs, fmt.Errorf("item %q: %w", e.Key, err))
		}
	}
	for _, e := range fresh[len(quiet):] {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		ev, err := event.New(source, event.TypeFeedItem, e.Key, e.Item.Title, e.when(), w.now(), e.Item)
		if err != nil {
			failed++
			errs = append(errs, fmt.Errorf("item %q: %w", e.Key, err))
			continue
		}
		if err := publish(ctx, ev); err != nil {
			failed++
			errs = append(errs, fmt.Errorf("item %q: publish: %w", e.Key, err))
			continue
		}
		if err := w.markSeen(ctx, e.Dedup); err != nil {
			// Published but not remembered: it may be announced again,
			// and the bus drops the duplicate by its deterministic id.
			failed++
			errs = append(errs, fmt.Errorf("item %q: %w", e.Key, err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d items not announced: %w", failed, len(f.Items), errors.Join(errs...))
}

// groupThousands writes n with commas: 97,950.
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// seen reports whether any of the dedup hashes is stored.
func (w *Watcher) seen(ctx context.Context, hashes []string) (bool, error) {
	for _, h := range hashes {
		raw, err := w.seenStore.Get(ctx, w.seenKey(h))
		if err == nil {
			w.rearm(ctx, h, raw)
			return true, nil
		}
		if !errors.Is(err, state.ErrNotFound) {
			return false, fmt.Errorf("check seen: %w", err)
		}
	}
	return false, nil
}

// rearm writes a seen record again when it has grown old while its item is
// still in the feed, so the store's TTL forgets only items that left it.
func (w *Watcher) rearm(ctx context.Context, hash string, raw []byte) {
	var rec seenRecord
	if err := json.Unmarshal(raw, &rec); err == nil && w.now().Sub(rec.At) < rearmAfter {
		return
	}
	if err := w.markSeen(ctx, []string{hash}); err != nil {
		// The item stays remembered until the TTL; next poll tries again.
		w.logger.Debug("re-arming a seen item failed", "err", err)
	}
}

// seenRecord is the value of a seen key.
type seenRecord struct {
	At time.Time `json:"at"`
}

func (w *Watcher) markSeen(ctx context.Context, hashes []string) error {
	raw, err := json.Marshal(seenRecord{At: w.now().UTC()})
	if err != nil {
		return fmt.Errorf("encode seen: %w", err)
	}
	for _, h := range hashes {
		if err := w.seenStore.Put(ctx, w.seenKey(h), raw); err != nil {
			return fmt.Errorf("mark seen: %w", err)
		}
	}
	return nil
}

// Interface guards.
var (
	_ watchers.Watcher        = (*Watcher)(nil)
	_ watchers.Syncer         = (*Watcher)(nil)
	_ watchers.HealthReporter = (*Watcher)(nil)
)
