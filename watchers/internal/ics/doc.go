// Package ics reads iCalendar data (RFC 5545) and expands events into
// occurrences with correct recurrences and time zones, and Describe turns a
// parsed event into the event contract's CalendarEvent. It is the ground the
// calendar watcher (CalDAV, ICS subscriptions, local files and vdirs) builds
// on, and the mail watcher reads invitations (text/calendar parts) with it;
// it sits under watchers/internal, inside neither family, so that neither
// watcher family imports the other. It does no I/O beyond the io.Reader it
// is given.
//
//	cal, err := ics.Parse(r)                       // lenient; ics.Strict() to refuse flaws
//	occ, err := cal.Occurrences(from, to, loc)     // loc places floating and all-day times
//	for _, o := range occ {
//		_ = o.Start; _ = o.Event.Summary; _ = o.Cancelled
//	}
//
// # Parsing
//
// Content lines are read here (linear, bounded, lenient) into go-ical's
// Component/Prop model; go-ical's decoder fails a whole file on one bad line
// and panics on some malformed parameters. A lenient Parse skips what it
// cannot read and lists it in Calendar.Warnings; Strict makes every flaw an
// error and adds the RFC 5545 checks a reader can make without guessing.
// Overrides (RECURRENCE-ID) are attached to their master by UID. A parsed
// Calendar is not modified afterwards; Occurrences may run concurrently.
//
// # Recurrences
//
// RRULE (all BYxxx parts, WKST, COUNT, UNTIL), RDATE (DATE, DATE-TIME,
// PERIOD), EXDATE (lists, several lines, any zone, DATE on a timed event),
// EXRULE, RECURRENCE-ID overrides (moved, cancelled, RANGE=THISANDFUTURE).
// DTSTART is always the first instance and counts towards COUNT. WEEKLY and
// longer rules run on github.com/teambition/rrule-go, started at the window
// and on whole 400-year cycles so they stay cheap; DAILY and shorter rules
// are expanded here. The expansion matches libical on all 145 rules of its
// icalrecur_test.txt that libical implements, including the readings where
// RFC 5545 leaves room: "YEARLY;BYMONTHDAY=29" means DTSTART's month,
// "YEARLY;BYWEEKNO=20" DTSTART's weekday, and INTERVAL with BYWEEKNO
// counts week-numbering years. Parts RFC 5545 marks N/A for a frequency are
// ignored. RSCALE other than GREGORIAN is refused.
//
// # Time zones
//
// A TZID is resolved as an IANA name, an IANA name behind a vendor prefix
// ("/mozilla.org/20050126_1/America/New_York"), or a Windows zone id or
// display name (CLDR windowsZones); failing those, the calendar's own
// VTIMEZONE is turned into a *time.Location. Recurrences are computed on wall
// clocks and placed in the zone afterwards: a 09:00 meeting stays at 09:00
// across DST changes; a wall time in a spring-forward gap moves forward by
// the gap, one in a fall-back overlap is the first of the two (RFC 5545
// §3.3.5). DAY durations (P1D) follow the wall clock, hour durations the
// time line. The IANA database comes from the system or time/tzdata.
//
// # Limits
//
// Expansion is bounded per event and call: WithMaxOccurrences (default
// 10,000) and WithMaxIterations (default 1,000,000 rule instances looked at)
// end it with an error wrapping ErrLimit and the occurrences found so far,
// so FREQ=SECONDLY over a year fails fast rather than hangs. Input is capped
// by WithMaxBytes (32 MiB). Parse and Event.Occurrences recover from a
// panic in a dependency as a last resort and return it as an error; the fuzz
// test fails on any such error.
package ics
