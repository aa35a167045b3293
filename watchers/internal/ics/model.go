package ics

import (
	"time"

	"github.com/emersion/go-ical"
)

// Calendar is the result of Parse: the events of one VCALENDAR, or of several
// concatenated ones merged into one.
type Calendar struct {
	// Name is X-WR-CALNAME or NAME (RFC 7986), if any.
	Name string
	// Description is X-WR-CALDESC or DESCRIPTION.
	Description string
	ProdID      string
	// Method is the iTIP METHOD (REQUEST, CANCEL, REPLY, PUBLISH …) in upper
	// case; empty for a plain calendar file.
	Method string
	// TimeZone is X-WR-TIMEZONE as written: the zone the publisher meant for
	// floating times. Parse does not apply it; pass it (LoadLocation) as the
	// loc argument of Occurrences if you want that reading.
	TimeZone string
	// Events holds one entry per UID: the master event with its Overrides.
	// An override whose master is not in the data (an invitation to a single
	// instance) is an entry of its own with RecurrenceID set. Events without
	// a UID are kept, each on its own.
	Events []*Event
	// Warnings lists what a lenient parse skipped or repaired (bad lines,
	// unknown time zones, unparsable properties), at most 100.
	Warnings []error

	lim limits
}

// Person is an ORGANIZER or ATTENDEE address.
type Person struct {
	// Email is the address without "mailto:"; for a non-mailto URI the URI.
	Email string
	// Name is the CN parameter.
	Name string
}

// Attendee is one ATTENDEE.
type Attendee struct {
	Person
	// PartStat is NEEDS-ACTION (the default), ACCEPTED, DECLINED, TENTATIVE
	// or DELEGATED.
	PartStat string
	// Role is REQ-PARTICIPANT (the default), OPT-PARTICIPANT, NON-PARTICIPANT
	// or CHAIR.
	Role string
	RSVP bool
	// Type is CUTYPE: INDIVIDUAL (the default), GROUP, RESOURCE, ROOM.
	Type string
}

// Alarm is one VALARM.
type Alarm struct {
	// Action is DISPLAY, AUDIO or EMAIL.
	Action      string
	Description string
	// Trigger is the offset from the occurrence's start (or end when
	// RelatedEnd); negative means before. Unused when Absolute is set.
	Trigger    time.Duration
	RelatedEnd bool
	// Absolute is set for TRIGGER;VALUE=DATE-TIME.
	Absolute time.Time
	// Repeat and RepeatEvery are REPEAT and DURATION: extra alarms after the
	// first one.
	Repeat      int
	RepeatEvery time.Duration
}

// At is when the alarm fires for occurrence o (the first time, before any
// repeats).
func (a Alarm) At(o Occurrence) time.Time {
	if !a.Absolute.IsZero() {
		return a.Absolute
	}
	if a.RelatedEnd {
		return o.End.Add(a.Trigger)
	}
	return o.Start.Add(a.Trigger)
}

// Period is an RDATE. End is zero unless the RDATE was a PERIOD, which gives
// that instance its own end.
type Period struct {
	Start, End time.Time
}

// Event is one VEVENT.
//
// Time fields follow the value as written: a UTC or TZID value is the
// instant, in its zone (time.UTC or the resolved location); a floating or
// DATE value is its wall clock carried in time.UTC, with Floating or AllDay
// set. Occurrences places floating and all-day times in a zone of the
// caller's choosing.
type Event struct {
	UID      string
	Sequence int
	Summary  string
	// Description and the other TEXT fields are unescaped.
	Description string
	Location    string
	URL         string
	// ConferenceURLs are CONFERENCE (RFC 7986) values and the vendor
	// properties Google and Microsoft use for meeting links.
	ConferenceURLs []string

	Start, End time.Time
	// TZID is the DTSTART's TZID as written ("" for UTC, floating, all-day).
	TZID     string
	AllDay   bool
	Floating bool
	// Duration is End - Start of the first instance (for all-day events,
	// whole days of 24 h).
	Duration time.Duration

	// Status is CONFIRMED, TENTATIVE or CANCELLED ("" when absent).
	Status      string
	Transparent bool // TRANSP:TRANSPARENT, does not block time
	Class       string
	Organizer   Person
	Attendees   []Attendee
	Categories  []string
	Alarms      []Alarm
	// Method is the calendar's METHOD, copied here for convenience.
	Method       string
	Created      time.Time
	LastModified time.Time
	Stamp        time.Time

	// RRules are the RRULE values as written; almost always one.
	RRules  []string
	RDates  []Period
	ExDates []time.Time
	// RecurrenceID is set on an override (and on a standalone override whose
	// master is absent): the original start of the instance it replaces.
	RecurrenceID time.Time
	// ThisAndFuture is RANGE=THISANDFUTURE on RECURRENCE-ID: the override
	// also applies to every later instance.
	ThisAndFuture bool
	// Overrides are the RECURRENCE-ID components of this master, in the order
	// of their RecurrenceID.
	Overrides []*Event

	// Component is the go-ical component, for properties not mapped here.
	Component *ical.Component

	start      dateTime
	hasStart   bool
	dur        duration
	rules      []*recurRule
	exrules    []*recurRule
	ruleErr    error
	rdates     []rdate
	exdates    []dateTime
	recurID    dateTime
	hasRecurID bool
	order      int // position in the input, for stable grouping
	lim        limits
}

type rdate struct {
	at     dateTime
	dur    duration
	hasDur bool
}

// Occurrence is one instance of an event.
type Occurrence struct {
	UID string
	// RecurrenceID is the instance's original start (before any override
	// moved it); for a non-recurring event it equals Start.
	RecurrenceID time.Time
	Start, End   time.Time
	AllDay       bool
	// Cancelled is set when the instance (or the whole event) has
	// STATUS:CANCELLED. Instances removed by EXDATE are not returned at all.
	Cancelled bool
	// Event is where the instance's details come from: the master, or the
	// override that replaces this instance (also one with THISANDFUTURE).
	Event *Event
}
