package ics

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests do not depend on the machine's zoneinfo
)

// vcal wraps VEVENT (and VTIMEZONE) bodies into a calendar, CRLF-terminated.
func vcal(parts ...string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//agentd//test//EN\r\n")
	for _, p := range parts {
		for _, l := range strings.Split(strings.TrimSpace(p), "\n") {
			b.WriteString(strings.TrimSpace(l))
			b.WriteString("\r\n")
		}
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// render is how the tables write an occurrence: start and end in the
// occurrence's own zone, then flags and the summary of its source.
func render(o Occurrence) string {
	s := o.Start.Format("2006-01-02 15:04 -0700") + " → " + o.End.Format("2006-01-02 15:04 -0700")
	if o.AllDay {
		s += " all-day"
	}
	if o.Cancelled {
		s += " cancelled"
	}
	return s + " " + o.Event.Summary
}

func TestOccurrences(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	tokyo := mustLoc(t, "Asia/Tokyo")
	cases := map[string]struct {
		ics      string
		file     string // under testdata/, instead of ics
		from, to time.Time
		loc      *time.Location
		want     []string
	}{
		"paris weekly 09:00 keeps its wall time across both 2026 DST changes": {
			ics: vcal(`BEGIN:VEVENT
				UID:p1
				SUMMARY:Weekly
				DTSTART;TZID=Europe/Paris:20260316T090000
				DTEND;TZID=Europe/Paris:20260316T100000
				RRULE:FREQ=WEEKLY
				END:VEVENT`),
			from: day(2026, 3, 20), to: day(2026, 4, 1),
			want: []string{
				"2026-03-23 09:00 +0100 → 2026-03-23 10:00 +0100 Weekly",
				"2026-03-30 09:00 +0200 → 2026-03-30 10:00 +0200 Weekly",
			},
		},
		"paris weekly across the October change": {
			ics: vcal(`BEGIN:VEVENT
				UID:p2
				SUMMARY:Weekly
				DTSTART;TZID=Europe/Paris:20260316T090000
				DTEND;TZID=Europe/Paris:20260316T100000
				RRULE:FREQ=WEEKLY
				END:VEVENT`),
			from: day(2026, 10, 18), to: day(2026, 10, 28),
			want: []string{
				"2026-10-19 09:00 +0200 → 2026-10-19 10:00 +0200 Weekly",
				"2026-10-26 09:00 +0100 → 2026-10-26 10:00 +0100 Weekly",
			},
		},
		"new york daily 08:30 across March 8 and November 1 2026": {
			ics: vcal(`BEGIN:VEVENT
				UID:ny1
				SUMMARY:Daily
				DTSTART;TZID=America/New_York:20260101T083000
				DURATION:PT30M
				RRULE:FREQ=DAILY
				END:VEVENT`),
			from: day(2026, 3, 7), to: day(2026, 3, 10),
			want: []string{
				"2026-03-07 08:30 -0500 → 2026-03-07 09:00 -0500 Daily",
				"2026-03-08 08:30 -0400 → 2026-03-08 09:00 -0400 Daily",
				"2026-03-09 08:30 -0400 → 2026-03-09 09:00 -0400 Daily",
			},
		},
		"new york daily in the November overlap": {
			ics: vcal(`BEGIN:VEVENT
				UID:ny2
				SUMMARY:Early
				DTSTART;TZID=America/New_York:20261030T013000
				DURATION:PT1H
				RRULE:FREQ=DAILY;COUNT=4
				END:VEVENT`),
			from: day(2026, 10, 30), to: day(2026, 11, 3),
			want: []string{
				"2026-10-30 01:30 -0400 → 2026-10-30 02:30 -0400 Early",
				"2026-10-31 01:30 -0400 → 2026-10-31 02:30 -0400 Early",
				// 01:30 happens twice on Nov 1: the first (EDT) one. The
				// hour-long event ends at 01:30 EST, an hour later.
				"2026-11-01 01:30 -0400 → 2026-11-01 01:30 -0500 Early",
				"2026-11-02 01:30 -0500 → 2026-11-02 02:30 -0500 Early",
			},
		},
		"nonexistent 02:30 moves forward on spring-forward days (Paris and New York)": {
			ics: vcal(`BEGIN:VEVENT
				UID:gap-paris
				SUMMARY:Paris
				DTSTART;TZID=Europe/Paris:20260328T023000
				RRULE:FREQ=DAILY;COUNT=3
				END:VEVENT`, `BEGIN:VEVENT
				UID:gap-ny
				SUMMARY:NY
				DTSTART;TZID=America/New_York:20260307T023000
				RRULE:FREQ=DAILY;COUNT=3
				END:VEVENT`),
			from: day(2026, 3, 1), to: day(2026, 4, 1),
			want: []string{
				"2026-03-07 02:30 -0500 → 2026-03-07 02:30 -0500 NY",
				"2026-03-08 03:30 -0400 → 2026-03-08 03:30 -0400 NY",
				"2026-03-09 02:30 -0400 → 2026-03-09 02:30 -0400 NY",
				"2026-03-28 02:30 +0100 → 2026-03-28 02:30 +0100 Paris",
				"2026-03-29 03:30 +0200 → 2026-03-29 03:30 +0200 Paris",
				"2026-03-30 02:30 +0200 → 2026-03-30 02:30 +0200 Paris",
			},
		},
		"ambiguous 02:30 on the Paris fall-back day takes the first": {
			ics: vcal(`BEGIN:VEVENT
				UID:amb
				SUMMARY:Amb
				DTSTART;TZID=Europe/Paris:20261025T023000
				END:VEVENT`),
			from: day(2026, 10, 24), to: day(2026, 10, 26),
			want: []string{"2026-10-25 02:30 +0200 → 2026-10-25 02:30 +0200 Amb"},
		},
		"EXDATE lists: comma-separated, several lines, TZID, UTC and DATE": {
			ics: vcal(`BEGIN:VEVENT
				UID:ex
				SUMMARY:Ex
				DTSTART;TZID=Europe/Paris:20260601T180000
				RRULE:FREQ=DAILY;COUNT=10
				EXDATE;TZID=Europe/Paris:20260602T180000,20260603T180000
				EXDATE;TZID=Europe/Paris:20260605T180000
				EXDATE:20260606T160000Z
				EXDATE;VALUE=DATE:20260608
				END:VEVENT`),
			from: day(2026, 6, 1), to: day(2026, 7, 1),
			want: []string{
				"2026-06-01 18:00 +0200 → 2026-06-01 18:00 +0200 Ex",
				"2026-06-04 18:00 +0200 → 2026-06-04 18:00 +0200 Ex",
				"2026-06-07 18:00 +0200 → 2026-06-07 18:00 +0200 Ex",
				"2026-06-09 18:00 +0200 → 2026-06-09 18:00 +0200 Ex",
				"2026-06-10 18:00 +0200 → 2026-06-10 18:00 +0200 Ex",
			},
		},
		"RECURRENCE-ID: moved, cancelled, moved into and out of the window": {
			ics: vcal(`BEGIN:VEVENT
				UID:mv
				SUMMARY:Review
				DTSTART;TZID=Europe/Paris:20260504T140000
				DTEND;TZID=Europe/Paris:20260504T150000
				RRULE:FREQ=WEEKLY;COUNT=6
				END:VEVENT`, `BEGIN:VEVENT
				UID:mv
				RECURRENCE-ID;TZID=Europe/Paris:20260511T140000
				SUMMARY:Review (moved)
				DTSTART;TZID=Europe/Paris:20260512T160000
				DTEND;TZID=Europe/Paris:20260512T170000
				END:VEVENT`, `BEGIN:VEVENT
				UID:mv
				RECURRENCE-ID:20260518T120000Z
				SUMMARY:Review
				STATUS:CANCELLED
				DTSTART;TZID=Europe/Paris:20260518T140000
				DTEND;TZID=Europe/Paris:20260518T150000
				END:VEVENT`, `BEGIN:VEVENT
				UID:mv
				RECURRENCE-ID;TZID=Europe/Paris:20260608T140000
				SUMMARY:Review (pulled in)
				DTSTART;TZID=Europe/Paris:20260529T090000
				DTEND;TZID=Europe/Paris:20260529T100000
				END:VEVENT`, `BEGIN:VEVENT
				UID:mv
				RECURRENCE-ID;TZID=Europe/Paris:20260525T140000
				SUMMARY:Review (pushed out)
				DTSTART;TZID=Europe/Paris:20260701T090000
				DTEND;TZID=Europe/Paris:20260701T100000
				END:VEVENT`),
			from: day(2026, 5, 1), to: day(2026, 6, 1),
			want: []string{
				"2026-05-04 14:00 +0200 → 2026-05-04 15:00 +0200 Review",
				"2026-05-12 16:00 +0200 → 2026-05-12 17:00 +0200 Review (moved)",
				"2026-05-18 14:00 +0200 → 2026-05-18 15:00 +0200 cancelled Review",
				"2026-05-29 09:00 +0200 → 2026-05-29 10:00 +0200 Review (pulled in)",
			},
		},
		"THISANDFUTURE shifts later instances, a plain override still wins": {
			file: "google-thisandfuture.ics",
			from: day(2026, 3, 9), to: day(2026, 3, 17),
			want: []string{
				"2026-03-09 09:00 -0400 → 2026-03-09 09:30 -0400 Standup",
				"2026-03-10 09:00 -0400 → 2026-03-10 09:30 -0400 Standup",
				"2026-03-11 10:00 -0400 → 2026-03-11 10:15 -0400 Standup (new time)",
				"2026-03-12 10:00 -0400 → 2026-03-12 10:15 -0400 Standup (new time)",
				"2026-03-13 11:30 -0400 → 2026-03-13 11:45 -0400 Standup (Friday exception)",
				"2026-03-16 10:00 -0400 → 2026-03-16 10:15 -0400 Standup (new time)",
			},
		},
		"EXDATE in another zone than DTSTART (Google writes UTC)": {
			file: "google-thisandfuture.ics",
			from: day(2026, 3, 2), to: day(2026, 3, 9),
			want: []string{
				"2026-03-02 09:00 -0500 → 2026-03-02 09:30 -0500 Standup",
				"2026-03-03 09:00 -0500 → 2026-03-03 09:30 -0500 Standup",
				"2026-03-04 09:00 -0500 → 2026-03-04 09:30 -0500 Standup",
			},
		},
		"unknown TZID read from its VTIMEZONE (Outlook, DTSTART in 1601)": {
			file: "outlook-custom-zone.ics",
			from: day(2026, 3, 9), to: day(2026, 4, 29),
			want: []string{
				"2026-03-10 10:00 +0100 → 2026-03-10 11:00 +0100 Team sync",
				"2026-03-17 10:00 +0100 → 2026-03-17 11:00 +0100 Team sync",
				"2026-03-24 10:00 +0100 → 2026-03-24 11:00 +0100 Team sync",
				"2026-04-01 14:30 +0200 → 2026-04-01 15:30 +0200 Team sync (moved to Wednesday)",
				"2026-04-21 10:00 +0200 → 2026-04-21 11:00 +0200 cancelled Team sync",
				"2026-04-28 10:00 +0200 → 2026-04-28 11:00 +0200 Team sync",
			},
		},
		"Windows and prefixed TZIDs": {
			ics: vcal(`BEGIN:VEVENT
				UID:w1
				SUMMARY:Berlin
				DTSTART;TZID=W. Europe Standard Time:20260701T090000
				END:VEVENT`, `BEGIN:VEVENT
				UID:w2
				SUMMARY:Paris display name
				DTSTART;TZID="(UTC+01:00) Brussels, Copenhagen, Madrid, Paris":20260701T090000
				END:VEVENT`, `BEGIN:VEVENT
				UID:w3
				SUMMARY:New York
				DTSTART;TZID=Eastern Standard Time:20260701T090000
				END:VEVENT`, `BEGIN:VEVENT
				UID:w4
				SUMMARY:Dublin citadel
				DTSTART;TZID=/citadel.org/20250101_1/Europe/Dublin:20260701T090000
				END:VEVENT`, `BEGIN:VEVENT
				UID:w5
				SUMMARY:Los Angeles
				DTSTART;TZID=Pacific Standard Time:20260101T090000
				END:VEVENT`, `BEGIN:VEVENT
				UID:w6
				SUMMARY:New York mozilla
				DTSTART;TZID=/mozilla.org/20050126_1/America/New_York:20260101T090000
				END:VEVENT`),
			from: day(2025, 12, 1), to: day(2026, 8, 1),
			want: []string{
				"2026-01-01 09:00 -0500 → 2026-01-01 09:00 -0500 New York mozilla",
				"2026-01-01 09:00 -0800 → 2026-01-01 09:00 -0800 Los Angeles",
				"2026-07-01 09:00 +0200 → 2026-07-01 09:00 +0200 Berlin",
				"2026-07-01 09:00 +0200 → 2026-07-01 09:00 +0200 Paris display name",
				"2026-07-01 09:00 +0100 → 2026-07-01 09:00 +0100 Dublin citadel",
				"2026-07-01 09:00 -0400 → 2026-07-01 09:00 -0400 New York",
			},
		},
		"all-day birthday on Feb 29 only in leap years": {
			ics: vcal(`BEGIN:VEVENT
				UID:bday
				SUMMARY:Leap birthday
				DTSTART;VALUE=DATE:20000229
				DTEND;VALUE=DATE:20000301
				RRULE:FREQ=YEARLY
				END:VEVENT`),
			from: day(2025, 1, 1), to: day(2033, 1, 1), loc: paris,
			want: []string{
				"2028-02-29 00:00 +0100 → 2028-03-01 00:00 +0100 all-day Leap birthday",
				"2032-02-29 00:00 +0100 → 2032-03-01 00:00 +0100 all-day Leap birthday",
			},
		},
		"all-day on the spring-forward day is 23 hours in loc": {
			ics: vcal(`BEGIN:VEVENT
				UID:ad
				SUMMARY:Day off
				DTSTART;VALUE=DATE:20260329
				END:VEVENT`),
			from: day(2026, 3, 28), to: day(2026, 3, 31), loc: paris,
			want: []string{"2026-03-29 00:00 +0100 → 2026-03-30 00:00 +0200 all-day Day off"},
		},
		"floating time is read in the given zone": {
			ics: vcal(`BEGIN:VEVENT
				UID:fl
				SUMMARY:Floating
				DTSTART:20260105T090000
				DTEND:20260105T093000
				RRULE:FREQ=DAILY;COUNT=2
				END:VEVENT`),
			from: day(2026, 1, 1), to: day(2026, 1, 10), loc: tokyo,
			want: []string{
				"2026-01-05 09:00 +0900 → 2026-01-05 09:30 +0900 Floating",
				"2026-01-06 09:00 +0900 → 2026-01-06 09:30 +0900 Floating",
			},
		},
		"RDATE as DATE-TIME list and PERIOD with its own length": {
			ics: vcal(`BEGIN:VEVENT
				UID:rd
				SUMMARY:Talk
				DTSTART;TZID=Europe/Paris:20260901T100000
				DURATION:PT1H
				RDATE;TZID=Europe/Paris:20260903T100000,20260905T110000
				RDATE;VALUE=PERIOD:20260910T080000Z/PT3H
				RDATE;VALUE=PERIOD;TZID=Europe/Paris:20260911T080000/20260911T083000
				END:VEVENT`),
			from: day(2026, 9, 1), to: day(2026, 10, 1),
			want: []string{
				"2026-09-01 10:00 +0200 → 2026-09-01 11:00 +0200 Talk",
				"2026-09-03 10:00 +0200 → 2026-09-03 11:00 +0200 Talk",
				"2026-09-05 11:00 +0200 → 2026-09-05 12:00 +0200 Talk",
				"2026-09-10 10:00 +0200 → 2026-09-10 13:00 +0200 Talk",
				"2026-09-11 08:00 +0200 → 2026-09-11 08:30 +0200 Talk",
			},
		},
		"DTSTART off the rule is the first instance and counts for COUNT": {
			ics: vcal(`BEGIN:VEVENT
				UID:cnt
				SUMMARY:Off
				DTSTART:20260601T090000Z
				RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=3
				END:VEVENT`),
			from: day(2026, 5, 1), to: day(2026, 7, 1),
			want: []string{
				"2026-06-01 09:00 +0000 → 2026-06-01 09:00 +0000 Off",
				"2026-06-03 09:00 +0000 → 2026-06-03 09:00 +0000 Off",
				"2026-06-10 09:00 +0000 → 2026-06-10 09:00 +0000 Off",
			},
		},
		"an event that started before the window and is still going": {
			ics: vcal(`BEGIN:VEVENT
				UID:long
				SUMMARY:Conference
				DTSTART;VALUE=DATE:20260630
				DTEND;VALUE=DATE:20260703
				END:VEVENT`),
			from: day(2026, 7, 1), to: day(2026, 7, 2),
			want: []string{"2026-06-30 00:00 +0000 → 2026-07-03 00:00 +0000 all-day Conference"},
		},
		"a rule that began decades ago expands cheaply in today's window": {
			ics: vcal(`BEGIN:VEVENT
				UID:old
				SUMMARY:Since 1970
				DTSTART;TZID=Europe/Paris:19700105T073000
				RRULE:FREQ=WEEKLY;BYDAY=MO,TH
				END:VEVENT`),
			from: day(2026, 3, 26), to: day(2026, 4, 3),
			want: []string{
				"2026-03-26 07:30 +0100 → 2026-03-26 07:30 +0100 Since 1970",
				"2026-03-30 07:30 +0200 → 2026-03-30 07:30 +0200 Since 1970",
				"2026-04-02 07:30 +0200 → 2026-04-02 07:30 +0200 Since 1970",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			src := tc.ics
			if tc.file != "" {
				b, err := os.ReadFile(filepath.Join("testdata", tc.file))
				if err != nil {
					t.Fatal(err)
				}
				src = string(b)
			}
			cal, err := Parse(strings.NewReader(src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(cal.Warnings) > 0 {
				t.Fatalf("Parse warnings: %v", cal.Warnings)
			}
			occ, err := cal.Occurrences(tc.from, tc.to, tc.loc)
			if err != nil {
				t.Fatalf("Occurrences: %v", err)
			}
			var got []string
			for _, o := range occ {
				got = append(got, render(o))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
		})
	}
}

// TestLimits checks that hostile or huge rules end with ErrLimit or nothing,
// quickly, instead of spinning (rrule-go alone needs minutes for some).
func TestLimits(t *testing.T) {
	cases := map[string]struct {
		rule     string
		opts     []Option
		wantErr  bool
		wantSome bool // a limited expansion still returns what it expanded
	}{
		"secondly over a year hits MaxOccurrences":           {rule: "FREQ=SECONDLY", wantErr: true, wantSome: true},
		"daily with a small MaxOccurrences":                  {rule: "FREQ=DAILY", opts: []Option{WithMaxOccurrences(10)}, wantErr: true, wantSome: true},
		"minutely on impossible days is empty":               {rule: "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=3"},
		"secondly on impossible days is empty":               {rule: "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=3"},
		"daily on Feb 30 is empty":                           {rule: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"},
		"yearly on Feb 31 is empty":                          {rule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"},
		"monthly on the 31st of 30-day months only is empty": {rule: "FREQ=MONTHLY;BYMONTH=4,6,9,11;BYMONTHDAY=31"},
		"weekly BYSETPOS past a one-day week is empty":       {rule: "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2"},
		"monthly 5th Monday on the 1st is empty":             {rule: "FREQ=MONTHLY;BYDAY=5MO;BYMONTHDAY=1"},
		"yearly week 20 in January is empty":                 {rule: "FREQ=YEARLY;BYWEEKNO=20;BYMONTH=1"},
		"huge COUNT from long ago hits MaxIterations":        {rule: "FREQ=MINUTELY;COUNT=100000000", wantErr: true},
		"sparse rule with COUNT hits a small MaxIterations":  {rule: "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29;COUNT=500000", opts: []Option{WithMaxIterations(1000)}, wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			src := vcal("BEGIN:VEVENT\nUID:x\nSUMMARY:x\nDTSTART:20000101T000000Z\nRRULE:" + tc.rule + "\nEND:VEVENT")
			cal, err := Parse(strings.NewReader(src), tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			occ, err := cal.Occurrences(day(2026, 1, 1), day(2027, 1, 1), nil)
			elapsed := time.Since(start)
			if tc.wantErr {
				if !errors.Is(err, ErrLimit) {
					t.Fatalf("got %d occurrences, err %v; want ErrLimit", len(occ), err)
				}
				if tc.wantSome && len(occ) == 0 {
					t.Errorf("a limited expansion returned nothing; want what it expanded")
				}
			} else {
				if err != nil || len(occ) != 0 {
					t.Fatalf("got %d occurrences, err %v; want none", len(occ), err)
				}
			}
			// Not a performance assertion: a hang shows up as minutes.
			if elapsed > 20*time.Second {
				t.Errorf("took %v", elapsed)
			}
		})
	}
}
