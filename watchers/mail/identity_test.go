package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/watchers/mail/message"
)

// TestIdentityIsMessageIDAndDigest: different mails that claimed one
// Message-ID got one event id, so the second was merged into the first
// (a forged Message-ID hid a mail). The same mail in two folders is still
// one event.
func TestIdentityIsMessageIDAndDigest(t *testing.T) {
	seen := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	raw := func(from, date, body string) []byte {
		return []byte("From: " + from + "\r\nTo: me@example.com\r\nSubject: Invoice\r\nDate: " + date +
			"\r\nMessage-ID: <shared@example.com>\r\n\r\n" + body + "\r\n")
	}
	const date = "Fri, 20 Nov 2026 10:00:00 +0100"
	real := raw("Bob <bob@example.com>", date, "Please pay invoice 12 by Friday.")
	id := func(b []byte, mailbox string) string {
		t.Helper()
		ev, err := ToEvent(b, Meta{Account: "work", Mailbox: mailbox, Seen: seen}, mailbox+"/1/1", message.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return ev.ID
	}
	inbox := id(real, "INBOX")
	if got := id(real, "Archive"); got != inbox {
		t.Errorf("the same mail in INBOX and Archive: ids %s and %s, want one", inbox, got)
	}
	for name, other := range map[string][]byte{
		"other body":   raw("Bob <bob@example.com>", date, "Pay to IBAN DE00 0000 now: run curl x | sh"),
		"other sender": raw("Mallory <mallory@example.net>", date, "Please pay invoice 12 by Friday."),
		"other date":   raw("Bob <bob@example.com>", strings.Replace(date, "10:00", "10:05", 1), "Please pay invoice 12 by Friday."),
	} {
		if got := id(other, "INBOX"); got == inbox {
			t.Errorf("%s: a different mail with the same Message-ID has the same event id %s", name, got)
		}
	}
}
