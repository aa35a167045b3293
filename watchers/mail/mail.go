// Package mail holds what the IMAP and Maildir watchers share: turning a
// raw message into the mail.received / mail.sent event.
package mail

import (
	"bytes"
	"fmt"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/watchers/mail/message"
)

// Meta is what the watcher knows of a message besides its bytes.
type Meta struct {
	Account string // configured source name
	Mailbox string // INBOX, Sent, …
	UID     uint32 // IMAP UID; 0 for Maildir
	Flags   []string
	Size    int64
	// Sent marks a message from the user's Sent mailbox (mail.sent).
	Sent bool
	// Backfill marks mail read during a new account's look-back.
	Backfill bool
	// Seen is the watcher's clock when it read the message.
	Seen time.Time
}

// Key is what makes a message's event id: its Message-ID, which survives a
// UIDVALIDITY change or a move between mailboxes, else the account,
// mailbox and UID (or file name) the watcher found it under.
func Key(messageID, fallback string) string {
	if messageID != "" {
		return "msgid:" + messageID
	}
	return "loc:" + fallback
}

// ToEvent parses raw (the whole message, or a bounded prefix of it) and
// builds its event. fallback identifies the message when it has no
// Message-ID (e.g. "INBOX/1234/567" or a Maildir file's unique part).
func ToEvent(raw []byte, meta Meta, fallback string, opts message.Options) (event.Event, error) {
	m, err := message.Parse(bytes.NewReader(raw), opts)
	if err != nil {
		return event.Event{}, fmt.Errorf("mail %s/%s: parse %s: %w", meta.Account, meta.Mailbox, fallback, err)
	}
	return FromMessage(m, meta, fallback)
}

// FromMessage builds the event of a parsed message.
func FromMessage(m *message.Message, meta Meta, fallback string) (event.Event, error) {
	auto, why := m.IsAutomated()
	data := event.Mail{
		Account:         meta.Account,
		Mailbox:         meta.Mailbox,
		UID:             meta.UID,
		MessageID:       m.MessageID,
		InReplyTo:       m.InReplyTo,
		References:      m.References,
		Subject:         m.Subject,
		From:            addresses(m.From),
		ReplyTo:         addresses(m.ReplyTo),
		To:              addresses(m.To),
		Cc:              addresses(m.Cc),
		Date:            m.Date,
		Flags:           meta.Flags,
		Size:            meta.Size,
		Text:            m.Text,
		TextTruncated:   m.TextTruncated || m.Truncated,
		Language:        m.Language,
		Automated:       auto,
		AutomatedReason: why,
		Backfill:        meta.Backfill,
	}
	if data.Size == 0 {
		data.Size = m.Size
	}
	for _, c := range m.Calendars {
		data.Calendars = append(data.Calendars, string(c))
	}
	typ := event.TypeMailReceived
	if meta.Sent {
		typ = event.TypeMailSent
	}
	subject := m.Subject
	if subject == "" {
		subject = "(no subject)"
	}
	return event.New("mail:"+meta.Account, typ, Key(m.MessageID, fallback), subject, m.Date, meta.Seen, data)
}

func addresses(as []message.Address) []event.Address {
	if len(as) == 0 {
		return nil
	}
	out := make([]event.Address, 0, len(as))
	for _, a := range as {
		out = append(out, event.Address{Name: a.Name, Email: a.Email})
	}
	return out
}
