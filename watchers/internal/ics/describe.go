package ics

import (
	"strings"
	"time"

	"github.com/agentd/agentd/event"
)

// maxDescription is how many runes of an event's description the event
// carries: enough for a dial-in or an agenda, not a whole pasted document.
const maxDescription = 1000

// Describe builds the event data of one parsed event (a UID with its
// overrides) with its occurrences in [from, to); loc places floating and
// all-day times. calendar names the configured source, collection and href
// where the object was found (empty for an invitation carried by a mail).
// It lives here rather than in the calendar watcher because the mail
// watcher describes invitations the same way, and one watcher family must
// not import another.
func Describe(calendar, collection, href string, e *Event, from, to time.Time, loc *time.Location) (event.CalendarEvent, error) {
	occ, err := e.Occurrences(from, to, loc)
	if err != nil {
		return event.CalendarEvent{}, err
	}
	ce := event.CalendarEvent{
		Calendar:    calendar,
		Collection:  collection,
		Href:        href,
		UID:         e.UID,
		Sequence:    e.Sequence,
		Method:      e.Method,
		Summary:     e.Summary,
		Description: clip(e.Description, maxDescription),
		Location:    e.Location,
		URL:         e.URL,
		Conference:  e.ConferenceURLs,
		Status:      e.Status,
		Categories:  e.Categories,
		Transparent: e.Transparent,
		AllDay:      e.AllDay,
		Recurring:   len(e.RRules) > 0 || len(e.RDates) > 0,
		Instance:    !e.RecurrenceID.IsZero(),
		WindowStart: from,
		WindowEnd:   to,
		Occurrences: []event.Occurrence{},
	}
	if e.Organizer.Email != "" {
		ce.Organizer = &event.Person{Email: strings.ToLower(e.Organizer.Email), Name: e.Organizer.Name}
	}
	ce.Attendees = people(e.Attendees)
	for _, a := range e.Alarms {
		if a.Action != "" && a.Action != "DISPLAY" && a.Action != "AUDIO" {
			continue
		}
		al := event.Alarm{Action: a.Action}
		switch {
		case !a.Absolute.IsZero():
			al.At = a.Absolute
		case a.RelatedEnd:
			al.Before = -(a.Trigger + e.Duration)
		default:
			al.Before = -a.Trigger
		}
		ce.Alarms = append(ce.Alarms, al)
	}
	for _, oc := range occ {
		eo := event.Occurrence{Start: oc.Start, End: oc.End, AllDay: oc.AllDay, Cancelled: oc.Cancelled}
		if oc.AllDay {
			eo.RecurrenceID = oc.RecurrenceID.Format("2006-01-02")
		} else {
			eo.RecurrenceID = oc.RecurrenceID.UTC().Format(time.RFC3339)
		}
		if oc.Event != nil && oc.Event != e {
			if oc.Event.Summary != e.Summary {
				eo.Summary = oc.Event.Summary
			}
			if oc.Event.Location != e.Location {
				eo.Location = oc.Event.Location
			}
			if !sameAttendees(oc.Event.Attendees, e.Attendees) {
				eo.Attendees = people(oc.Event.Attendees)
			}
		}
		ce.Occurrences = append(ce.Occurrences, eo)
	}
	if ce.Description != strings.TrimSpace(e.Description) {
		markTruncated(&ce, "description")
	}
	bound(&ce)
	return ce, nil
}

func people(as []Attendee) []event.Person {
	var out []event.Person
	for _, a := range as {
		out = append(out, event.Person{Email: strings.ToLower(a.Email), Name: a.Name, PartStat: a.PartStat, Role: a.Role, RSVP: a.RSVP})
	}
	return out
}

// sameAttendees reports whether an override keeps the series' attendees
// and their answers.
func sameAttendees(a, b []Attendee) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i].Email, b[i].Email) || a[i].PartStat != b[i].PartStat {
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
