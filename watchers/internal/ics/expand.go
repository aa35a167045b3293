package ics

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Occurrences expands every event over [from, to) and returns the
// occurrences sorted by start. Floating and all-day times are placed in loc
// (nil means UTC). An occurrence is returned when it overlaps the window: it
// starts before to and ends after from (a zero-length one: starts at or
// after from).
//
// An event that cannot be expanded (a malformed RRULE, a limit reached) does
// not stop the others: its error, naming the UID, is joined into the returned
// error, and the slice still holds everything that did expand.
func (c *Calendar) Occurrences(from, to time.Time, loc *time.Location) ([]Occurrence, error) {
	var (
		per   = make([][]Occurrence, 0, len(c.Events))
		total int
		errs  []error
	)
	for _, e := range c.Events {
		occ, err := e.Occurrences(from, to, loc)
		if len(occ) > 0 {
			per = append(per, occ)
			total += len(occ)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	out := make([]Occurrence, 0, total)
	for _, occ := range per {
		out = append(out, occ...)
	}
	sortOccurrences(out)
	return out, errors.Join(errs...)
}

func sortOccurrences(o []Occurrence) {
	slices.SortFunc(o, func(a, b Occurrence) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if a.UID != b.UID {
			if a.UID < b.UID {
				return -1
			}
			return 1
		}
		return a.RecurrenceID.Compare(b.RecurrenceID)
	})
}

// instance is one member of the recurrence set before overrides apply.
type instance struct {
	at     time.Time // the original start, an instant
	dur    duration
	hasDur bool // an RDATE PERIOD's own length
}

// Occurrences expands the event (its RRULEs, RDATEs, EXDATEs and overrides)
// over [from, to); see Calendar.Occurrences. DTSTART is always the first
// instance, also when the rule does not match it, and then counts towards
// COUNT (RFC 5545 §3.8.5.3).
func (e *Event) Occurrences(from, to time.Time, loc *time.Location) (occ []Occurrence, err error) {
	defer func() {
		// Last resort: rrule-go is not known to panic on validated rules,
		// but a calendar from the network must not take the daemon down.
		if p := recover(); p != nil {
			occ, err = nil, fmt.Errorf("event %q: internal error while expanding: %v", e.UID, p)
		}
	}()
	occ, err = e.occurrences(from, to, loc)
	if err != nil {
		err = fmt.Errorf("event %q: %w", e.UID, err)
	}
	return occ, err
}

func (e *Event) occurrences(from, to time.Time, float *time.Location) ([]Occurrence, error) {
	if !e.hasStart || !to.After(from) {
		return nil, nil
	}
	if float == nil {
		float = time.UTC
	}
	lim := e.lim.orDefault()
	if e.hasRecurID {
		// A standalone override: one occurrence of its own.
		var out []Occurrence
		if o, ok := e.single(e, from, to, float); ok {
			out = append(out, o)
		}
		return out, nil
	}
	if e.ruleErr != nil {
		return nil, e.ruleErr
	}

	zone := e.start.zone(float)
	startAt := e.start.at(float)

	// Overrides: single instances by original start, THISANDFUTURE ranges
	// sorted by original start.
	single := map[int64]*Event{}
	singleDate := map[int64]*Event{} // DATE RECURRENCE-ID on a DATE-TIME master
	var ranges []*Event
	maxDur := e.durAt(startAt, zone)
	var shiftFwd, shiftBack time.Duration
	for _, o := range e.Overrides {
		if o.ThisAndFuture {
			// It also replaces its own instance, below.
			ranges = append(ranges, o)
			d := o.start.at(float).Sub(o.recurID.at(float))
			shiftFwd, shiftBack = max(shiftFwd, d), max(shiftBack, -d)
			maxDur = max(maxDur, o.durAt(o.start.at(float), o.start.zone(float)))
		}
		if o.recurID.kind == kindDate && e.start.kind != kindDate {
			singleDate[dayKey(o.recurID.wall)] = o
		} else {
			single[o.recurID.at(float).Unix()] = o
		}
	}
	for _, rd := range e.rdates {
		if rd.hasDur {
			maxDur = max(maxDur, rd.dur.exact+time.Duration(rd.dur.days)*25*time.Hour)
		}
	}

	// The original starts that can produce an occurrence in the window.
	genFrom := from.Add(-maxDur - shiftFwd - time.Hour)
	genTo := to.Add(shiftBack + time.Hour)
	insts, err := e.instances(genFrom, genTo, zone, float, lim)
	if err != nil && len(insts) == 0 {
		return nil, err
	}

	exAt := map[int64]bool{}
	exDay := map[int64]bool{}
	for _, x := range e.exdates {
		if x.kind == kindDate && e.start.kind != kindDate {
			exDay[dayKey(x.wall)] = true
		} else {
			exAt[x.at(float).Unix()] = true
		}
	}

	out := make([]Occurrence, 0, len(insts)+len(e.Overrides))
	for _, in := range insts {
		key := in.at.Unix()
		if o := single[key]; o != nil {
			continue // emitted below, wherever it moved to
		}
		if o := singleDate[dayKey(wallOf(in.at, zone))]; o != nil {
			continue
		}
		if exAt[key] || exDay[dayKey(wallOf(in.at, zone))] {
			continue
		}
		src := e
		start := in.at
		var end time.Time
		if r := rangeFor(ranges, in.at, float); r != nil {
			src = r
			start = in.at.Add(r.start.at(float).Sub(r.recurID.at(float)))
			end = r.endAt(start, r.start.zone(float))
		} else if in.hasDur {
			end = in.dur.end(start, zone)
		} else {
			end = e.endAt(start, zone)
		}
		if !overlaps(start, end, from, to) {
			continue
		}
		if len(out) >= lim.maxOcc {
			return out, fmt.Errorf("more than %d occurrences: %w", lim.maxOcc, ErrLimit)
		}
		out = append(out, Occurrence{
			UID:          e.UID,
			RecurrenceID: in.at,
			Start:        start.In(zone),
			End:          end.In(zone),
			AllDay:       src.start.kind == kindDate,
			Cancelled:    src.Status == "CANCELLED" || e.Status == "CANCELLED",
			Event:        src,
		})
	}
	for _, o := range e.Overrides {
		if oc, ok := e.single(o, from, to, float); ok {
			out = append(out, oc)
		}
	}
	sortOccurrences(out)
	return out, err
}

// single is the occurrence an override (or a standalone override) makes of
// itself.
func (e *Event) single(o *Event, from, to time.Time, float *time.Location) (Occurrence, bool) {
	if !o.hasStart {
		return Occurrence{}, false
	}
	zone := o.start.zone(float)
	start := o.start.at(float)
	end := o.endAt(start, zone)
	if !overlaps(start, end, from, to) {
		return Occurrence{}, false
	}
	return Occurrence{
		UID:          o.UID,
		RecurrenceID: o.recurID.at(float).In(e.start.zone(float)),
		Start:        start.In(zone),
		End:          end.In(zone),
		AllDay:       o.start.kind == kindDate,
		Cancelled:    o.Status == "CANCELLED" || e.Status == "CANCELLED",
		Event:        o,
	}, true
}

// rangeFor is the THISANDFUTURE override in effect at original start at:
// the latest one starting at or before it.
func rangeFor(ranges []*Event, at time.Time, float *time.Location) *Event {
	var r *Event
	for _, o := range ranges {
		if !o.recurID.at(float).After(at) {
			if r == nil || o.recurID.at(float).After(r.recurID.at(float)) {
				r = o
			}
		}
	}
	return r
}

func (e *Event) endAt(start time.Time, zone *time.Location) time.Time {
	return e.dur.end(start, zone)
}

func (e *Event) durAt(start time.Time, zone *time.Location) time.Duration {
	return e.endAt(start, zone).Sub(start)
}

func overlaps(start, end, from, to time.Time) bool {
	if !start.Before(to) {
		return false
	}
	if end.After(start) {
		return end.After(from)
	}
	return !start.Before(from)
}

func dayKey(t time.Time) int64 {
	y, m, d := t.Date()
	return int64(y)*10000 + int64(m)*100 + int64(d)
}

// instances returns the recurrence set's original starts that lie in
// [from, to], sorted and without duplicates.
func (e *Event) instances(from, to time.Time, zone, float *time.Location, lim limits) ([]instance, error) {
	startAt := e.start.at(float)
	var out []instance
	if !startAt.Before(from) && !startAt.After(to) {
		out = append(out, instance{at: startAt})
	}
	// Wall window with a day of slack on each side for offset changes; the
	// exact filtering happens on instants.
	lo := wallOf(from, zone).AddDate(0, 0, -1)
	hi := wallOf(to, zone).AddDate(0, 0, 1)
	dateOnly := e.start.kind == kindDate
	toInstant := func(w time.Time) time.Time { return instant(w, zone) }
	inWindow := func(w time.Time) bool {
		at := toInstant(w)
		return !at.Before(from) && !at.After(to)
	}
	var firstErr error
	exrule := map[int64]bool{}
	for _, r := range e.exrules {
		past, err := untilCheck(r.until, toInstant)
		if err != nil {
			return nil, err
		}
		walls, err := r.expand(expansion{
			start: e.start.wall, dateOnly: dateOnly, lo: lo, hi: hi, past: past, keep: inWindow,
			maxOcc: lim.maxOcc, maxIter: lim.maxIter, skipSafe: r.count == 0,
		})
		if err != nil {
			return nil, fmt.Errorf("EXRULE: %w", err)
		}
		for _, w := range walls {
			exrule[toInstant(w).Unix()] = true
		}
	}
	for _, r := range e.rules {
		past, err := untilCheck(r.until, toInstant)
		if err != nil {
			return nil, err
		}
		x := expansion{
			start: e.start.wall, dateOnly: dateOnly, lo: lo, hi: hi, past: past, keep: inWindow,
			maxOcc: lim.maxOcc, maxIter: lim.maxIter, skipSafe: r.count == 0,
		}
		if r.count > 0 {
			// DTSTART counts as the first instance even when the rule does
			// not produce it.
			probe := x
			probe.lo, probe.hi, probe.keep = e.start.wall, e.start.wall, nil
			first, err := r.expand(probe)
			if err != nil {
				return nil, err
			}
			if len(first) == 0 {
				if r.count == 1 {
					continue
				}
				x.count = r.count - 1
			}
		}
		walls, err := r.expand(x)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		out = slices.Grow(out, len(walls)+len(e.rdates))
		for _, w := range walls {
			at := toInstant(w)
			if !at.Before(from) && !at.After(to) {
				out = append(out, instance{at: at})
			}
		}
	}
	for _, rd := range e.rdates {
		at := rd.at.at(float)
		if at.Before(from) || at.After(to) {
			continue
		}
		out = append(out, instance{at: at, dur: rd.dur, hasDur: rd.hasDur})
	}
	if len(exrule) > 0 {
		out = slices.DeleteFunc(out, func(in instance) bool { return exrule[in.at.Unix()] })
	}
	slices.SortStableFunc(out, func(a, b instance) int { return a.at.Compare(b.at) })
	out = slices.CompactFunc(out, func(a, b instance) bool { return a.at.Equal(b.at) })
	return out, firstErr
}
