package ics

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseEventFields(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "outlook-custom-zone.ics"))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := Parse(strings.NewReader(string(b)), Strict())
	if err != nil {
		t.Fatal(err)
	}
	if cal.Method != "REQUEST" || cal.ProdID != "Microsoft Exchange Server 2010" {
		t.Errorf("calendar: method %q prodid %q", cal.Method, cal.ProdID)
	}
	if len(cal.Events) != 1 {
		t.Fatalf("got %d events, want 1 master with 2 overrides", len(cal.Events))
	}
	e := cal.Events[0]
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	checks := map[string]struct{ got, want any }{
		"summary":       {e.Summary, "Team sync"},
		"description":   {e.Description, "Weekly sync\nAgenda: budget, hiring; misc"},
		"location":      {e.Location, "Microsoft Teams Meeting"},
		"status":        {e.Status, "CONFIRMED"},
		"method":        {e.Method, "REQUEST"},
		"tzid":          {e.TZID, "Customized Time Zone"},
		"start":         {e.Start.UTC(), start},
		"start offset":  {e.Start.Format("-0700"), "+0100"},
		"end":           {e.End.UTC(), start.Add(time.Hour)},
		"duration":      {e.Duration, time.Hour},
		"all-day":       {e.AllDay, false},
		"transparent":   {e.Transparent, false},
		"organizer":     {e.Organizer, Person{Email: "alice@example.com", Name: "Alice Martin"}},
		"attendees":     {len(e.Attendees), 3},
		"attendee 0":    {e.Attendees[0], Attendee{Person{"bob@example.com", "Bob Roe"}, "NEEDS-ACTION", "REQ-PARTICIPANT", true, "INDIVIDUAL"}},
		"attendee 1":    {e.Attendees[1], Attendee{Person{"carol@example.com", "Roe, Carol"}, "ACCEPTED", "OPT-PARTICIPANT", false, "INDIVIDUAL"}},
		"attendee room": {e.Attendees[2].Type, "ROOM"},
		"categories":    {e.Categories, []string{"Work", "Sync"}},
		"conference":    {e.ConferenceURLs, []string{"https://teams.microsoft.com/l/meetup-join/abc"}},
		"rrules":        {e.RRules, []string{"FREQ=WEEKLY;COUNT=40;INTERVAL=1;BYDAY=TU;WKST=MO"}},
		"exdates":       {len(e.ExDates), 3},
		"overrides":     {len(e.Overrides), 2},
		"override 0":    {e.Overrides[0].RecurrenceID.UTC(), time.Date(2026, 3, 31, 8, 0, 0, 0, time.UTC)},
		"override 1":    {e.Overrides[1].Status, "CANCELLED"},
		"alarms":        {len(e.Alarms), 2},
		"alarm 0":       {e.Alarms[0], Alarm{Action: "DISPLAY", Description: "REMINDER", Trigger: -15 * time.Minute}},
		"alarm 1":       {e.Alarms[1].Absolute, time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)},
		"stamp":         {e.Stamp, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
		"component":     {e.Component.Props.Get("PRIORITY").Value, "5"},
	}
	for name, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", name, c.got, c.want)
		}
	}
	occ, err := e.Occurrences(day(2026, 3, 1), day(2026, 3, 20), nil)
	if err != nil || len(occ) != 2 {
		t.Fatalf("occurrences: %v, %v", occ, err)
	}
	if at := e.Alarms[0].At(occ[1]); !at.Equal(time.Date(2026, 3, 17, 8, 45, 0, 0, time.UTC)) {
		t.Errorf("alarm for the second occurrence at %v", at)
	}
}

func TestParseLenient(t *testing.T) {
	cases := map[string]struct {
		ics      string
		events   int
		warnings int
		check    func(t *testing.T, c *Calendar)
	}{
		"BOM, lone CR line ends and a tab fold": {
			ics:    "\ufeffBEGIN:VCALENDAR\rBEGIN:VEVENT\rUID:a\rSUMMARY:Hello\r\t world\rDTSTART:20260101T100000Z\rEND:VEVENT\rEND:VCALENDAR",
			events: 1,
			check: func(t *testing.T, c *Calendar) {
				if c.Events[0].Summary != "Hello world" {
					t.Errorf("summary %q", c.Events[0].Summary)
				}
			},
		},
		"unescaped commas in TEXT are kept, unknown escapes too": {
			ics:    vcal("BEGIN:VEVENT\nUID:a\nSUMMARY:Lunch, then talk\nLOCATION:Room 1\\: east\\, 2nd floor\nDTSTART:20260101T100000Z\nEND:VEVENT"),
			events: 1,
			check: func(t *testing.T, c *Calendar) {
				if e := c.Events[0]; e.Summary != "Lunch, then talk" || e.Location != "Room 1: east, 2nd floor" {
					t.Errorf("summary %q location %q", e.Summary, e.Location)
				}
			},
		},
		"a line without colon is skipped": {
			ics:      vcal("BEGIN:VEVENT\nUID:a\nthis is not a property\nDTSTART:20260101T100000Z\nEND:VEVENT"),
			events:   1,
			warnings: 1,
		},
		"unterminated VEVENT is closed at EOF": {
			ics:      "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20260101T100000Z\n",
			events:   1,
			warnings: 1,
		},
		"bare VEVENT without VCALENDAR": {
			ics:    "BEGIN:VEVENT\nUID:a\nDTSTART:20260101T100000Z\nEND:VEVENT\n",
			events: 1,
		},
		"quoted parameter with colon and RFC 6868 escapes": {
			ics:    vcal("BEGIN:VEVENT\nUID:a\nDTSTART:20260101T100000Z\nATTENDEE;CN=\"Doe, J. ^'Jay^' (a:b)\":mailto:j@example.com\nEND:VEVENT"),
			events: 1,
			check: func(t *testing.T, c *Calendar) {
				if got := c.Events[0].Attendees[0].Name; got != `Doe, J. "Jay" (a:b)` {
					t.Errorf("CN %q", got)
				}
			},
		},
		"unknown TZID without VTIMEZONE is read as floating": {
			ics:      vcal("BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Mars/Olympus:20260101T100000\nEND:VEVENT"),
			events:   1,
			warnings: 1,
			check: func(t *testing.T, c *Calendar) {
				if !c.Events[0].Floating {
					t.Errorf("not floating")
				}
			},
		},
		"bad DTSTART drops the event, keeps the others": {
			ics:      vcal("BEGIN:VEVENT\nUID:a\nDTSTART:2026-01-01\nEND:VEVENT", "BEGIN:VEVENT\nUID:b\nDTSTART:20260101\nEND:VEVENT"),
			events:   1,
			warnings: 1,
		},
		"bad RRULE keeps the event and fails its expansion": {
			ics:      vcal("BEGIN:VEVENT\nUID:a\nDTSTART:20260101T100000Z\nRRULE:FREQ=FORTNIGHTLY\nEND:VEVENT"),
			events:   1,
			warnings: 1,
			check: func(t *testing.T, c *Calendar) {
				if _, err := c.Occurrences(day(2026, 1, 1), day(2026, 2, 1), nil); err == nil || !strings.Contains(err.Error(), "FORTNIGHTLY") {
					t.Errorf("Occurrences error %v, want the rule's", err)
				}
			},
		},
		"duplicate UID: higher SEQUENCE wins": {
			ics: vcal("BEGIN:VEVENT\nUID:a\nSEQUENCE:2\nSUMMARY:new\nDTSTART:20260101T100000Z\nEND:VEVENT",
				"BEGIN:VEVENT\nUID:a\nSEQUENCE:1\nSUMMARY:old\nDTSTART:20260101T100000Z\nEND:VEVENT"),
			events: 1,
			check: func(t *testing.T, c *Calendar) {
				if c.Events[0].Summary != "new" {
					t.Errorf("kept %q", c.Events[0].Summary)
				}
			},
		},
		"override without master stands alone": {
			ics:    vcal("BEGIN:VEVENT\nUID:a\nRECURRENCE-ID:20260105T100000Z\nDTSTART:20260106T100000Z\nSUMMARY:moved\nEND:VEVENT"),
			events: 1,
			check: func(t *testing.T, c *Calendar) {
				occ, err := c.Occurrences(day(2026, 1, 1), day(2026, 2, 1), nil)
				if err != nil || len(occ) != 1 || !occ[0].RecurrenceID.Equal(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)) {
					t.Errorf("got %v, %v", occ, err)
				}
			},
		},
		"two calendars concatenated are merged": {
			ics:    vcal("BEGIN:VEVENT\nUID:a\nDTSTART:20260101T100000Z\nEND:VEVENT") + vcal("BEGIN:VEVENT\nUID:b\nDTSTART:20260101T100000Z\nEND:VEVENT"),
			events: 2,
		},
		"event without DTSTART (iTIP CANCEL) has no occurrences": {
			ics:    "BEGIN:VCALENDAR\nMETHOD:CANCEL\nBEGIN:VEVENT\nUID:a\nSTATUS:CANCELLED\nEND:VEVENT\nEND:VCALENDAR\n",
			events: 1,
			check: func(t *testing.T, c *Calendar) {
				occ, err := c.Occurrences(day(2000, 1, 1), day(2100, 1, 1), nil)
				if err != nil || len(occ) != 0 || c.Events[0].Method != "CANCEL" {
					t.Errorf("got %v, %v, method %q", occ, err, c.Events[0].Method)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cal, err := Parse(strings.NewReader(tc.ics))
			if err != nil {
				t.Fatal(err)
			}
			if len(cal.Events) != tc.events || len(cal.Warnings) != tc.warnings {
				t.Fatalf("got %d events, warnings %v; want %d events, %d warnings", len(cal.Events), cal.Warnings, tc.events, tc.warnings)
			}
			if tc.check != nil {
				tc.check(t, cal)
			}
			// The same input with a flaw fails under Strict.
			if tc.warnings > 0 {
				if _, err := Parse(strings.NewReader(tc.ics), Strict()); err == nil {
					t.Errorf("Strict accepted it")
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("BEGIN:X\n", 100)
	cases := map[string]struct {
		data string
		opts []Option
	}{
		"empty":          {data: ""},
		"not iCalendar":  {data: "hello world\n"},
		"json":           {data: `{"calendar": []}`},
		"only garbage":   {data: "::::\n;;;;\n"},
		"nested too far": {data: deep},
		"too large":      {data: vcal("BEGIN:VEVENT\nUID:a\nEND:VEVENT"), opts: []Option{WithMaxBytes(20)}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cal, err := Parse(strings.NewReader(tc.data), tc.opts...)
			if err == nil {
				t.Fatalf("got %d events, want an error", len(cal.Events))
			}
			if !strings.HasPrefix(err.Error(), "ics: ") {
				t.Errorf("error %q does not say where", err)
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseReadError(t *testing.T) {
	_, err := Parse(failingReader{})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v", err)
	}
}
