// Package mail holds what the IMAP and Maildir watchers share: turning a
// raw message into the mail.received / mail.sent event.
package mail

import (
	"bytes"
	"fmt"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/watchers/internal/ics"
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
	// Location places floating and all-day times of invitations (the
	// user's zone); nil means time.Local.
	Location *time.Location
}

// Key is what makes a message's event id: its Message-ID and digest
// (event.Mail.Digest: sender, Date, text), which survive a UIDVALIDITY
// change or a move between mailboxes while two different mails that claim
// one Message-ID stay two; else the account, mailbox and UID (or file
// name) the watcher found it under.
func Key(messageID, digest, fallback string) string {
	if messageID != "" {
		return "msgid:" + messageID + "#" + digest
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
	ev, _, err := FromMessageDigest(m, meta, fallback)
	return ev, err
}

// FromMessageDigest is FromMessage that also returns the mail's digest
// (see Key).
func FromMessageDigest(m *message.Message, meta Meta, fallback string) (event.Event, string, error) {
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
	data.Invitations = invitations(m.Calendars, meta)
	for _, a := range m.Attachments {
		if !a.Inline && a.Name != "" {
			data.Attachments = append(data.Attachments, a.Name)
		}
	}
	data.Bounce = bounceOf(m, auto)
	bound(&data)
	typ := event.TypeMailReceived
	if meta.Sent {
		typ = event.TypeMailSent
	}
	subject := data.Subject
	if subject == "" {
		subject = "(no subject)"
	}
	// A mail cannot have been written after it was read: a sender whose
	// clock runs ahead (or a phone that stamps local time as UTC) would
	// otherwise give an event "from the future", which the planner skips,
	// and the mail would never be planned. Data.Date keeps the header.
	at := m.Date
	if !meta.Seen.IsZero() && at.After(meta.Seen) {
		at = meta.Seen
	}
	digest := data.Digest()
	ev, err := event.New("mail:"+meta.Account, typ, Key(m.MessageID, digest, fallback), subject, at, meta.Seen, data)
	return ev, digest, err
}

// Invitations are expanded over this window around when the mail was read.
const (
	invitationPast    = 24 * time.Hour
	invitationHorizon = 366 * 24 * time.Hour
)

// invitations parses text/calendar parts into calendar events. A part that
// does not parse is dropped: the mail itself is still worth announcing.
func invitations(parts [][]byte, meta Meta) []event.CalendarEvent {
	var out []event.CalendarEvent
	loc := meta.Location
	if loc == nil {
		loc = time.Local
	}
	from, to := meta.Seen.Add(-invitationPast), meta.Seen.Add(invitationHorizon)
	for _, p := range parts {
		cal, err := ics.Parse(bytes.NewReader(p), ics.WithMaxBytes(1<<20))
		if err != nil {
			continue
		}
		for _, e := range cal.Events {
			if e.UID == "" {
				continue
			}
			ce, err := ics.Describe("mail:"+meta.Account, "", "", e, from, to, loc)
			if err != nil {
				continue
			}
			if ce.Method == "" {
				ce.Method = cal.Method
			}
			out = append(out, ce)
		}
	}
	return out
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
