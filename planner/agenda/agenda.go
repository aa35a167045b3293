// Package agenda is the planner's memory of the user's schedule: it turns
// calendar.event.changed and calendar.event.cancelled events into units the
// rules see (one per occurrence, pending invitation, conflict, morning agenda
// and cancellation), and keeps every known occurrence in the state store so
// that conflicts and agendas can be computed across events and calendars.
package agenda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
)

// Defaults used when Config leaves a field zero.
const (
	DefaultRemindBefore = 10 * time.Minute
	DefaultAgendaAt     = 7*time.Hour + 30*time.Minute
)

// Config is what the enricher needs to know about the user.
type Config struct {
	// Me are the user's addresses (any case), to find their own PARTSTAT
	// among the attendees.
	Me []string
	// Location is the user's time zone (default time.Local): agenda days,
	// the agenda time and the times shown in titles are read in it.
	Location *time.Location
	// RemindBefore is the default lead time of an occurrence's reminder.
	RemindBefore time.Duration
	// PerCalendar overrides RemindBefore per configured calendar name
	// (sources.calendars[].remind_before); the event's own alarm wins over both.
	PerCalendar map[string]time.Duration
	// AgendaAt is the local time of the morning agenda (and of birthday
	// notices), as time since midnight.
	AgendaAt time.Duration
	// LeaveBefore is how long before an off-site event the user is told
	// to leave when its text does not give the trip's length
	// (planner.leave_before; default DefaultLeaveBefore).
	LeaveBefore time.Duration
}

// Unit kinds, in facts.kind, so the rules tell them apart.
const (
	KindOccurrence = "calendar.occurrence"
	KindInvitation = "calendar.invitation"
	KindConflict   = "calendar.conflict"
	KindAgenda     = "calendar.agenda"
	KindCancelled  = "calendar.cancelled"
)

// AgendaSource and AgendaType are the About of agenda suggestions: an agenda
// is about a day, not about one calendar object.
const (
	AgendaSource = "calendar"
	AgendaType   = "calendar.agenda"
)

const storePrefix = "cal.occ."

// Enricher is a planner.Enricher for calendar events. It is safe for
// concurrent use; events are handled one at a time.
type Enricher struct {
	cfg    Config
	me     map[string]bool
	store  state.Store
	logger *slog.Logger

	mu     sync.Mutex
	loaded bool
	// recs holds every calendar object with occurrences still to come, by
	// source and UID; days indexes the occurrences the user attends by the
	// local days they touch.
	recs map[string]*record
	days map[int][]*occ
	// swept is the local day of the last sweep (see sweep).
	swept int
}

// New returns an enricher; it reads the store on the first event, not here.
func New(cfg Config, store state.Store, logger *slog.Logger) *Enricher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.RemindBefore <= 0 {
		cfg.RemindBefore = DefaultRemindBefore
	}
	if cfg.AgendaAt <= 0 || cfg.AgendaAt >= 24*time.Hour {
		cfg.AgendaAt = DefaultAgendaAt
	}
	me := make(map[string]bool, len(cfg.Me))
	for _, m := range cfg.Me {
		if m = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(m), "mailto:"))); m != "" {
			me[m] = true
		}
	}
	return &Enricher{
		cfg:    cfg,
		me:     me,
		store:  store,
		logger: logger,
		recs:   map[string]*record{},
		days:   map[int][]*occ{},
	}
}

// Enrich implements planner.Enricher.
func (e *Enricher) Enrich(ctx context.Context, ev event.Event, now time.Time) ([]planner.Unit, []string, error) {
	var ce event.CalendarEvent
	if err := ev.Decode(&ce); err != nil {
		return nil, nil, err
	}
	return e.EnrichCalendar(ctx, ev.Source, ev.Type, ce, now)
}

// EnrichCalendar handles one calendar object seen in source (an event's
// Source: "calendar:work", or a mail account for an invitation that came by
// mail). typ is calendar.event.changed or calendar.event.cancelled; a
// STATUS:CANCELLED object or an iTIP CANCEL counts as cancelled whatever typ
// says. The returned scopes are re-evaluated in full by the planner.
func (e *Enricher) EnrichCalendar(ctx context.Context, source, typ string, ce event.CalendarEvent, now time.Time) ([]planner.Unit, []string, error) {
	uid := ce.UID
	if uid == "" {
		uid = ce.Href
	}
	if uid == "" {
		e.logger.Warn("calendar object without UID or href ignored", "source", source, "summary", ce.Summary)
		return nil, nil, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.load(ctx, now); err != nil {
		return nil, nil, err
	}
	e.sweep(ctx, now)

	key := recKey(source, uid)
	old := e.recs[key]
	// Conflict scopes to re-evaluate: the occurrences that led a conflict
	// with one of this object's occurrences, before or after the change.
	conflicts := map[string]*occ{}
	e.markConflicts(old, false, conflicts)
	oldDays := e.touchedDays(old)

	rec := e.newRecord(source, uid, typ, ce, old, now)
	if err := e.save(ctx, key, rec, now); err != nil {
		return nil, nil, err
	}
	e.unindex(old)
	if rec.live(now) {
		e.recs[key] = rec
		e.index(rec)
	} else {
		delete(e.recs, key)
	}
	e.markConflicts(rec, true, conflicts)

	units := e.objectUnits(source, typ, ce, rec, now)
	scopes := []string{objectScope(source, uid)}
	// In order, so that the same event always plans the same way.
	for _, scope := range slices.Sorted(maps.Keys(conflicts)) {
		if o := conflicts[scope]; o != nil {
			if u, ok := e.conflictUnit(o, now); ok {
				units = append(units, u)
			}
		}
		scopes = append(scopes, scope)
	}

	days := oldDays
	for d := range e.touchedDays(rec) {
		days[d] = true
	}
	for _, d := range slices.Sorted(maps.Keys(days)) {
		if u, ok := e.agendaUnit(d, now); ok {
			units = append(units, u)
		}
		if e.dayEnd(d).After(now) {
			scopes = append(scopes, agendaScope(d))
		}
	}
	return units, scopes, nil
}

// load reads the stored occurrences once; occurrences over by now are left
// out, and objects with nothing left are dropped from the store later, when
// they next change.
func (e *Enricher) load(ctx context.Context, now time.Time) error {
	if e.loaded {
		return nil
	}
	keys, err := e.store.Keys(ctx, storePrefix)
	if err != nil {
		return fmt.Errorf("calendar: list stored occurrences: %w", err)
	}
	for _, k := range keys {
		raw, err := e.store.Get(ctx, k)
		if errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("calendar: read stored occurrences %q: %w", k, err)
		}
		var r record
		if err := json.Unmarshal(raw, &r); err != nil {
			e.logger.Warn("forgetting unreadable stored occurrences", "key", k, "err", err)
			continue
		}
		r.prune(now)
		if !r.live(now) {
			continue
		}
		rp := &r
		for _, o := range rp.Occs {
			o.rec = rp
		}
		e.recs[recKey(r.Source, r.UID)] = rp
		e.index(rp)
	}
	e.loaded = true
	return nil
}

// sweep forgets, once a day, what is over: index days before yesterday and
// objects with nothing to come, which no event may ever mention again (a
// past one-off meeting) and would otherwise stay in memory and the store.
func (e *Enricher) sweep(ctx context.Context, now time.Time) {
	today := dayOf(now.In(e.cfg.Location))
	if today <= e.swept {
		return
	}
	e.swept = today
	for d := range e.days {
		if d < today-1 {
			delete(e.days, d)
		}
	}
	for k, r := range e.recs {
		r.prune(now)
		if r.live(now) {
			continue
		}
		delete(e.recs, k)
		if err := e.store.Delete(ctx, storePrefix+k); err != nil {
			// Harmless: load drops it next time.
			e.logger.Warn("forgetting a past calendar object failed", "source", r.Source, "uid", r.UID, "err", err)
		}
	}
}

// save writes rec under key, or deletes the key when nothing is left to
// remember.
func (e *Enricher) save(ctx context.Context, key string, rec *record, now time.Time) error {
	skey := storePrefix + key
	if !rec.live(now) {
		if err := e.store.Delete(ctx, skey); err != nil {
			return fmt.Errorf("calendar %s: forget %s: %w", rec.Source, rec.UID, err)
		}
		return nil
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("calendar %s: encode %s: %w", rec.Source, rec.UID, err)
	}
	if err := e.store.Put(ctx, skey, raw); err != nil {
		return fmt.Errorf("calendar %s: store %s: %w", rec.Source, rec.UID, err)
	}
	return nil
}

// recKey is the cache key of an object and, behind storePrefix, its store
// key ("cal.occ.<source>.<uid>").
func recKey(source, uid string) string { return source + "." + uid }

func objectScope(source, uid string) string { return "cal." + source + "." + uid }

// conflictScope is one occurrence's: "cal.conflict.<source>.<uid>[.<recurrence id>]".
func conflictScope(o *occ) string {
	s := "cal.conflict." + o.rec.Source + "." + o.rec.UID
	if o.RID != "" {
		s += "." + o.RID
	}
	return s
}
func agendaScope(d int) string { return "cal.agenda." + dayString(d) }

var _ planner.Enricher = (*Enricher)(nil)
