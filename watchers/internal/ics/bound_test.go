package ics

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDescribeIsBounded: one VEVENT with a 2 MB SUMMARY and 50,000
// ATTENDEE lines made an event of several MB, which the bus refused; the
// event it describes is now small, its cuts marked.
func TestDescribeIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:big@example.org\r\nDTSTAMP:20261120T090000Z\r\n" +
		"DTSTART:20261120T090000Z\r\nDTEND:20261120T091500Z\r\nRRULE:FREQ=MINUTELY;INTERVAL=5\r\n")
	b.WriteString("SUMMARY:" + strings.Repeat("s", 2<<20) + "\r\n")
	for i := range 50000 {
		fmt.Fprintf(&b, "ATTENDEE;CN=Person %d;PARTSTAT=ACCEPTED:mailto:p%d@example.org\r\n", i, i)
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	cal, err := Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)
	to := from.Add(31 * 24 * time.Hour)
	ce, err := Describe("work", "", "big.ics", cal.Events[0], from, to, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(ce)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("calendar object of %d bytes: event of %d bytes", b.Len(), len(raw))
	if len(raw) > 256<<10 {
		t.Fatalf("event of %d bytes, want at most 256 KiB", len(raw))
	}
	for _, f := range []string{"summary", "attendees", "occurrences"} {
		if !slices.Contains(ce.Truncated, f) {
			t.Errorf("truncated = %v, want %q in it", ce.Truncated, f)
		}
	}
	if !strings.HasSuffix(ce.Summary, "…") || len(ce.Attendees) != MaxAttendees || len(ce.Occurrences) != MaxOccurrences {
		t.Fatalf("summary ends %q, %d attendees, %d occurrences", ce.Summary[len(ce.Summary)-8:], len(ce.Attendees), len(ce.Occurrences))
	}
	if last := ce.Occurrences[MaxOccurrences-1].Start; !ce.WindowEnd.Equal(last.Add(5 * time.Minute)) {
		t.Fatalf("window ends %s, want where the first occurrence left out starts (%s)", ce.WindowEnd, last.Add(5*time.Minute))
	}
}

// An event within the bounds is described as it is, with no marker.
func TestDescribeSmallIsUntouched(t *testing.T) {
	cal, err := Parse(strings.NewReader("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u@x\r\nDTSTAMP:20261120T090000Z\r\n" +
		"DTSTART:20261120T090000Z\r\nDTEND:20261120T091500Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY: Standup \r\nDESCRIPTION:Daily\r\n" +
		"ATTENDEE;CN=Me:mailto:me@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)
	to := from.Add(31 * 24 * time.Hour)
	ce, err := Describe("work", "", "u.ics", cal.Events[0], from, to, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(ce.Truncated) != 0 || len(ce.Occurrences) != 3 || !ce.WindowEnd.Equal(to) {
		t.Fatalf("truncated %v, %d occurrences, window end %s", ce.Truncated, len(ce.Occurrences), ce.WindowEnd)
	}
}
