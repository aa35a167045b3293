package agenda

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/planner"
)

// objectUnits are the units in the object's own scope: one per occurrence
// still to come, the pending invitation, and cancellation notices.
func (e *Enricher) objectUnits(source, typ string, ce event.CalendarEvent, rec *record, now time.Time) []planner.Unit {
	var units []planner.Unit
	about := event.About{Source: source, Type: typ, Ref: rec.UID}
	scope := objectScope(source, rec.UID)

	var next *occ
	for _, o := range rec.Occs {
		if o.Cancelled {
			if o.Notice && o.Start.After(now) {
				u := e.cancelledUnit(rec, o.summary(), o.Start, o.AllDay, 1, now)
				u.About, u.Scope = about, scope
				u.About.RecurrenceID = o.RID
				u.Expires = o.Start
				units = append(units, u)
			}
			continue
		}
		u := e.occurrenceUnit(ce, o, now)
		u.About, u.Scope = about, scope
		u.About.RecurrenceID = o.RID
		units = append(units, u)
		if o.Start.After(now) && (next == nil || o.Start.Before(next.Start)) {
			next = o
		}
	}

	if g := rec.Gone; g != nil && g.Start.After(now) {
		u := e.cancelledUnit(rec, g.Summary, g.Start, g.AllDay, g.Count, now)
		u.About, u.Scope = about, scope
		u.Expires = g.Start
		units = append(units, u)
	}

	st := e.standing(ce)
	if next != nil && st.partStat == "NEEDS-ACTION" && !st.organizer {
		organizer, organizerEmail := "", ""
		if ce.Organizer != nil {
			organizer, organizerEmail = cmp.Or(ce.Organizer.Name, ce.Organizer.Email), ce.Organizer.Email
		}
		facts := e.timeFacts(next.Start, next.End, next.AllDay, now)
		facts["kind"] = KindInvitation
		facts["summary"] = summaryOr(next.summary())
		facts["location"] = next.location()
		facts["calendar"] = rec.Calendar
		facts["organizer"] = cmp.Or(organizer, "someone")
		facts["organizer_email"] = organizerEmail
		facts["recurring"] = ce.Recurring
		units = append(units, planner.Unit{
			Facts: facts, About: about, Link: rec.Link, Scope: scope,
			// An invitation is moot once its next occurrence has begun.
			Expires: next.Start,
		})
	}
	return units
}

func (e *Enricher) occurrenceUnit(ce event.CalendarEvent, o *occ, now time.Time) planner.Unit {
	rec := o.rec
	before, why := e.remindBefore(ce, rec.Calendar, o)
	facts := e.timeFacts(o.Start, o.End, o.AllDay, now)
	facts["kind"] = KindOccurrence
	facts["summary"] = summaryOr(o.summary())
	facts["location"] = o.location()
	facts["conference"] = firstOr(ce.Conference, "")
	facts["calendar"] = rec.Calendar
	facts["my_partstat"] = rec.PartStat
	facts["attending"] = rec.Attending
	facts["recurring"] = ce.Recurring
	facts["transparent"] = rec.Transparent
	facts["remind_before"] = before
	facts["remind_at"] = o.Start.Add(-before).In(e.cfg.Location)
	facts["remind_source"] = why
	facts["lead"] = lead(before)
	facts["birthday"] = o.AllDay && isBirthday(ce, rec.Calendar, o.summary())
	e.leaveFacts(facts, ce, o.location(), o.Start, o.AllDay)
	return planner.Unit{Facts: facts, Link: rec.Link, Expires: o.End}
}

func (e *Enricher) cancelledUnit(rec *record, summary string, start time.Time, allDay bool, count int, now time.Time) planner.Unit {
	facts := e.timeFacts(start, start, allDay, now)
	facts["kind"] = KindCancelled
	facts["summary"] = summaryOr(summary)
	facts["calendar"] = rec.Calendar
	facts["count"] = count
	return planner.Unit{Facts: facts}
}

// timeFacts are the facts every calendar unit has about its time, with
// ready-made local text for titles: date "Tue 16 Jun", start_time "10:00".
func (e *Enricher) timeFacts(start, end time.Time, allDay bool, now time.Time) map[string]any {
	loc := e.cfg.Location
	var d int
	if allDay {
		d = dayOf(start)
	} else {
		start, end = start.In(loc), end.In(loc)
		d = dayOf(start)
	}
	// Sized for the facts the callers add, so the map never grows.
	f := make(map[string]any, 24)
	f["start"], f["end"], f["all_day"] = start, end, allDay
	f["date"], f["day"], f["agenda_at"] = e.dateText(d, now), dayString(d), e.agendaTime(d)
	if allDay {
		f["start_time"], f["end_time"] = "all day", ""
	} else {
		f["start_time"], f["end_time"] = start.Format("15:04"), end.Format("15:04")
	}
	return f
}

// dateText is "Tue 16 Jun", with the year when it is not this year's.
func (e *Enricher) dateText(d int, now time.Time) string {
	y, m, dd := dayDate(d)
	t := time.Date(y, m, dd, 12, 0, 0, 0, time.UTC)
	if y != now.In(e.cfg.Location).Year() {
		return t.Format("Mon 2 Jan 2006")
	}
	return t.Format("Mon 2 Jan")
}

// remindBefore picks the reminder's lead time: the event's own display
// alarm closest to the start (an alarm a day ahead and one 10 minutes
// ahead: the "starting now" reminder is the 10-minute one), else the
// calendar's setting, else the default. It says which it used.
func (e *Enricher) remindBefore(ce event.CalendarEvent, calendar string, o *occ) (time.Duration, string) {
	best := time.Duration(-1)
	for _, a := range ce.Alarms {
		switch strings.ToUpper(a.Action) {
		case "DISPLAY", "AUDIO", "":
		default: // EMAIL alarms are the server's business
			continue
		}
		b := a.Before
		if !a.At.IsZero() {
			b = o.Start.Sub(a.At)
			if b > 7*24*time.Hour {
				// An absolute trigger belongs to one occurrence, not to
				// every later one of a series.
				continue
			}
		}
		if b >= 0 && (best < 0 || b < best) {
			best = b
		}
	}
	if best >= 0 {
		return best, "alarm"
	}
	if d, ok := e.cfg.PerCalendar[calendar]; ok && d >= 0 {
		return d, "calendar"
	}
	return e.cfg.RemindBefore, "default"
}

// lead is how a reminder title says the lead time: "In 10 min", "In 1 h 30 min".
func lead(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d <= 0:
		return "Now"
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return "In " + strconv.Itoa(int(d/(24*time.Hour))) + " days"
	case d < time.Hour:
		return fmt.Sprintf("In %d min", d/time.Minute)
	case d%time.Hour == 0:
		return fmt.Sprintf("In %d h", d/time.Hour)
	default:
		return fmt.Sprintf("In %d h %d min", d/time.Hour, d%time.Hour/time.Minute)
	}
}

// birthdayWords catch birthday calendars' summaries in a few languages
// ("Anna's birthday", "Anniversaire de Paul", "Geburtstag von Max", "🎂 Bo").
var birthdayWords = regexp.MustCompile(`(?i)birthday|geburtstag|anniversaire|anniversary|cumpleaños|compleanno|verjaardag|aniversário|🎂`)

// isBirthday reports whether an all-day event is a birthday or
// anniversary: by CATEGORIES, by the name of a contacts' birthday calendar
// (Nextcloud "contact_birthdays", Google "Birthdays"), or by its summary.
func isBirthday(ce event.CalendarEvent, calendar, summary string) bool {
	for _, c := range ce.Categories {
		switch strings.ToLower(strings.TrimSpace(c)) {
		case "birthday", "birthdays", "bday", "anniversary", "anniversaire", "geburtstag":
			return true
		}
	}
	for _, name := range []string{calendar, ce.Collection} {
		if n := strings.ToLower(name); strings.Contains(n, "birthday") || strings.Contains(n, "geburtstag") || strings.Contains(n, "anniversaire") {
			return true
		}
	}
	return birthdayWords.MatchString(summary)
}

// conflictUnit is the conflict o leads, if any: o overlaps occurrences
// ordered after it (by UID, then recurrence id, then source), and the unit
// lists them. Every overlapping pair is thus reported by exactly one side,
// in that occurrence's scope "cal.conflict.<source>.<uid>[.<rid>]"; a change
// to either side re-evaluates that scope (markConflicts), so moving one
// meeting away makes the unit disappear and the planner withdraws the
// suggestion, and the suggestion's id (rule + the leader's About) is the
// same whichever side changed.
func (e *Enricher) conflictUnit(o *occ, now time.Time) (planner.Unit, bool) {
	r := o.rec
	if !o.conflicting() || !o.End.After(now) {
		return planner.Unit{}, false
	}
	var others []*occ
	e.eachOverlap(o, func(p *occ) {
		if p.End.After(now) && leads(o, p) {
			others = append(others, p)
		}
	})
	if len(others) == 0 {
		return planner.Unit{}, false
	}
	if first, last := e.span(o); first != last {
		// Found once per day the occurrence spans.
		slices.SortFunc(others, byStart)
		others = slices.Compact(others)
	}

	facts := e.timeFacts(o.Start, o.End, false, now)
	facts["kind"] = KindConflict
	facts["summary"] = summaryOr(o.summary())
	facts["calendar"] = r.Calendar
	facts["location"] = o.location()
	p := others[0]
	loc := e.cfg.Location
	facts["other_summary"] = summaryOr(p.summary())
	facts["other_calendar"] = p.rec.Calendar
	facts["other_start"] = p.Start.In(loc)
	facts["other_end"] = p.End.In(loc)
	facts["other_start_time"] = p.Start.In(loc).Format("15:04")
	facts["other_end_time"] = p.End.In(loc).Format("15:04")
	list := make([]string, 0, min(len(others), maxConflictLines+1))
	expires := o.Start
	for i, p := range others {
		if p.Start.After(expires) {
			expires = p.Start
		}
		switch {
		case i < maxConflictLines:
			list = append(list, fmt.Sprintf("%s (%s–%s, %s)", summaryOr(p.summary()),
				p.Start.In(loc).Format("15:04"), p.End.In(loc).Format("15:04"), p.rec.Calendar))
		case i == maxConflictLines:
			list = append(list, fmt.Sprintf("… and %d more", len(others)-maxConflictLines))
		}
	}
	facts["others"] = list
	facts["conflicts"] = len(others)
	facts["more"] = len(others) - 1
	return planner.Unit{
		Facts: facts,
		About: event.About{Source: r.Source, Type: event.TypeCalendarChanged, Ref: r.UID, RecurrenceID: o.RID},
		Link:  r.Link,
		Scope: conflictScope(o),
		// Worth resolving until the later of the meetings begins.
		Expires: expires,
	}, true
}

// leads reports whether o is the side of the pair (o, p) that reports it.
func leads(o, p *occ) bool { return cmpOcc(o, p) < 0 }

func cmpOcc(a, b *occ) int {
	return cmp.Or(strings.Compare(a.rec.UID, b.rec.UID), strings.Compare(a.RID, b.RID), strings.Compare(a.rec.Source, b.rec.Source))
}

// maxAgendaLines and maxConflictLines bound a suggestion's body.
const (
	maxAgendaLines   = 25
	maxConflictLines = 10
)

// agendaUnit is the morning agenda of local day d: made when the user
// attends a timed occurrence starting that day, listing everything they
// attend that day (all-day ones first) in their time zone.
func (e *Enricher) agendaUnit(d int, now time.Time) (planner.Unit, bool) {
	end := e.dayEnd(d)
	if !end.After(now) {
		return planner.Unit{}, false
	}
	loc := e.cfg.Location
	start := e.dayStart(d)
	items := e.days[d] // in start order
	timed := 0
	for _, o := range items {
		if !o.AllDay && dayOf(o.Start.In(loc)) == d {
			timed++
		}
	}
	if timed == 0 {
		return planner.Unit{}, false
	}
	if slices.ContainsFunc(items, func(o *occ) bool { return o.AllDay }) {
		// All-day ones first, each group still in start order.
		sorted := make([]*occ, 0, len(items))
		for _, o := range items {
			if o.AllDay {
				sorted = append(sorted, o)
			}
		}
		for _, o := range items {
			if !o.AllDay {
				sorted = append(sorted, o)
			}
		}
		items = sorted
	}
	var lines []string
	var first string
	for _, o := range items {
		if len(lines) == maxAgendaLines {
			lines = append(lines, fmt.Sprintf("… and %d more", len(items)-maxAgendaLines))
			break
		}
		var when string
		switch {
		case o.AllDay:
			when = "all day"
		case o.Start.Before(start):
			when = "until " + o.End.In(loc).Format("15:04")
		default:
			when = o.Start.In(loc).Format("15:04") + "–" + o.End.In(loc).Format("15:04")
			if first == "" {
				first = o.Start.In(loc).Format("15:04")
			}
		}
		line := when + " " + summaryOr(o.summary())
		if l := o.location(); l != "" {
			line += " (" + l + ")"
		}
		lines = append(lines, line)
	}
	day := dayString(d)
	return planner.Unit{
		Facts: map[string]any{
			"kind":       KindAgenda,
			"day":        day,
			"date":       e.dateText(d, now),
			"agenda_at":  e.agendaTime(d),
			"count":      len(items),
			"timed":      timed,
			"first_time": first,
			"events":     lines,
		},
		About:   event.About{Source: AgendaSource, Type: AgendaType, Ref: day},
		Scope:   agendaScope(d),
		At:      start,
		Expires: end,
	}, true
}

func summaryOr(s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return "(no title)"
	}
	return s
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}
