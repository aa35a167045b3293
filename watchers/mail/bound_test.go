package mail

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/watchers/mail/message"
)

// hourly is a 676-byte mail whose calendar part holds two endless HOURLY
// events: expanded over the invitation horizon they made one event of more
// than 2 MB, over the bus's 1 MB limit.
const hourly = "From: Mallory <m@example.org>\r\nTo: me@example.com\r\nSubject: Every hour\r\n" +
	"Date: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <hourly@example.org>\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
	"--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VEVENT\r\nUID:h1@example.org\r\nDTSTAMP:20261120T090000Z\r\nDTSTART:20261120T090000Z\r\nDTEND:20261120T091500Z\r\n" +
	"RRULE:FREQ=HOURLY\r\nSUMMARY:Ping\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:h2@example.org\r\nDTSTAMP:20261120T090000Z\r\nDTSTART:20261120T093000Z\r\nDTEND:20261120T094500Z\r\n" +
	"RRULE:FREQ=HOURLY\r\nSUMMARY:Pong\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--b--\r\n"

func TestHourlyInvitationIsBounded(t *testing.T) {
	seen := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	ev, err := ToEvent([]byte(hourly), Meta{Account: "work", Mailbox: "INBOX", Seen: seen, Location: time.UTC}, "INBOX/1/1", message.Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("mail of %d bytes: event of %d bytes", len(hourly), len(raw))
	if len(raw) > 256<<10 {
		t.Fatalf("event of %d bytes from a %d-byte mail, want at most 256 KiB", len(raw), len(hourly))
	}
}

func TestHourlyInvitationKeepsTheFirstOccurrences(t *testing.T) {
	seen := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	ev, err := ToEvent([]byte(hourly), Meta{Account: "work", Mailbox: "INBOX", Seen: seen, Location: time.UTC}, "INBOX/1/1", message.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if len(m.Invitations) != 2 {
		t.Fatalf("%d invitations, want 2", len(m.Invitations))
	}
	for _, inv := range m.Invitations {
		n := len(inv.Occurrences)
		if n != maxInvitationOccurrences || !slices.Contains(inv.Truncated, "occurrences") {
			t.Fatalf("%s: %d occurrences, truncated %v; want the first %d, marked", inv.UID, n, inv.Truncated, maxInvitationOccurrences)
		}
		first, last := inv.Occurrences[0].Start, inv.Occurrences[n-1].Start
		if first.After(time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)) {
			t.Errorf("%s: first occurrence %s, want the first of the series", inv.UID, first)
		}
		if want := last.Add(time.Hour); !inv.WindowEnd.Equal(want) {
			t.Errorf("%s: window ends %s, want %s: where the first occurrence left out starts", inv.UID, inv.WindowEnd, want)
		}
	}
}

// Many invitations in one mail share one budget of occurrences.
func TestManyInvitationsShareOneBudget(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:h%d@example.org\r\nDTSTAMP:20261120T090000Z\r\nDTSTART:20261120T090000Z\r\n"+
			"DTEND:20261120T091500Z\r\nRRULE:FREQ=HOURLY\r\nSUMMARY:%s\r\nEND:VEVENT\r\n", i, strings.Repeat("x", 5000))
	}
	raw := strings.Replace(hourly, "BEGIN:VEVENT", b.String()+"BEGIN:VEVENT", 1)
	seen := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	ev, err := ToEvent([]byte(raw), Meta{Account: "work", Mailbox: "INBOX", Seen: seen, Location: time.UTC}, "INBOX/1/1", message.Options{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, inv := range m.Invitations {
		total += len(inv.Occurrences)
		if strings.HasPrefix(inv.Summary, "x") && (len([]rune(inv.Summary)) > 500 || !slices.Contains(inv.Truncated, "summary")) {
			t.Fatalf("summary of %d runes, truncated %v", len([]rune(inv.Summary)), inv.Truncated)
		}
	}
	if len(m.Invitations) != maxInvitations || !slices.Contains(m.Truncated, "invitations") || total != maxMailOccurrences {
		t.Fatalf("%d invitations (truncated %v), %d occurrences; want %d and %d", len(m.Invitations), m.Truncated, total, maxInvitations, maxMailOccurrences)
	}
	t.Logf("mail of %d bytes: event of %d bytes", len(raw), len(ev.Data))
}
