package calendar

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/agentd/agentd/watchers/calendar/source"
)

// Demo is a calendar source generated around the clock's today, for the
// bundled demo (`demo: true` in a calendar's config): a daily stand-up with
// tomorrow's instance moved, a pending invitation, two overlapping meetings
// and a birthday. It changes once a day, when "today" does.
type Demo struct {
	name    string
	loc     *time.Location
	now     func() time.Time
	user    string
	emitted string // day of the last committed generation
}

// NewDemo returns the demo source. user is the attendee address the
// invitation is for; a nil now means time.Now.
func NewDemo(name, user string, loc *time.Location, now func() time.Time) *Demo {
	if loc == nil {
		loc = time.Local
	}
	if user == "" {
		user = "you@example.com"
	}
	if now == nil {
		now = time.Now
	}
	return &Demo{name: name, loc: loc, now: now, user: user}
}

// Fetch returns the generated calendar when the day changed.
func (d *Demo) Fetch(context.Context) (source.Change, error) {
	today := d.now().In(d.loc).Format("2006-01-02")
	if today == d.emitted {
		return source.Change{}, nil
	}
	return source.Change{Changed: []source.Object{{
		Calendar: d.name,
		Href:     "demo:" + d.name,
		ETag:     today,
		Data:     []byte(d.ics()),
	}}}, nil
}

// Commit records the day generated.
func (d *Demo) Commit(_ context.Context, ch source.Change) error {
	if len(ch.Changed) > 0 {
		d.emitted = ch.Changed[0].ETag
	}
	return nil
}

// Reset makes the next Fetch generate again.
func (d *Demo) Reset(context.Context) error {
	d.emitted = ""
	return nil
}

func (d *Demo) ics() string {
	now := d.now().In(d.loc)
	y, m, dd := now.Date()
	day := func(n int) time.Time { return time.Date(y, m, dd+n, 0, 0, 0, 0, d.loc) }
	// Floating local times: the watcher places them in the user's zone,
	// so a daily 09:30 stays 09:30 across a DST change.
	at := func(n, h, min int) string {
		return time.Date(y, m, dd+n, h, min, 0, 0, d.loc).Format("20060102T150405")
	}
	date := func(n int) string { return day(n).Format("20060102") }
	stamp := now.UTC().Format("20060102T150405Z")
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//agentd//demo//EN")
	line("X-WR-CALNAME:Demo")
	// A daily stand-up, started a week ago; tomorrow's is moved to 11:00.
	line("BEGIN:VEVENT")
	line("UID:standup@demo.agentd")
	line("DTSTAMP:%s", stamp)
	line("DTSTART:%s", at(-7, 9, 30))
	line("DTEND:%s", at(-7, 9, 45))
	line("RRULE:FREQ=DAILY;COUNT=30")
	line("SUMMARY:Team stand-up")
	line("LOCATION:Room 4")
	line("END:VEVENT")
	line("BEGIN:VEVENT")
	line("UID:standup@demo.agentd")
	line("DTSTAMP:%s", stamp)
	line("RECURRENCE-ID:%s", at(1, 9, 30))
	line("DTSTART:%s", at(1, 11, 0))
	line("DTEND:%s", at(1, 11, 15))
	line("SUMMARY:Team stand-up (moved)")
	line("LOCATION:Room 4")
	line("END:VEVENT")
	// An invitation you have not answered.
	line("BEGIN:VEVENT")
	line("UID:planning@demo.agentd")
	line("DTSTAMP:%s", stamp)
	line("DTSTART:%s", at(2, 14, 0))
	line("DTEND:%s", at(2, 15, 30))
	line("SUMMARY:Quarterly planning")
	line("ORGANIZER;CN=Bob Martin:mailto:bob@example.com")
	line("ATTENDEE;CN=Bob Martin;PARTSTAT=ACCEPTED:mailto:bob@example.com")
	line("ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:%s", d.user)
	line("END:VEVENT")
	// Two accepted meetings that overlap tomorrow afternoon.
	line("BEGIN:VEVENT")
	line("UID:design-review@demo.agentd")
	line("DTSTAMP:%s", stamp)
	line("DTSTART:%s", at(1, 15, 0))
	line("DTEND:%s", at(1, 16, 0))
	line("SUMMARY:Design review")
	line("URL:https://meet.example.com/design-review")
	line("BEGIN:VALARM")
	line("ACTION:DISPLAY")
	line("DESCRIPTION:Design review")
	line("TRIGGER:-PT15M")
	line("END:VALARM")
	line("END:VEVENT")
	line("BEGIN:VEVENT")
	line("UID:bank@demo.agentd")
	line("DTSTAMP:%s", stamp)
	line("DTSTART:%s", at(1, 15, 30))
	line("DTEND:%s", at(1, 16, 0))
	line("SUMMARY:Call with the bank")
	line("END:VEVENT")
	// A birthday, tomorrow.
	line("BEGIN:VEVENT")
	line("UID:alice-birthday@demo.agentd")
	line("DTSTAMP:%s", stamp)
	line("DTSTART;VALUE=DATE:%s", date(1))
	line("DTEND;VALUE=DATE:%s", date(2))
	line("RRULE:FREQ=YEARLY")
	line("SUMMARY:Alice's birthday")
	line("CATEGORIES:BIRTHDAY")
	line("TRANSP:TRANSPARENT")
	line("END:VEVENT")
	line("END:VCALENDAR")
	return b.String()
}

var _ source.Fetcher = (*Demo)(nil)
