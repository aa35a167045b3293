package correspondence

import (
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/planner/extract"
)

// UnitAppointment is a timed appointment a mail confirms (doctor, dentist,
// town hall, garage, delivery slot).
const UnitAppointment = "appointment"

const (
	// appointmentLead is how long before the arrival time the second
	// reminder of an appointment fires.
	appointmentLead = time.Hour
	// eveningBeforeHour is the local hour of the reminder the day before.
	eveningBeforeHour = 18
	// nearDays: a deadline this close to its mail is named by its weekday
	// alone ("due Thu 12:00").
	nearDays = 6
	// coverWithin: a question whose deadline is reminded this soon after
	// it was asked gets that reminder only.
	coverWithin = 24 * time.Hour
)

// appointmentUnits adds a unit per appointment the mail confirms and drops
// the deadline units at the same instants: an appointment's date is not a
// deadline, and one story gets one nudge. Robots' mail counts: practices
// and garages confirm by robot.
func (e *Enricher) appointmentUnits(units []planner.Unit, base func(string) planner.Unit, m event.Mail, rec msgRecord, now time.Time) []planner.Unit {
	if rec.Mine {
		return units
	}
	loc := e.cfg.Location
	apps := extract.Appointments(rec.FromName, m.Subject, m.Text, m.Language, rec.Date, loc)
	if len(apps) == 0 {
		return units
	}
	at := map[int64]bool{}
	for _, a := range apps {
		at[a.Start.Unix()] = true
		if !a.Start.After(now) {
			continue
		}
		start := a.Start.In(loc)
		arrive := start.Add(-a.Early)
		u := base(UnitAppointment)
		u.About.RecurrenceID = "appointment/" + occurrence(start, false, loc)
		u.Expires = start
		u.Facts["appointment"] = oneLine(a.What, 40)
		u.Facts["phrase"] = oneLine(a.Phrase, 80)
		u.Facts["starts_at"] = start
		u.Facts["start_time"] = start.Format("15:04")
		u.Facts["day"] = start.Format(time.DateOnly)
		u.Facts["when"] = start.Format("Mon 2 Jan")
		u.Facts["early"] = a.Early
		u.Facts["arrive_at"] = arrive
		u.Facts["arrive_time"] = arrive.Format("15:04")
		u.Facts["remind_before"] = appointmentLead
		u.Facts["day_before_at"] = time.Date(start.Year(), start.Month(), start.Day()-1, eveningBeforeHour, 0, 0, 0, loc)
		units = append(units, u)
	}
	return dropDeadlines(units, func(u planner.Unit) bool {
		t, ok := u.Facts["deadline_at"].(time.Time)
		return ok && at[t.Unix()]
	})
}

// dropDeadlines removes the deadline units drop says.
func dropDeadlines(units []planner.Unit, drop func(planner.Unit) bool) []planner.Unit {
	out := units[:0]
	for _, u := range units {
		if u.Facts["unit"] == UnitDeadline && drop(u) {
			continue
		}
		out = append(out, u)
	}
	return out
}

// whatDeadlines keeps, of a mail's deadlines, those that say what is due
// when one does: "send me the quote by tomorrow noon; the supplier holds
// the cupboards until Friday" sets one deadline, not two.
func whatDeadlines(units []planner.Unit) []planner.Unit {
	said := false
	for _, u := range units {
		if w, _ := u.Facts["what"].(string); u.Facts["unit"] == UnitDeadline && u.Facts["deadline_kind"] == extract.KindDeadline && w != "" {
			said = true
		}
	}
	if !said {
		return units
	}
	return dropDeadlines(units, func(u planner.Unit) bool {
		w, _ := u.Facts["what"].(string)
		return u.Facts["deadline_kind"] == extract.KindDeadline && w == ""
	})
}

// oneNudge marks a question to the user as covered (facts.covered, which
// mail-awaiting-my-reply skips) when a reminder of the same mail already
// says it: the deadline the question sets, reminded within a day ("could
// you send me the slides by tomorrow 12:00?"), or the appointment the mail
// confirms.
func oneNudge(units []planner.Unit) []planner.Unit {
	covered := map[string]string{}
	for _, u := range units {
		switch u.Facts["unit"] {
		case UnitAppointment:
			covered[u.About.Ref] = UnitAppointment
		case UnitDeadline:
			// A deadline reminded within a day of the question, or one
			// that names what is due ("the signed consent form by
			// Friday noon": the reminder says it all). A bare question
			// due in three weeks wants its answer nudged now.
			asks, _ := u.Facts["asks"].(bool)
			remind, _ := u.Facts["remind_at"].(time.Time)
			asked, _ := u.Facts["date"].(time.Time)
			what, _ := u.Facts["what"].(string)
			if asks && u.Facts["deadline_kind"] == extract.KindDeadline && (what != "" || !remind.After(asked.Add(coverWithin))) {
				covered[u.About.Ref] = UnitDeadline
			}
		}
	}
	for _, u := range units {
		if u.Facts["unit"] == UnitAwaitingMyReply {
			u.Facts["covered"] = covered[u.About.Ref]
		}
	}
	return units
}

// deadlineFacts adds what a deadline asks for and for whom: what ("Slides"),
// for (the sender's first name) and due_label ("Thu 12:00", with the date
// when the deadline is more than nearDays after the mail).
func deadlineFacts(f map[string]any, d extract.Deadline, rec msgRecord, loc *time.Location) {
	f["what"] = oneLine(d.What, 60)
	// asks: the deadline is in the sentence that asks the user something.
	f["asks"] = rec.Asks && rec.Question != "" && strings.Contains(oneLine(rec.Question, 200), oneLine(d.Phrase, 200))
	f["for"] = oneLine(firstName(rec.FromName), 40)
	t := d.Time.In(loc)
	layout := "Mon 2 Jan"
	if t.Sub(rec.Date) < nearDays*24*time.Hour {
		layout = "Mon"
	}
	if !d.AllDay {
		layout += " 15:04"
	}
	f["due_label"] = t.Format(layout)
}

// honorifics come before a first name.
var honorifics = map[string]bool{
	"dr": true, "prof": true, "mr": true, "mrs": true, "ms": true, "miss": true, "m": true, "mme": true,
	"mlle": true, "herr": true, "frau": true, "me": true,
}

// firstName is the given name in a display name: "Jürgen Weber", "Weber,
// Jürgen" and "Dr. Jürgen Weber" give "Jürgen"; a name that looks like an
// address gives "".
func firstName(name string) string {
	name = strings.Trim(strings.TrimSpace(name), `"'`)
	if strings.ContainsAny(name, "@<>") {
		return ""
	}
	if last, first, ok := strings.Cut(name, ","); ok && strings.TrimSpace(last) != "" {
		name = first
	}
	for _, w := range strings.Fields(name) {
		if honorifics[strings.ToLower(strings.TrimSuffix(w, "."))] {
			continue
		}
		return w
	}
	return ""
}
