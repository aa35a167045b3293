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

// answerPrefix keys the user's own answers (iTIP REPLY they sent) by UID;
// an answer is remembered for answerMemory, or until the meeting's last
// occurrence it mentions is over if that is later.
const (
	answerPrefix = "cal.ans."
	answerMemory = 7 * 24 * time.Hour
)

// answer is the user's own answer to an invitation.
type answer struct {
	UID      string    `json:"uid"`
	PartStat string    `json:"partstat"`
	Seq      int       `json:"seq,omitempty"`
	Until    time.Time `json:"until"`
}

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
	// byUID holds recs by UID (the copies of one meeting), pending the
	// records that ask for an answer; both kept by put and drop.
	byUID   map[string]map[string]*record
	pending map[string]*record
	// answers are the user's own answers by UID (see EnrichAnswer).
	answers map[string]answer
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
		cfg:     cfg,
		me:      me,
		store:   store,
		logger:  logger,
		recs:    map[string]*record{},
		days:    map[int][]*occ{},
		answers: map[string]answer{},
		byUID:   map[string]map[string]*record{},
		pending: map[string]*record{},
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
	if uid == "" && ce.Href != "" {
		// A hand-written .ics may hold several events without UID: each
		// is its file and what it says, not the file alone.
		uid = ce.Href + "#" + event.ID(ce.Summary, ce.Location, ce.Description)
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

	inst := ""
	if ce.Instance {
		// One occurrence of a series: it changes that occurrence only.
		if len(ce.Occurrences) == 0 || ce.Occurrences[0].RecurrenceID == "" {
			e.logger.Debug("one occurrence of a series outside the window ignored", "source", source, "uid", uid)
			return nil, nil, nil
		}
		inst = ce.Occurrences[0].RecurrenceID
	}
	key := recKey(source, uid, inst)
	return e.reconcile(ctx, uid, now, func(copies map[string]*record) {
		copies[key] = e.newRecord(source, uid, inst, typ, ce, copies[key], previous(key, copies), now)
	})
}

// EnrichAnswer takes the user's own answer to an invitation: an iTIP REPLY
// they sent (from their Sent folder). It stands for their PARTSTAT on
// every copy of the meeting that still asks for an answer: no "answer the
// invitation", and a declined meeting is neither reminded nor on the
// agenda. An answer older (by SEQUENCE) than one already known is ignored.
func (e *Enricher) EnrichAnswer(ctx context.Context, ce event.CalendarEvent, now time.Time) ([]planner.Unit, []string, error) {
	var partStat string
	for _, a := range ce.Attendees {
		if e.isMe(a.Email) {
			partStat = strings.ToUpper(strings.TrimSpace(a.PartStat))
			break
		}
	}
	if ce.UID == "" || partStat == "" || partStat == "NEEDS-ACTION" || ce.Instance {
		// An answer about one occurrence of a series (declining one
		// week) says nothing about the others: left to the server's copy.
		return nil, nil, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.load(ctx, now); err != nil {
		return nil, nil, err
	}
	e.sweep(ctx, now)
	if old, ok := e.answers[ce.UID]; ok && old.Seq > ce.Sequence {
		return nil, nil, nil
	}
	a := answer{UID: ce.UID, PartStat: partStat, Seq: ce.Sequence, Until: now.Add(answerMemory)}
	for _, o := range ce.Occurrences {
		if o.End.After(a.Until) {
			a.Until = o.End
		}
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, nil, fmt.Errorf("calendar: encode the answer to %s: %w", ce.UID, err)
	}
	if err := e.store.Put(ctx, answerPrefix+ce.UID, raw); err != nil {
		return nil, nil, fmt.Errorf("calendar: store the answer to %s: %w", ce.UID, err)
	}
	e.answers[ce.UID] = a
	return e.reconcile(ctx, ce.UID, now, func(map[string]*record) {})
}

// reconcile applies change to the copies of one meeting (uid) that the
// enricher knows, one per source: a calendar, or a mail account that
// brought an invitation, update or cancellation. The copy with the highest
// SEQUENCE is the truth (see supersedes); the others are shadowed: they
// make no units and are on no agenda and in no conflict. Every copy's
// scope is re-evaluated, with the conflicts, agendas and pending
// invitations the change touches.
func (e *Enricher) reconcile(ctx context.Context, uid string, now time.Time, change func(copies map[string]*record)) ([]planner.Unit, []string, error) {
	before := maps.Clone(e.byUID[uid])
	if before == nil {
		before = map[string]*record{}
	}
	// Conflict scopes to re-evaluate: the occurrences that led a conflict
	// with one of this object's occurrences, before or after the change;
	// and the pending invitations whose clashes may change.
	conflicts := map[string]*occ{}
	days := map[int]bool{}
	invites := map[string]*record{}
	keys := slices.Sorted(maps.Keys(before))
	for _, k := range keys {
		r := before[k]
		e.markConflicts(r, false, conflicts)
		maps.Copy(days, e.touchedDays(r))
		e.markInvitations(r, invites, now)
	}
	after := make(map[string]*record, len(before)+1)
	for k, r := range before {
		after[k] = r.clone()
	}
	change(after)
	e.resolve(uid, after, now)
	keys = slices.Sorted(maps.Keys(after))
	for _, k := range keys {
		if err := e.save(ctx, k, after[k], now); err != nil {
			return nil, nil, err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(before)) {
		e.unindex(before[k])
	}
	for _, k := range keys {
		if r := after[k]; r.live(now) {
			e.put(k, r)
			e.index(r)
		} else {
			e.drop(k)
		}
	}
	var units []planner.Unit
	var scopes []string
	for _, k := range keys {
		r := after[k]
		e.markConflicts(r, true, conflicts)
		maps.Copy(days, e.touchedDays(r))
		e.markInvitations(r, invites, now)
		units = append(units, e.objectUnits(r, now)...)
		scopes = append(scopes, r.scope())
		if r.pending() || before[k] != nil && before[k].pending() {
			scopes = append(scopes, r.inviteScope())
		}
	}
	// In order, so that the same event always plans the same way.
	for _, k := range slices.Sorted(maps.Keys(invites)) {
		if r := e.recs[k]; r != nil && r.UID != uid {
			if u, ok := e.invitationUnit(r, now); ok {
				units = append(units, u)
			}
			scopes = append(scopes, r.inviteScope())
		}
	}
	for _, scope := range slices.Sorted(maps.Keys(conflicts)) {
		if o := conflicts[scope]; o != nil {
			if u, ok := e.conflictUnit(o, now); ok {
				units = append(units, u)
			}
		}
		scopes = append(scopes, scope)
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

// markInvitations adds to set the pending invitations (by record key) that
// overlap one of r's occurrences that blocks the user's time: their
// question names the meetings they clash with.
func (e *Enricher) markInvitations(r *record, set map[string]*record, now time.Time) {
	if r == nil || r.Shadowed || !r.Accepted || r.Transparent || len(e.pending) == 0 {
		return
	}
	var nexts []*occ
	for _, p := range e.pending {
		if q := p.next(now); p.UID != r.UID && q != nil && !q.AllDay {
			nexts = append(nexts, q)
		}
	}
	for _, o := range r.Occs {
		if !o.conflicting() {
			continue
		}
		for _, q := range nexts {
			if overlap(o, q) {
				set[q.rec.key()] = q.rec
			}
		}
	}
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
		e.put(rp.key(), rp)
		e.index(rp)
	}
	keys, err = e.store.Keys(ctx, answerPrefix)
	if err != nil {
		return fmt.Errorf("calendar: list stored answers: %w", err)
	}
	for _, k := range keys {
		raw, err := e.store.Get(ctx, k)
		if errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("calendar: read stored answer %q: %w", k, err)
		}
		var a answer
		if err := json.Unmarshal(raw, &a); err != nil || a.UID == "" {
			e.logger.Warn("forgetting an unreadable stored answer", "key", k, "err", err)
			continue
		}
		if a.Until.After(now) {
			e.answers[a.UID] = a
		}
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
		e.drop(k)
		if err := e.store.Delete(ctx, storePrefix+k); err != nil {
			// Harmless: load drops it next time.
			e.logger.Warn("forgetting a past calendar object failed", "source", r.Source, "uid", r.UID, "err", err)
		}
	}
	for k, a := range e.answers {
		if a.Until.After(now) {
			continue
		}
		delete(e.answers, k)
		if err := e.store.Delete(ctx, answerPrefix+k); err != nil {
			e.logger.Warn("forgetting a past answer failed", "uid", k, "err", err)
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

// put remembers r under key k, replacing what was there.
func (e *Enricher) put(k string, r *record) {
	e.drop(k)
	e.recs[k] = r
	copies := e.byUID[r.UID]
	if copies == nil {
		copies = map[string]*record{}
		e.byUID[r.UID] = copies
	}
	copies[k] = r
	if r.pending() {
		e.pending[k] = r
	}
}

// drop forgets the record under key k.
func (e *Enricher) drop(k string) {
	r, ok := e.recs[k]
	if !ok {
		return
	}
	delete(e.recs, k)
	delete(e.pending, k)
	if copies := e.byUID[r.UID]; copies != nil {
		delete(copies, k)
		if len(copies) == 0 {
			delete(e.byUID, r.UID)
		}
	}
}

// recKey is the cache key of an object and, behind storePrefix, its store
// key ("cal.occ.<source>.<uid>").
// One occurrence of a series by itself (inst, its recurrence id) has a key
// and a scope of its own: "<source>.<uid>#<recurrence id>".
func recKey(source, uid, inst string) string {
	if inst != "" {
		return source + "." + uid + "#" + inst
	}
	return source + "." + uid
}

func (r *record) key() string { return recKey(r.Source, r.UID, r.Instance) }

func (r *record) scope() string { return "cal." + r.key() }

// inviteScope holds the record's "answer the invitation" question.
func (r *record) inviteScope() string { return "cal.invite." + r.key() }

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
