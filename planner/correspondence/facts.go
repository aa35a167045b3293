package correspondence

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/planner/extract"
)

// remindHour is the local hour of reminders about a day (a deadline, a
// train): 09:00, when the working day starts.
const remindHour = 9

// threadUnits are the thread's open items: a question the user has not
// answered, and a question of theirs nobody answered. Each is about the
// message that opened it, so a second "any news?" in the same thread is
// the same suggestion, not a new one.
func (e *Enricher) threadUnits(ev event.Event, th *thread, backfill bool, now time.Time) []planner.Unit {
	var units []planner.Unit
	if q, n := awaitingMine(th, now); q != nil {
		u := e.unit(ev, th, *q, UnitAwaitingMyReply, backfill)
		u.Facts["asked_at"] = q.Date.In(e.cfg.Location)
		u.Facts["question"] = q.Question
		u.Facts["questions"] = n
		units = append(units, u)
	}
	if q := awaitingTheirs(th, now); q != nil {
		u := e.unit(ev, th, *q, UnitAwaitingTheirs, backfill)
		u.Facts["sent_at"] = q.Date.In(e.cfg.Location)
		u.Facts["question"] = q.Question
		u.Facts["to"] = strings.Join(q.To, ", ")
		followUp := q.Date.Add(e.cfg.FollowUpAfter)
		back := awayUntil(th, *q)
		if !back.IsZero() {
			if at := afterReturn(back, e.cfg.Location); at.After(followUp) {
				followUp = at
			}
		}
		u.Facts["follow_up_at"] = followUp.In(e.cfg.Location)
		u.Facts["away_until"] = zeroOr(back, e.cfg.Location)
		u.Facts["follow_up_after"] = e.cfg.FollowUpAfter
		u.Facts["remind_at"] = u.Facts["follow_up_at"]
		units = append(units, u)
	}
	return units
}

// awaitingMine returns the first question a person put to the user
// directly since the user last wrote in the thread, and how many there are.
// Automated mail never asks; mail where the user is only in Cc does not ask
// the user.
func awaitingMine(th *thread, now time.Time) (*msgRecord, int) {
	var lastMine time.Time
	for _, m := range th.Messages {
		if m.Mine && m.Date.After(lastMine) {
			lastMine = m.Date
		}
	}
	var first *msgRecord
	n := 0
	for i, m := range th.Messages {
		if m.Mine || m.Automated || !m.Direct || !m.Asks || m.Date.After(now) {
			continue
		}
		if !lastMine.IsZero() && !m.Date.After(lastMine) {
			continue // answered
		}
		if first == nil {
			first = &th.Messages[i]
		}
		n++
	}
	return first, n
}

// awaitingTheirs returns the user's first question to someone else written
// since anyone last answered in the thread (an auto-reply is no answer).
func awaitingTheirs(th *thread, now time.Time) *msgRecord {
	var lastAnswer time.Time
	for _, m := range th.Messages {
		if !m.Mine && !m.Automated && m.Date.After(lastAnswer) {
			lastAnswer = m.Date
		}
	}
	for i, m := range th.Messages {
		if !m.Mine || !m.Asks || !m.Others || m.Bounced || m.Date.After(now) {
			continue
		}
		if !lastAnswer.IsZero() && !m.Date.After(lastAnswer) {
			continue
		}
		return &th.Messages[i]
	}
	return nil
}

// awayUntil is the latest return date of the out-of-office replies that
// came after the user's question q, or zero.
func awayUntil(th *thread, q msgRecord) time.Time {
	var back time.Time
	for _, m := range th.Messages {
		if m.Away && !m.Date.Before(q.Date) && m.Back.After(back) {
			back = m.Back
		}
	}
	return back
}

// unit is a unit about one message of the thread, in the thread's scope.
// backfill says the event that re-evaluated the thread is look-back mail.
func (e *Enricher) unit(ev event.Event, th *thread, m msgRecord, kind string, backfill bool) planner.Unit {
	source := m.Source
	if source == "" {
		source = ev.Source
	}
	u := planner.Unit{
		About: event.About{Source: source, Type: m.Type, Ref: m.ref()},
		At:    m.Date,
		Scope: "mail.thread." + th.ID,
		Facts: map[string]any{
			"unit":             kind,
			"thread_id":        th.ID,
			"subject":          displaySubject(th.Subject, m.Subject),
			"from":             m.FromName,
			"from_email":       m.From,
			"date":             m.Date.In(e.cfg.Location),
			"mine":             m.Mine,
			"direct":           m.Direct,
			"automated":        m.Automated,
			"automated_reason": "",
			"account":          ev.SourceName(),
			"backfill":         backfill,
			"messages":         len(th.Messages),
		},
	}
	return u
}

// messageFacts are the facts every unit of the mail itself starts with
// (its message, deadline, booking and bounce units).
func (e *Enricher) messageFacts(kind string, m event.Mail, rec msgRecord, th *thread) map[string]any {
	return map[string]any{
		"unit":             kind,
		"thread_id":        th.ID,
		"account":          m.Account,
		"mailbox":          m.Mailbox,
		"subject":          displaySubject(th.Subject, m.Subject),
		"from":             rec.FromName,
		"from_email":       rec.From,
		"date":             rec.Date.In(e.cfg.Location),
		"mine":             rec.Mine,
		"direct":           rec.Direct,
		"automated":        m.Automated,
		"automated_reason": m.AutomatedReason,
		"language":         m.Language,
		"backfill":         m.Backfill,
	}
}

// messageUnits are the units of the mail itself: the mail (for user rules
// about any mail), each deadline it sets and each booking it confirms.
func (e *Enricher) messageUnits(ev event.Event, m event.Mail, rec msgRecord, th *thread, bookings []extract.Booking, now time.Time) []planner.Unit {
	loc := e.cfg.Location
	base := func(kind string) planner.Unit {
		return planner.Unit{
			About: event.About{Source: ev.Source, Type: ev.Type, Ref: rec.ref()},
			At:    rec.Date,
			Scope: "mail.msg." + rec.Key,
			Facts: e.messageFacts(kind, m, rec, th),
		}
	}

	msg := base(UnitMessage)
	// screen weighs a received mail and sets these; the user's own mail
	// keeps them false, so rules test them without a nil check.
	msg.Facts["phishing"] = false
	msg.Facts["phishing_signals"] = []string{}
	msg.Facts["asks"] = rec.Asks
	msg.Facts["question"] = rec.Question
	msg.Facts["text"] = m.Text
	units := []planner.Unit{msg}

	// Deadlines: only what a person wrote; a newsletter's "offer ends
	// Friday" is not the user's deadline. An invitation's dates are the
	// meeting's and its answer's (the calendar's suggestions), and a
	// booking's date is reminded as the booking: one story, one nudge.
	if !m.Automated && !rec.Mine && !invites(m) {
		for _, d := range extract.Deadlines(m.Subject+"\n"+m.Text, m.Language, rec.Date, loc) {
			if sameDayAsBooking(d.Time, bookings, loc) {
				continue
			}
			end := d.Time
			if d.AllDay {
				end = endOfDay(d.Time, loc)
			}
			if !end.After(now) {
				continue
			}
			remind, ok := remindAt(d.Time, d.AllDay, rec.Date, loc)
			if !ok {
				continue
			}
			u := base(UnitDeadline)
			u.About.RecurrenceID = occurrence(d.Time, d.AllDay, loc)
			u.Expires = end
			u.Facts["deadline_at"] = d.Time.In(loc)
			u.Facts["all_day"] = d.AllDay
			u.Facts["phrase"] = oneLine(d.Phrase, 80)
			u.Facts["deadline_kind"] = d.Kind
			u.Facts["remind_at"] = remind
			deadlineFacts(u.Facts, d, rec, loc)
			units = append(units, u)
		}
	}
	for _, b := range bookings {
		u := base(UnitBooking)
		u.Facts["booking"] = b.Kind
		u.Facts["booking_ref"] = oneLine(b.Ref, 40)
		u.Facts["booking_title"] = oneLine(b.Title, 100)
		u.Facts["amount"] = oneLine(b.Amount, 40)
		u.Facts["location"] = oneLine(b.Location, 100)
		// A departure is shown in its airport's local time, as the
		// booking mail printed it; the reminder's moment is the same
		// instant either way.
		startLoc := loc
		if b.Zone != "" {
			if z, err := time.LoadLocation(b.Zone); err == nil {
				startLoc = z
			}
		}
		u.Facts["starts_at"] = zeroOr(b.Start, startLoc)
		u.Facts["departure_zone"] = b.Zone
		u.Facts["due_at"] = zeroOr(b.Due, loc)
		var when time.Time
		switch b.Kind {
		case "flight":
			// Check-in opens about 24 h before departure.
			when = b.Start
			if !when.After(now) {
				continue
			}
			u.Facts["remind_at"] = b.Start.Add(-24 * time.Hour).In(loc)
			u.Expires = b.Start
			legFacts(&u, b, m.Text, loc)
		case "train", "hotel":
			when = b.Start
			if !when.After(now) {
				continue
			}
			if b.Kind == "train" {
				legFacts(&u, b, m.Text, loc)
			}
			r, ok := remindAt(b.Start, false, rec.Date, loc)
			if !ok {
				continue
			}
			u.Facts["remind_at"] = r
			u.Expires = b.Start
		case "invoice":
			when = b.Due
			if when.IsZero() || !endOfDay(when, loc).After(now) {
				continue
			}
			r, ok := remindAt(b.Due, true, rec.Date, loc)
			if !ok {
				continue
			}
			u.Facts["remind_at"] = r
			u.Expires = endOfDay(b.Due, loc)
		case "parcel":
			// Out for delivery: worth knowing that day only.
			when = rec.Date
			if !b.Start.IsZero() {
				when = b.Start
			}
			u.Expires = endOfDay(when, loc)
			if !b.End.IsZero() {
				u.Expires = b.End
			}
			if !u.Expires.After(now) {
				continue
			}
			parcelFacts(&u, b, rec.Date, loc)
		default:
			continue
		}
		u.About.RecurrenceID = b.Kind + "/" + occurrence(when, b.Kind == "invoice" || b.Kind == "parcel", loc)
		units = append(units, u)
	}
	return whatDeadlines(e.appointmentUnits(units, base, m, rec, now))
}

// sameDayAsBooking reports whether t falls on the day a booking is due or
// starts (an invoice's "pay by 23 December" is its due date).
func sameDayAsBooking(t time.Time, bookings []extract.Booking, loc *time.Location) bool {
	day := t.In(loc).Format(time.DateOnly)
	for _, b := range bookings {
		for _, bt := range []time.Time{b.Due, b.Start} {
			if !bt.IsZero() && bt.In(loc).Format(time.DateOnly) == day {
				return true
			}
		}
	}
	return false
}

// remindAt is when to remind about something at t, for a mail written at
// written: 09:00 the day before if t is two days or more after the mail,
// else 09:00 on the day, else two hours before; never before the mail
// arrived and, for a time of day, at least an hour before it. ok is false
// when no such moment is left (the mail itself is the reminder).
func remindAt(t time.Time, allDay bool, written time.Time, loc *time.Location) (time.Time, bool) {
	t = t.In(loc)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	w := written.In(loc)
	wday := time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, loc)
	latest := t.Add(-time.Hour)
	if allDay {
		latest = endOfDay(t, loc)
	}
	var candidates []time.Time
	if day.AddDate(0, 0, -2).Compare(wday) >= 0 {
		candidates = append(candidates, day.AddDate(0, 0, -1).Add(remindHour*time.Hour))
	}
	candidates = append(candidates, day.Add(remindHour*time.Hour))
	if !allDay {
		candidates = append(candidates, t.Add(-2*time.Hour))
	}
	for _, c := range candidates {
		if c.After(written) && !c.After(latest) {
			return c, true
		}
	}
	return time.Time{}, false
}

func endOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
}

// occurrence names the moment a unit is about, so two deadlines of one
// mail are two suggestions: a date for a day, else RFC 3339 in UTC.
func occurrence(t time.Time, allDay bool, loc *time.Location) string {
	if allDay {
		return t.In(loc).Format(time.DateOnly)
	}
	return t.UTC().Format(time.RFC3339)
}

// zeroOr returns t in loc, or nil for the zero time, so a rule can test
// `facts.due_at != nil` instead of comparing with year 1.
func zeroOr(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return nil
	}
	return t.In(loc)
}

// displaySubject is the thread's subject without "Re:"; the mail's own if
// the thread has none.
func displaySubject(threadSubject, subject string) string {
	s := threadSubject
	if s == "" {
		s = strings.Join(strings.Fields(subject), " ")
	}
	if s == "" {
		return "(no subject)"
	}
	return oneLine(s, 120)
}

// oneLine folds white space and cuts s to at most n runes, for fact values
// that end up in titles.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
