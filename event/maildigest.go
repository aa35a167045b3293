package event

import (
	"strings"
	"time"
)

// Digest is what makes a mail itself besides its Message-ID: its sender,
// its Date and a hash of its text, as 16 hex digits. A Message-ID is
// chosen by the sender, so two different mails may claim one (a forged
// Message-ID would otherwise hide a mail behind another); the same mail in
// two mailboxes has one digest. Its identity is the Message-ID and the
// digest.
func (m Mail) Digest() string {
	from := ""
	if len(m.From) > 0 {
		from = strings.ToLower(strings.TrimSpace(m.From[0].Email))
	}
	date := ""
	if !m.Date.IsZero() {
		date = m.Date.UTC().Format(time.RFC3339)
	}
	return Hash("mail", from, date, Hash(m.Text))[:16]
}
