package mail

import (
	"slices"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/watchers/mail/message"
)

// TestAttachmentNames: the event names a mail's attachments (not its
// inline pictures), for the planner's scam signals.
func TestAttachmentNames(t *testing.T) {
	raw := "From: a@example.com\r\nTo: me@example.com\r\nSubject: x\r\nMessage-ID: <att@example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
		"--b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"Invoice.zip\"\r\n\r\nPK\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-Disposition: inline; filename=\"logo.png\"\r\n\r\nx\r\n--b--\r\n"
	ev, err := ToEvent([]byte(raw), Meta{Account: "w", Mailbox: "INBOX", Seen: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, "f", message.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Attachments, []string{"Invoice.zip"}) {
		t.Errorf("attachments = %q, want [Invoice.zip]", m.Attachments)
	}
}
