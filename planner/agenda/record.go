package agenda

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
)

// record is what the enricher remembers of one calendar object: its
// occurrences still to come, and how the user stands towards it.
type record struct {
	Source   string `json:"source"`
	UID      string `json:"uid"`
	Calendar string `json:"calendar,omitempty"`
	Summary  string `json:"summary,omitempty"`
	Location string `json:"location,omitempty"`
	Link     string `json:"link,omitempty"`
	PartStat string `json:"partstat,omitempty"`
	// Attending: the occurrences belong in the agenda. Accepted: they
	// also count for conflicts (a tentative or unlisted meeting does not).
	Attending   bool   `json:"attending,omitempty"`
	Accepted    bool   `json:"accepted,omitempty"`
	Transparent bool   `json:"transparent,omitempty"`
	Occs        []*occ `json:"occs,omitempty"`
	// Type is the event type the copy came as (About.Type of its units).
	Type string `json:"type,omitempty"`
	// Seq is the copy's SEQUENCE; Cancel says it cancels the object (an
	// iTIP CANCEL, STATUS:CANCELLED, a deletion). A cancelling copy is
	// remembered Until its meeting is over, so that a stale copy seen
	// later stays superseded.
	Seq    int       `json:"seq,omitempty"`
	Cancel bool      `json:"cancel,omitempty"`
	Until  time.Time `json:"until,omitzero"`
	// Own is the user's PARTSTAT on this copy itself; PartStat, Attending
	// and Accepted are the user's standing once their answers elsewhere
	// (another copy, a reply they sent) are taken into account.
	Own       string `json:"own,omitempty"`
	Organizer bool   `json:"organizer,omitempty"`
	// Instance is the recurrence id of the one occurrence this copy is
	// about (an iTIP message about one occurrence of a series), "" for a
	// whole object. Masked are the recurrence ids of this series copy's
	// occurrences that such a copy replaces.
	Instance string   `json:"instance,omitempty"`
	Masked   []string `json:"masked,omitempty"`
	// Shadowed: another copy of the same UID supersedes this one; it makes
	// no units and counts for no agenda or conflict.
	Shadowed bool `json:"shadowed,omitempty"`
	// Obj is the object without its occurrences and attendees: what
	// its units need when it is re-evaluated without an event of its own.
	Obj *event.CalendarEvent `json:"obj,omitempty"`
	// Gone is set when the whole object was cancelled while the user was
	// attending an occurrence still to come: the cancellation notice is
	// made again on every re-evaluation until that occurrence has passed.
	Gone *gone `json:"gone,omitempty"`
}

type occ struct {
	// RID is the recurrence id the suggestions use: the occurrence's for a
	// recurring object, empty for a single one (so moving it keeps its id).
	RID      string    `json:"rid,omitempty"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	AllDay   bool      `json:"all_day,omitempty"`
	Summary  string    `json:"summary,omitempty"`
	Location string    `json:"location,omitempty"`
	// Cancelled occurrences are kept only while their cancellation notice
	// (Notice) is worth showing.
	Cancelled bool `json:"cancelled,omitempty"`
	Notice    bool `json:"notice,omitempty"`

	rec *record
}

type gone struct {
	Summary string    `json:"summary"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	AllDay  bool      `json:"all_day,omitempty"`
	Count   int       `json:"count"`
}

func (o *occ) summary() string {
	if o.Summary != "" {
		return o.Summary
	}
	return o.rec.Summary
}

func (o *occ) location() string {
	if o.Location != "" {
		return o.Location
	}
	return o.rec.Location
}

// live reports whether the record still has something to remember.
func (r *record) live(now time.Time) bool {
	if r == nil {
		return false
	}
	if r.Gone != nil && r.Gone.Start.After(now) || r.Until.After(now) {
		return true
	}
	for _, o := range r.Occs {
		if o.End.After(now) {
			return true
		}
	}
	return false
}

// prune drops occurrences that are over.
func (r *record) prune(now time.Time) {
	kept := r.Occs[:0]
	for _, o := range r.Occs {
		if o.End.After(now) {
			kept = append(kept, o)
		}
	}
	clear(r.Occs[len(kept):])
	r.Occs = kept
	if r.Gone != nil && !r.Gone.Start.After(now) {
		r.Gone = nil
	}
}

// conflicting reports whether o blocks the user's time: a timed, accepted,
// opaque occurrence that is not cancelled.
func (o *occ) conflicting() bool {
	return !o.AllDay && !o.Cancelled && o.rec.Accepted && !o.rec.Transparent && !o.rec.Shadowed && !o.masked()
}

// masked reports whether a copy of this one occurrence replaces o.
func (o *occ) masked() bool {
	return o.RID != "" && slices.Contains(o.rec.Masked, o.RID)
}

// pending reports whether the record asks the user for an answer.
func (r *record) pending() bool {
	return !r.Shadowed && !r.Organizer && !r.Cancel && r.PartStat == "NEEDS-ACTION"
}

// object is what the record keeps of its calendar object.
func (r *record) object() event.CalendarEvent {
	if r.Obj != nil {
		return *r.Obj
	}
	return event.CalendarEvent{UID: r.UID, Summary: r.Summary, Location: r.Location, Calendar: r.Calendar}
}

// clone copies r with its occurrences, so that r stays as it was (and
// indexed) until the change is saved.
func (r *record) clone() *record {
	c := *r
	c.Occs = make([]*occ, len(r.Occs))
	for i, o := range r.Occs {
		oc := *o
		oc.rec = &c
		c.Occs[i] = &oc
	}
	return &c
}

func isMail(source string) bool { return strings.HasPrefix(source, "mail:") }

// supersedes reports whether copy b of a meeting supersedes copy a: it has
// a higher SEQUENCE (an update sent by mail that the server has not got
// yet, or a server copy newer than the mail); at the same SEQUENCE a
// cancellation wins, then a calendar's copy over a mail's (the server
// copy carries the user's answer).
func supersedes(b, a *record) bool {
	if b.Seq != a.Seq {
		return b.Seq > a.Seq
	}
	if b.Cancel != a.Cancel {
		return b.Cancel
	}
	return isMail(a.Source) && !isMail(b.Source)
}

// resolve decides, for the copies of one meeting, which are shadowed and
// how the user stands: a copy that still asks (NEEDS-ACTION) takes the
// user's latest answer, from a reply they sent or another copy.
func (e *Enricher) resolve(uid string, copies map[string]*record, now time.Time) {
	best, bestSeq := "", -1
	if a, ok := e.answers[uid]; ok {
		best, bestSeq = a.PartStat, a.Seq
	}
	for _, k := range slices.Sorted(maps.Keys(copies)) {
		r := copies[k]
		if r.Cancel || r.Organizer || r.Own == "" || r.Own == "NEEDS-ACTION" {
			continue
		}
		if r.Seq > bestSeq {
			best, bestSeq = r.Own, r.Seq
		}
	}
	for _, r := range copies {
		r.Shadowed, r.Masked = false, nil
		for _, b := range copies {
			if b != r && b.Instance == r.Instance && supersedes(b, r) {
				r.Shadowed = true
				break
			}
		}
	}
	// A copy of one occurrence replaces that occurrence of the series
	// copies, unless they are newer.
	for _, k := range slices.Sorted(maps.Keys(copies)) {
		in := copies[k]
		if in.Instance == "" || in.Shadowed {
			continue
		}
		for _, k2 := range slices.Sorted(maps.Keys(copies)) {
			if s := copies[k2]; s.Instance == "" && !s.Shadowed {
				if s.Seq > in.Seq {
					in.Shadowed = true
				} else if !slices.Contains(s.Masked, in.Instance) {
					s.Masked = append(s.Masked, in.Instance)
				}
			}
		}
	}
	for _, r := range copies {
		ps := r.Own
		if ps == "NEEDS-ACTION" && best != "" {
			ps = best
		}
		r.PartStat = ps
		r.Attending, r.Accepted = attendance(ps)
	}
	// A cancellation that came before the (stale) copy the user accepted
	// is told all the same.
	for _, k := range slices.Sorted(maps.Keys(copies)) {
		c := copies[k]
		if !c.Cancel || c.Shadowed || c.Gone != nil {
			continue
		}
		for _, k2 := range slices.Sorted(maps.Keys(copies)) {
			q := copies[k2]
			if q.Cancel || q.Instance != "" || !q.Attending || q.PartStat == "" {
				continue
			}
			if c.Instance == "" {
				c.Gone = goneFrom(q, now)
			} else if i := slices.IndexFunc(q.Occs, func(o *occ) bool { return o.RID == c.Instance }); i >= 0 {
				if o := q.Occs[i]; !o.Cancelled && o.Start.After(now) {
					c.Gone = &gone{Summary: o.summary(), Start: o.Start, End: o.End, AllDay: o.AllDay, Count: 1}
				}
			}
			if c.Gone != nil {
				break
			}
		}
	}
}

// previous is the copy that showed the meeting before the change of the
// copy at key: that copy itself unless another superseded it.
func previous(key string, copies map[string]*record) *record {
	if old := copies[key]; old != nil && !old.Shadowed {
		return old
	}
	for _, k := range slices.Sorted(maps.Keys(copies)) {
		if r := copies[k]; k != key && !r.Shadowed && r.Instance == "" {
			return r
		}
	}
	return copies[key]
}

func attendance(partStat string) (attending, accepted bool) {
	switch partStat {
	case "ACCEPTED":
		return true, true
	case "TENTATIVE", "":
		return true, false
	}
	return false, false
}

// isCancelled tells whether the object as a whole is cancelled.
func isCancelled(typ string, ce event.CalendarEvent) bool {
	return typ == event.TypeCalendarCanceled ||
		strings.EqualFold(ce.Status, "CANCELLED") ||
		strings.EqualFold(ce.Method, "CANCEL")
}

// newRecord builds what to remember of ce, given what was remembered
// before of this copy (old, may be nil) and the copy that showed the
// meeting until now (prev: old, or another source's copy, may be nil).
func (e *Enricher) newRecord(source, uid, inst, typ string, ce event.CalendarEvent, old, prev *record, now time.Time) *record {
	st := e.standing(ce)
	obj := ce
	obj.Occurrences, obj.Attendees, obj.Truncated = nil, nil, nil
	rec := &record{
		Source:      source,
		UID:         uid,
		Calendar:    calendarName(source, ce),
		Summary:     ce.Summary,
		Location:    ce.Location,
		Link:        link(ce),
		PartStat:    st.partStat,
		Attending:   st.attending,
		Accepted:    st.accepted,
		Transparent: ce.Transparent,
		Type:        typ,
		Seq:         ce.Sequence,
		Own:         st.partStat,
		Organizer:   st.organizer,
		Obj:         &obj,
		Instance:    inst,
	}
	if isCancelled(typ, ce) {
		rec.Cancel = true
		if inst != "" {
			rec.Gone = e.instanceGone(old, prev, ce, st, now)
		} else {
			rec.Gone = e.goneNotice(old, prev, ce, st, now)
		}
		for _, o := range ce.Occurrences {
			if o.End.After(rec.Until) {
				rec.Until = o.End
			}
		}
		if prev != nil && inst == "" {
			for _, o := range prev.Occs {
				if o.End.After(rec.Until) {
					rec.Until = o.End
				}
			}
		}
		return rec
	}
	var before map[string]*occ
	if prev != nil && prev.Attending {
		before = make(map[string]*occ, len(prev.Occs))
		for _, o := range prev.Occs {
			before[o.RID] = o
		}
	}
	for _, src := range ce.Occurrences {
		o := newOcc(ce, src)
		if inst != "" {
			o.RID = inst
		}
		if !o.End.After(now) {
			continue
		}
		if len(src.Attendees) > 0 {
			// An override with its own answers: declining one occurrence of
			// an accepted series frees that slot only.
			one := ce
			one.Attendees = src.Attendees
			if e.standing(one).partStat == "DECLINED" {
				continue
			}
		}
		if o.Cancelled {
			// Tell the user once about an occurrence they were going to
			// that was cancelled; keep telling (same id) until it passes.
			prev := before[o.RID]
			o.Notice = prev != nil && (!prev.Cancelled || prev.Notice) && o.Start.After(now)
			if !o.Notice {
				continue
			}
		}
		o.rec = rec
		rec.Occs = append(rec.Occs, o)
	}
	return rec
}

func newOcc(ce event.CalendarEvent, src event.Occurrence) *occ {
	o := &occ{
		Start:     src.Start,
		End:       src.End,
		AllDay:    src.AllDay || ce.AllDay,
		Cancelled: src.Cancelled,
	}
	if ce.Recurring {
		o.RID = src.RecurrenceID
	}
	if src.Summary != "" && src.Summary != ce.Summary {
		o.Summary = src.Summary
	}
	if src.Location != "" && src.Location != ce.Location {
		o.Location = src.Location
	}
	if o.End.IsZero() || o.End.Before(o.Start) {
		o.End = o.Start
		if o.AllDay {
			o.End = o.Start.AddDate(0, 0, 1)
		}
	}
	return o
}

// goneNotice decides whether the cancellation of a whole object deserves a
// notice: the user was attending an occurrence still to come (as
// remembered, or as an iTIP CANCEL for a meeting not seen before says).
func (e *Enricher) goneNotice(old, prev *record, ce event.CalendarEvent, st standing, now time.Time) *gone {
	for _, r := range []*record{old, prev} {
		if r != nil && r.Gone != nil {
			if r.Gone.Start.After(now) {
				return r.Gone
			}
			return nil
		}
	}
	if prev != nil && (prev.Attending || prev.Cancel) {
		old = prev
	}
	var g *gone
	add := func(summary string, start, end time.Time, allDay bool) {
		if !start.After(now) {
			return
		}
		if g == nil || start.Before(g.Start) {
			n := 0
			if g != nil {
				n = g.Count
			}
			g = &gone{Summary: summary, Start: start, End: end, AllDay: allDay, Count: n}
		}
		g.Count++
	}
	switch {
	case old != nil && old.Attending:
		return goneFrom(old, now)
	case (old == nil || !old.Attending && !old.Cancel) && st.attending && strings.EqualFold(ce.Method, "CANCEL"):
		for _, src := range ce.Occurrences {
			o := newOcc(ce, src)
			s := o.Summary
			if s == "" {
				s = ce.Summary
			}
			add(s, o.Start, o.End, o.AllDay)
		}
	}
	return g
}

// instanceGone is the cancellation notice of one occurrence of a series
// cancelled by itself: told when the user was going to it (as this copy,
// the series or an earlier copy of it says).
func (e *Enricher) instanceGone(old, prev *record, ce event.CalendarEvent, st standing, now time.Time) *gone {
	if old != nil && old.Gone != nil {
		if old.Gone.Start.After(now) {
			return old.Gone
		}
		return nil
	}
	if !st.attending && (prev == nil || !prev.Attending) {
		return nil
	}
	o := newOcc(ce, ce.Occurrences[0])
	if !o.Start.After(now) {
		return nil
	}
	summary := cmp.Or(o.Summary, ce.Summary)
	if prev != nil {
		for _, p := range prev.Occs {
			if p.RID == ce.Occurrences[0].RecurrenceID {
				if p.Cancelled && !p.Notice {
					return nil // the user was not going to it
				}
				o, summary = p, p.summary()
			}
		}
	}
	return &gone{Summary: summary, Start: o.Start, End: o.End, AllDay: o.AllDay, Count: 1}
}

// goneFrom is the cancellation notice of the occurrences of r (a copy the
// user was attending) still to come: the first, and how many.
func goneFrom(r *record, now time.Time) *gone {
	var g *gone
	for _, o := range r.Occs {
		if o.Cancelled || o.masked() || !o.Start.After(now) {
			continue
		}
		if g == nil || o.Start.Before(g.Start) {
			n := 0
			if g != nil {
				n = g.Count
			}
			g = &gone{Summary: o.summary(), Start: o.Start, End: o.End, AllDay: o.AllDay, Count: n}
		}
		g.Count++
	}
	return g
}

// standing is how the user stands towards a calendar object.
type standing struct {
	partStat  string
	attending bool
	accepted  bool
	organizer bool
}

// standing finds the user's PARTSTAT. An object with no attendees, or one
// the user organizes, is the user's own and counts as accepted. One in the
// user's calendar that lists others but not the user (a shared or
// subscribed calendar) is attended but does not count for conflicts.
func (e *Enricher) standing(ce event.CalendarEvent) standing {
	var s standing
	if ce.Organizer != nil && e.isMe(ce.Organizer.Email) {
		s.organizer = true
	}
	for _, a := range ce.Attendees {
		if e.isMe(a.Email) {
			s.partStat = strings.ToUpper(a.PartStat)
			if s.partStat == "" {
				s.partStat = "NEEDS-ACTION"
			}
			break
		}
	}
	if s.partStat == "" && (s.organizer || len(ce.Attendees) == 0) {
		s.partStat = "ACCEPTED"
	}
	s.attending, s.accepted = attendance(s.partStat)
	return s
}

func (e *Enricher) isMe(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	addr = strings.TrimPrefix(addr, "mailto:")
	return addr != "" && e.me[addr]
}

func calendarName(source string, ce event.CalendarEvent) string {
	if ce.Calendar != "" {
		return ce.Calendar
	}
	_, name, _ := strings.Cut(source, ":")
	return name
}

func link(ce event.CalendarEvent) string {
	if len(ce.Conference) > 0 {
		return ce.Conference[0]
	}
	return ce.URL
}

// Days are numbered by their civil date (days since 1970-01-01), so an
// all-day date and a local day compare without a time zone.
func dayNum(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func dayOf(t time.Time) int { return dayNum(t.Date()) }

func dayDate(d int) (int, time.Month, int) {
	return time.Unix(int64(d)*86400, 0).UTC().Date()
}

func dayString(d int) string {
	return time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly)
}

// dayStart and dayEnd are a local day's bounds (23 or 25 hours apart on a
// DST change).
func (e *Enricher) dayStart(d int) time.Time {
	y, m, dd := dayDate(d)
	return time.Date(y, m, dd, 0, 0, 0, 0, e.cfg.Location)
}

func (e *Enricher) dayEnd(d int) time.Time { return e.dayStart(d + 1) }

// agendaTime is AgendaAt on the wall clock of local day d, not midnight
// plus a duration, which is an hour off on DST days.
func (e *Enricher) agendaTime(d int) time.Time {
	y, m, dd := dayDate(d)
	at := e.cfg.AgendaAt
	return time.Date(y, m, dd, int(at/time.Hour), int(at%time.Hour/time.Minute), int(at%time.Minute/time.Second), 0, e.cfg.Location)
}

// maxSpan caps how many days one occurrence is indexed under (a
// three-month "vacation" block is not on every agenda).
const maxSpan = 31

// span returns the local days o touches: an all-day occurrence its dates
// (the end is exclusive), a timed one the user's days it overlaps.
func (e *Enricher) span(o *occ) (first, last int) {
	if o.AllDay {
		first = dayOf(o.Start)
		last = dayOf(o.End) - 1
	} else {
		first = dayOf(o.Start.In(e.cfg.Location))
		last = first
		if o.End.After(o.Start) {
			last = dayOf(o.End.Add(-time.Nanosecond).In(e.cfg.Location))
		}
	}
	if last < first {
		last = first
	}
	if last > first+maxSpan-1 {
		last = first + maxSpan - 1
	}
	return first, last
}

// index adds the occurrences the user attends to the day index. Each day's
// list is kept in order (byStart), so agendas need no sorting and overlap
// scans stop at the first occurrence starting after the end.
func (e *Enricher) index(r *record) {
	if r == nil || !r.Attending || r.Shadowed {
		return
	}
	for _, o := range r.Occs {
		if o.Cancelled || o.masked() {
			continue
		}
		first, last := e.span(o)
		for d := first; d <= last; d++ {
			list := e.days[d]
			i, _ := slices.BinarySearchFunc(list, o, byStart)
			e.days[d] = slices.Insert(list, i, o)
		}
	}
}

func (e *Enricher) unindex(r *record) {
	if r == nil || !r.Attending || r.Shadowed {
		return
	}
	for _, o := range r.Occs {
		if o.Cancelled || o.masked() {
			continue
		}
		first, last := e.span(o)
		for d := first; d <= last; d++ {
			list := e.days[d]
			i, found := slices.BinarySearchFunc(list, o, byStart)
			if !found || list[i] != o {
				continue
			}
			if list = slices.Delete(list, i, i+1); len(list) == 0 {
				delete(e.days, d)
			} else {
				e.days[d] = list
			}
		}
	}
}

// byStart orders occurrences by start, then by identity (cmpOcc).
func byStart(a, b *occ) int {
	return cmp.Or(a.Start.Compare(b.Start), cmpOcc(a, b))
}

// touchedDays are the days whose agenda r's occurrences are on.
func (e *Enricher) touchedDays(r *record) map[int]bool {
	days := map[int]bool{}
	if r == nil || !r.Attending || r.Shadowed {
		return days
	}
	for _, o := range r.Occs {
		if o.Cancelled || o.masked() {
			continue
		}
		first, last := e.span(o)
		for d := first; d <= last; d++ {
			days[d] = true
		}
	}
	return days
}

func overlap(a, b *occ) bool {
	return a.Start.Before(b.End) && b.Start.Before(a.End)
}

// eachOverlap calls fn for every occurrence of another object that
// conflicts with o (possibly more than once). The same UID in two calendars
// (a meeting copied into a shared calendar) is one meeting, never a
// conflict with itself.
func (e *Enricher) eachOverlap(o *occ, fn func(p *occ)) {
	first, last := e.span(o)
	for d := first; d <= last; d++ {
		for _, p := range e.days[d] {
			if !p.Start.Before(o.End) {
				break
			}
			if p.rec.UID != o.rec.UID && p.conflicting() && overlap(o, p) {
				fn(p)
			}
		}
	}
}

// markConflicts adds to set the conflict scopes r's occurrences affect:
// each occurrence that leads a conflict with one of r's, and each of r's
// that leads one. r's own are mapped to themselves if r is the current
// record (after the change), to nil if it is the one being replaced, so
// that a scope that led before and leads no more is still re-evaluated.
func (e *Enricher) markConflicts(r *record, current bool, set map[string]*occ) {
	if r == nil {
		return
	}
	for _, o := range r.Occs {
		if !o.conflicting() {
			continue
		}
		lead := false
		e.eachOverlap(o, func(p *occ) {
			if leads(o, p) {
				lead = true
			} else {
				set[conflictScope(p)] = p
			}
		})
		if !lead {
			continue
		}
		if scope := conflictScope(o); current {
			set[scope] = o
		} else if _, ok := set[scope]; !ok {
			set[scope] = nil
		}
	}
}
