package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/watchers/mail/message"
)

const invite = "From: Bob <bob@example.com>\r\nTo: me@example.com\r\nSubject: =?UTF-8?Q?R=C3=A9union?=\r\n" +
	"Date: Fri, 20 Nov 2026 10:00:00 +0100\r\nMessage-ID: <inv-1@example.com>\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nSee you there?\r\n" +
	"--x\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VEVENT\r\nUID:u1@example.com\r\nDTSTAMP:20261120T090000Z\r\nDTSTART:20261125T090000Z\r\nDTEND:20261125T100000Z\r\n" +
	"RRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Réunion\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:ME@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--x--\r\n"

func TestToEvent(t *testing.T) {
	seen := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	inbox, err := ToEvent([]byte(invite), Meta{Account: "work", Mailbox: "INBOX", UID: 7, Seen: seen}, "INBOX/1/7", message.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if inbox.Type != event.TypeMailReceived || inbox.Source != "mail:work" || inbox.Subject != "Réunion" {
		t.Fatalf("event = %+v", inbox)
	}
	var m event.Mail
	if err := inbox.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.MessageID != "inv-1@example.com" || m.UID != 7 || len(m.From) != 1 || m.From[0].Email != "bob@example.com" {
		t.Fatalf("mail data = %+v", m)
	}
	if len(m.Invitations) != 1 {
		t.Fatalf("invitations = %d, want 1", len(m.Invitations))
	}
	inv := m.Invitations[0]
	if inv.UID != "u1@example.com" || inv.Method != "REQUEST" || len(inv.Occurrences) != 3 || inv.Attendees[0].Email != "me@example.com" {
		t.Fatalf("invitation = %+v", inv)
	}

	// The same message found elsewhere (another mailbox, new UIDVALIDITY)
	// keeps its id: it is keyed on the Message-ID.
	moved, _ := ToEvent([]byte(invite), Meta{Account: "work", Mailbox: "Archive", UID: 99, Seen: seen.Add(time.Hour)}, "Archive/2/99", message.Options{})
	if moved.ID != inbox.ID {
		t.Fatal("the same Message-ID must give the same event id")
	}
	sent, _ := ToEvent([]byte(invite), Meta{Account: "work", Mailbox: "Sent", Sent: true, Seen: seen}, "Sent/1/1", message.Options{})
	if sent.Type != event.TypeMailSent || sent.ID == inbox.ID {
		t.Fatalf("sent copy: type %s, id equal %v", sent.Type, sent.ID == inbox.ID)
	}

	// Without a Message-ID the location is the key.
	bare := strings.Replace(invite, "Message-ID: <inv-1@example.com>\r\n", "", 1)
	a, _ := ToEvent([]byte(bare), Meta{Account: "work", Mailbox: "INBOX", Seen: seen}, "INBOX/1/7", message.Options{})
	b, _ := ToEvent([]byte(bare), Meta{Account: "work", Mailbox: "INBOX", Seen: seen}, "INBOX/1/8", message.Options{})
	if a.ID == b.ID {
		t.Fatal("two messages without Message-ID at different places must differ")
	}
}

func TestBrokenInvitationKeepsMail(t *testing.T) {
	broken := strings.Replace(invite, "DTSTART:20261125T090000Z", "DTSTART:yesterday", 1)
	ev, err := ToEvent([]byte(broken), Meta{Account: "work", Mailbox: "INBOX", Seen: time.Now()}, "x", message.Options{})
	if err != nil {
		t.Fatalf("a bad calendar part must not lose the mail: %v", err)
	}
	var m event.Mail
	ev.Decode(&m)
	if m.Subject != "Réunion" || len(m.Invitations) != 0 {
		t.Fatalf("mail = %+v", m)
	}
}

// A Date after the mail was read (a sender's clock running ahead) must not
// make an event from the future, which the planner would never plan; the
// header itself is kept in the data.
func TestEventTimeNotAfterSeen(t *testing.T) {
	header := time.Date(2026, 11, 20, 10, 0, 0, 0, time.FixedZone("", 3600))
	tests := map[string]struct {
		seen time.Time
		want time.Time
	}{
		"read after it was written": {seen: header.Add(time.Hour), want: header},
		"sender clock ahead":        {seen: header.Add(-2 * time.Hour), want: header.Add(-2 * time.Hour)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ev, err := ToEvent([]byte(invite), Meta{Account: "work", Mailbox: "INBOX", Seen: tc.seen}, "INBOX/1/7", message.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !ev.Time.Equal(tc.want) {
				t.Errorf("event time = %v, want %v", ev.Time, tc.want)
			}
			var m event.Mail
			if err := ev.Decode(&m); err != nil {
				t.Fatal(err)
			}
			if !m.Date.Equal(header) {
				t.Errorf("mail date = %v, want the header's %v", m.Date, header)
			}
		})
	}
}
