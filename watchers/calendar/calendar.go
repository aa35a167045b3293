// Package calendar is the calendar watcher: it polls a calendar source
// (CalDAV, an ICS subscription, a local file or vdir), parses what changed,
// expands recurrences over a sliding window and publishes one
// calendar.event.changed per calendar object whose occurrences in the
// window changed, and calendar.event.cancelled for those that went away.
package calendar

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/redact"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers"
	"github.com/agentd/agentd/watchers/calendar/source"
	"github.com/agentd/agentd/watchers/internal/ics"
)

// Defaults.
const (
	DefaultEvery   = 15 * time.Minute
	DefaultPast    = 24 * time.Hour
	DefaultHorizon = 30 * 24 * time.Hour
)

// Config is one configured calendar.
type Config struct {
	Name    string
	Fetcher source.Fetcher
	Every   time.Duration
	// Past and Horizon set the window occurrences are expanded over:
	// [start of today - Past, start of today + Horizon).
	Past, Horizon time.Duration
	// Location places floating and all-day times (the user's zone).
	Location *time.Location
}

// Option changes a Watcher.
type Option func(*Watcher)

// WithClock sets the watcher's clock; nil keeps time.Now.
func WithClock(now func() time.Time) Option {
	return func(w *Watcher) {
		if now != nil {
			w.now = now
		}
	}
}

// Watcher watches one calendar source.
type Watcher struct {
	cfg    Config
	store  state.Store
	logger *slog.Logger
	now    func() time.Time

	// syncMu serializes SyncOnce: each poll builds on the state the last
	// one committed. It is held across the fetch, publishes and commit.
	syncMu sync.Mutex
	broken map[string]string // href -> etag of an object that failed to parse, logged once; under syncMu
	// unexpandable: href -> etag of an object with events that cannot be
	// expanded, logged once (one line for the object, not one per event)
	// until it changes; under syncMu.
	unexpandable map[string]string

	// mu guards the state a successful poll leaves behind. It is never
	// held across I/O, so Connect does not wait for a slow bus.
	mu      sync.Mutex
	objects map[string]*object // by href; an *object is not modified once stored
	window  time.Time          // window start of the last full expansion
	loaded  bool               // the cache holds every object

	health *watchers.Tracker
}

type object struct {
	calendar string
	etag     string
	cal      *ics.Calendar
}

// New checks cfg; it starts nothing.
func New(cfg Config, store state.Store, logger *slog.Logger, opts ...Option) (*Watcher, error) {
	if cfg.Name == "" || cfg.Fetcher == nil {
		return nil, errors.New("calendar: a name and a source are required")
	}
	if cfg.Every <= 0 {
		cfg.Every = DefaultEvery
	}
	if cfg.Past <= 0 {
		cfg.Past = DefaultPast
	}
	if cfg.Horizon <= 0 {
		cfg.Horizon = DefaultHorizon
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Watcher{cfg: cfg, store: store, logger: logger, now: time.Now, objects: map[string]*object{}, broken: map[string]string{}, unexpandable: map[string]string{}}
	for _, o := range opts {
		o(w)
	}
	w.health = watchers.NewTracker(w.Name(), w.now())
	return w, nil
}

// Name is "calendar:<name>".
func (w *Watcher) Name() string { return "calendar:" + w.cfg.Name }

// Connect makes the next poll read every object again: the parsed objects
// live in memory only, and the window must be expanded from all of them.
func (w *Watcher) Connect(ctx context.Context) error {
	w.mu.Lock()
	loaded := w.loaded
	w.mu.Unlock()
	if loaded {
		return nil
	}
	if err := w.cfg.Fetcher.Reset(ctx); err != nil {
		return fmt.Errorf("%s: %w", w.Name(), err)
	}
	return nil
}

// Close releases nothing; the source holds no connection between polls.
func (w *Watcher) Close(context.Context) error { return nil }

// Health reports the last poll's outcome.
func (w *Watcher) Health() watchers.Health { return w.health.Health() }

// Run polls every Every (with jitter) until ctx is done. A failed poll is
// retried at the next turn; it is logged once until the source is back.
func (w *Watcher) Run(ctx context.Context, publish watchers.Publish) error {
	for {
		err := w.SyncOnce(ctx, publish)
		if ctx.Err() != nil {
			return nil
		}
		w.record(err)
		if err != nil && source.IsPermanent(err) {
			// Wrong password, unknown calendar: nothing changes until the
			// config does; keep trying slowly.
			err = nil
		}
		wait := w.cfg.Every + time.Duration(rand.Int64N(int64(w.cfg.Every/10)+1))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func (w *Watcher) record(err error) {
	err = redact.Error(err) // the sources redact their URLs; this catches any other
	changed, failures := w.health.Record(w.now(), err)
	switch {
	case err == nil && changed:
		w.logger.Info("calendar is back", "after_failures", failures)
	case err != nil && changed:
		w.logger.Warn("calendar poll failed; retrying at the next turn", "err", err)
	}
}

// SyncOnce fetches what changed, publishes the resulting events and commits
// the change once they are stored.
//
// The next state is built in a copy and swapped in only after every
// publish and the commit succeeded: a poll that fails half-way leaves the
// watcher as it was, so the next poll, which fetches the same uncommitted
// change, computes the same cancellations again rather than finding the
// deleted objects already gone from memory. What did go out before the
// failure is not announced twice: publish skips content whose fingerprint
// is already stored.
func (w *Watcher) SyncOnce(ctx context.Context, publish watchers.Publish) error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()

	ch, err := w.cfg.Fetcher.Fetch(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", w.Name(), err)
	}
	now := w.now()
	from, to := w.windowAt(now)

	w.mu.Lock()
	objects := make(map[string]*object, len(w.objects)+len(ch.Changed))
	for href, o := range w.objects {
		objects[href] = o
	}
	loaded, window := w.loaded, w.window
	w.mu.Unlock()

	var cancelled, outside []event.CalendarEvent
	touched := map[string]bool{}
	// Objects deleted or replaced: their UIDs are cancelled unless an
	// object still in the cache has them (an event moved to another
	// calendar or file in the same poll, or present in two calendars).
	var dropped []*object
	for _, href := range ch.Removed {
		if old := objects[href]; old != nil {
			dropped = append(dropped, old)
			delete(objects, href)
		}
	}
	var left []*object
	for _, href := range ch.OutOfWindow {
		if old := objects[href]; old != nil {
			left = append(left, old)
			delete(objects, href)
		}
	}
	for _, obj := range ch.Changed {
		cal, err := ics.Parse(bytes.NewReader(obj.Data))
		if err != nil {
			if w.broken[obj.Href] != obj.ETag {
				w.broken[obj.Href] = obj.ETag
				w.logger.Warn("skipping a calendar object that does not parse", "href", obj.Href, "err", err)
			}
			continue
		}
		delete(w.broken, obj.Href)
		next := &object{calendar: obj.Calendar, etag: obj.ETag, cal: cal}
		if old := objects[obj.Href]; old != nil {
			dropped = append(dropped, old)
		}
		objects[obj.Href] = next
		touched[obj.Href] = true
	}
	for _, href := range ch.Removed {
		delete(w.broken, href)
		delete(w.unexpandable, href)
	}
	present := uids(objects)
	for _, old := range dropped {
		cancelled = append(cancelled, w.gone(old, present, from, to)...)
	}
	for _, old := range left {
		outside = append(outside, w.leftWindow(old, present, from, to)...)
	}
	if !loaded {
		// A full listing after a (re)start: what was announced before and
		// is not there any more was deleted while agentd was not looking.
		gone, err := w.vanished(ctx, uids(objects))
		if err != nil {
			return err
		}
		cancelled = append(cancelled, gone...)
	}
	full := !loaded || !from.Equal(window)
	var changed []event.CalendarEvent
	for href, o := range objects {
		if !full && !touched[href] {
			continue
		}
		skipped, firstUID := 0, ""
		var firstErr error
		for _, e := range o.cal.Events {
			ce, err := w.describe(o, href, e, from, to)
			if err != nil {
				if skipped == 0 {
					firstUID, firstErr = e.UID, err
				}
				skipped++
				continue
			}
			changed = append(changed, ce)
		}
		w.noteUnexpandable(href, o.etag, skipped, len(o.cal.Events), firstUID, firstErr)
	}
	sort.Slice(changed, func(i, j int) bool { return changed[i].UID < changed[j].UID })

	for _, ce := range cancelled {
		if err := w.publish(ctx, publish, event.TypeCalendarCanceled, ce, now); err != nil {
			return err
		}
	}
	for _, ce := range outside {
		if err := w.publish(ctx, publish, event.TypeCalendarChanged, ce, now); err != nil {
			return err
		}
	}
	for _, ce := range changed {
		typ := event.TypeCalendarChanged
		if ce.Status == "CANCELLED" {
			typ = event.TypeCalendarCanceled
		}
		if err := w.publish(ctx, publish, typ, ce, now); err != nil {
			return err
		}
	}
	if err := w.cfg.Fetcher.Commit(ctx, ch); err != nil {
		return fmt.Errorf("%s: %w", w.Name(), err)
	}
	w.mu.Lock()
	w.objects, w.loaded, w.window = objects, true, from
	w.mu.Unlock()
	return nil
}

// noteUnexpandable logs, once per version of the object at href, that
// skipped of its total events cannot be expanded: one line for the file,
// however many events it holds (a file of 2,001 such events logged 2,001
// lines at every full expansion). Called under syncMu.
func (w *Watcher) noteUnexpandable(href, etag string, skipped, total int, firstUID string, firstErr error) {
	if skipped == 0 {
		delete(w.unexpandable, href)
		return
	}
	if prev, ok := w.unexpandable[href]; ok && prev == etag {
		return
	}
	w.unexpandable[href] = etag
	w.logger.Warn("skipping events whose recurrence cannot be expanded; logged once until the object changes",
		"href", href, "events", skipped, "of", total, "first_uid", firstUID, "err", firstErr)
}

// vanished lists, as cancellations, the UIDs announced earlier (they have a
// fingerprint in the store) that are not in present, the UIDs of every
// object the source lists now.
func (w *Watcher) vanished(ctx context.Context, present map[string]bool) ([]event.CalendarEvent, error) {
	prefix := w.fpKey("")
	keys, err := w.store.Keys(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.Name(), err)
	}
	var out []event.CalendarEvent
	for _, k := range keys {
		uid := strings.TrimPrefix(k, prefix)
		if !present[uid] {
			out = append(out, event.CalendarEvent{Calendar: w.cfg.Name, UID: uid, Status: "CANCELLED", Occurrences: []event.Occurrence{}})
		}
	}
	return out, nil
}

func (w *Watcher) fpKey(uid string) string { return "calendar." + w.cfg.Name + ".fp." + uid }

// windowAt is the expansion window as of now, on day boundaries so that it
// moves once a day, not at every poll.
func (w *Watcher) windowAt(now time.Time) (time.Time, time.Time) {
	y, m, d := now.In(w.cfg.Location).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, w.cfg.Location)
	return day.Add(-w.cfg.Past), day.Add(w.cfg.Horizon)
}

// uids are the UIDs of every object in objects.
func uids(objects map[string]*object) map[string]bool {
	present := map[string]bool{}
	for _, o := range objects {
		for _, e := range o.cal.Events {
			present[e.UID] = true
		}
	}
	return present
}

// gone lists, as cancellations, the UIDs of old (an object deleted or
// replaced) that no cached object has any more; keep is updated so that a
// UID is cancelled once.
func (w *Watcher) gone(old *object, keep map[string]bool, from, to time.Time) []event.CalendarEvent {
	var out []event.CalendarEvent
	for _, e := range old.cal.Events {
		if keep[e.UID] || e.UID == "" {
			continue
		}
		keep[e.UID] = true
		ce, err := w.describe(old, "", e, from, to)
		if err != nil {
			ce = event.CalendarEvent{Calendar: w.cfg.Name, UID: e.UID, Summary: e.Summary}
		}
		ce.Status = "CANCELLED"
		out = append(out, ce)
	}
	return out
}

// leftWindow describes, with no occurrences, the UIDs of old (an object
// that still exists at the source but no longer overlaps the queried time
// range) that no cached object has: an event over, or one moved beyond the
// horizon, whose announced occurrences must not be reminded at their old
// time. keep is updated so that a UID is described once.
func (w *Watcher) leftWindow(old *object, keep map[string]bool, from, to time.Time) []event.CalendarEvent {
	var out []event.CalendarEvent
	for _, e := range old.cal.Events {
		if keep[e.UID] || e.UID == "" {
			continue
		}
		keep[e.UID] = true
		ce, err := w.describe(old, "", e, from, to)
		if err != nil {
			ce = event.CalendarEvent{Calendar: w.cfg.Name, UID: e.UID, Summary: e.Summary, WindowStart: from, WindowEnd: to}
		}
		ce.Status = ""
		ce.Occurrences = []event.Occurrence{}
		out = append(out, ce)
	}
	return out
}

// publish sends one event unless the same content was published before
// (the fingerprint is kept per UID in the store).
func (w *Watcher) publish(ctx context.Context, publish watchers.Publish, typ string, ce event.CalendarEvent, now time.Time) error {
	// The window moves daily; what matters is whether the event or its
	// occurrences changed, so the fingerprint leaves the window out.
	bare := ce
	bare.WindowStart, bare.WindowEnd = time.Time{}, time.Time{}
	body, err := json.Marshal(bare)
	if err != nil {
		return fmt.Errorf("%s: encode %s: %w", w.Name(), ce.UID, err)
	}
	fp := event.Hash(typ, string(body))[:32]
	key := w.fpKey(ce.UID)
	if old, err := w.store.Get(ctx, key); err == nil && string(old) == fp {
		return nil
	} else if err != nil && !errors.Is(err, state.ErrNotFound) {
		return err
	}
	subject := ce.Summary
	if subject == "" {
		subject = "(untitled event)"
	}
	ev, err := event.New(w.Name(), typ, ce.UID+"\x00"+fp, subject, time.Time{}, now, ce)
	if err != nil {
		return err
	}
	if err := publish(ctx, ev); err != nil {
		return fmt.Errorf("%s: publish %s: %w", w.Name(), ce.UID, err)
	}
	if typ == event.TypeCalendarCanceled && ce.Status == "CANCELLED" && len(ce.Occurrences) == 0 {
		return w.store.Delete(ctx, key)
	}
	return w.store.Put(ctx, key, []byte(fp))
}

// describe builds the event data of one calendar object.
func (w *Watcher) describe(o *object, href string, e *ics.Event, from, to time.Time) (event.CalendarEvent, error) {
	// Floating times are the publisher's wall clock when it names one
	// (X-WR-TIMEZONE), else the user's.
	loc := w.cfg.Location
	if tz := o.cal.TimeZone; tz != "" {
		if l, err := ics.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	return ics.Describe(w.cfg.Name, o.calendar, href, e, from, to, loc)
}

var (
	_ watchers.Watcher        = (*Watcher)(nil)
	_ watchers.Syncer         = (*Watcher)(nil)
	_ watchers.HealthReporter = (*Watcher)(nil)
)
