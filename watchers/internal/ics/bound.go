package ics

import (
	"slices"
	"unicode/utf8"

	"github.com/agentd/agentd/event"
)

// Bounds on what one described event carries, so that no calendar object,
// however large, makes an event the bus cannot take (1 MB by default). A
// cut text ends in "…"; a cut field is named in CalendarEvent.Truncated.
const (
	// MaxOccurrences is how many occurrences an event carries: the first
	// ones of the window (a month of an hourly meeting).
	MaxOccurrences = 1000
	// MaxAttendees is how many attendees an event (or an override) lists.
	MaxAttendees = 250
	maxText      = 500  // runes of a summary, a location, a category
	maxName      = 200  // runes of a person's name
	maxLink      = 2048 // bytes of a URL or an e-mail address
	maxList      = 20   // conference links, categories, alarms
)

// bound cuts the fields of ce to the limits above.
func bound(ce *event.CalendarEvent) {
	cut := func(field string, s *string, limit int) {
		if c, ok := CutText(*s, limit); ok {
			*s = c
			markTruncated(ce, field)
		}
	}
	cut("summary", &ce.Summary, maxText)
	cut("location", &ce.Location, maxText)
	if len(ce.URL) > maxLink {
		ce.URL = ""
		markTruncated(ce, "url") // a cut URL is a wrong one
	}
	if n := len(ce.Conference); n > 0 {
		links := ce.Conference[:0:0]
		for _, l := range ce.Conference {
			if len(l) <= maxLink && len(links) < maxList {
				links = append(links, l)
			}
		}
		if len(links) < n {
			ce.Conference = links
			markTruncated(ce, "conference")
		}
	}
	if len(ce.Categories) > maxList {
		ce.Categories = ce.Categories[:maxList:maxList]
		markTruncated(ce, "categories")
	}
	for i := range ce.Categories {
		cut("categories", &ce.Categories[i], maxText)
	}
	if len(ce.Alarms) > maxList {
		ce.Alarms = ce.Alarms[:maxList:maxList]
		markTruncated(ce, "alarms")
	}
	if ce.Organizer != nil && boundPerson(ce.Organizer) {
		markTruncated(ce, "organizer")
	}
	if boundPeople(&ce.Attendees) {
		markTruncated(ce, "attendees")
	}
	CapOccurrences(ce, MaxOccurrences)
	for i := range ce.Occurrences {
		o := &ce.Occurrences[i]
		cut("occurrences", &o.Summary, maxText)
		cut("occurrences", &o.Location, maxText)
		if boundPeople(&o.Attendees) {
			markTruncated(ce, "occurrences")
		}
	}
}

// CapOccurrences keeps the first n occurrences of ce (they are sorted by
// start). When some are left out, the window ends where the first of them
// starts, so that the event still says truthfully which span it covers,
// and Truncated lists "occurrences".
func CapOccurrences(ce *event.CalendarEvent, n int) {
	if len(ce.Occurrences) <= n {
		return
	}
	first := ce.Occurrences[n]
	ce.Occurrences = ce.Occurrences[:n:n]
	if first.Start.After(ce.WindowStart) && first.Start.Before(ce.WindowEnd) {
		ce.WindowEnd = first.Start
	}
	markTruncated(ce, "occurrences")
}

// boundPeople keeps the first MaxAttendees people, with their names and
// addresses cut; it reports whether anything was cut.
func boundPeople(ps *[]event.Person) bool {
	cut := false
	if len(*ps) > MaxAttendees {
		*ps = (*ps)[:MaxAttendees:MaxAttendees]
		cut = true
	}
	for i := range *ps {
		if boundPerson(&(*ps)[i]) {
			cut = true
		}
	}
	return cut
}

func boundPerson(p *event.Person) bool {
	cut := false
	for _, f := range []struct {
		s     *string
		limit int
	}{{&p.Name, maxName}, {&p.Email, maxLink}, {&p.PartStat, maxName}, {&p.Role, maxName}} {
		if c, ok := CutText(*f.s, f.limit); ok {
			*f.s, cut = c, true
		}
	}
	return cut
}

// CutText bounds s to limit runes, marking a cut with "…"; it reports
// whether it cut. The mail watcher bounds its texts with it too.
func CutText(s string, limit int) (string, bool) {
	if len(s) <= limit || utf8.RuneCountInString(s) <= limit {
		return s, false
	}
	n := 0
	for i := range s {
		if n == limit-1 {
			return s[:i] + "…", true
		}
		n++
	}
	return s, false
}

func markTruncated(ce *event.CalendarEvent, field string) {
	if !slices.Contains(ce.Truncated, field) {
		ce.Truncated = append(ce.Truncated, field)
	}
}
