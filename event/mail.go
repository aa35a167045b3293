package event

import "time"

// Mail is the data of mail.received and mail.sent: one message's headers,
// a bounded prefix of its text and what the watcher could tell about it.
type Mail struct {
	Account    string    `json:"account"` // configured source name
	Mailbox    string    `json:"mailbox"` // INBOX, Sent, …
	UID        uint32    `json:"uid,omitempty"`
	MessageID  string    `json:"message_id"` // without <>
	InReplyTo  []string  `json:"in_reply_to,omitempty"`
	References []string  `json:"references,omitempty"`
	Subject    string    `json:"subject"`
	From       []Address `json:"from,omitempty"`
	ReplyTo    []Address `json:"reply_to,omitempty"`
	To         []Address `json:"to,omitempty"`
	Cc         []Address `json:"cc,omitempty"`
	Date       time.Time `json:"date,omitzero"` // zero when the Date header is missing or unreadable
	Flags      []string  `json:"flags,omitempty"`
	Size       int64     `json:"size,omitempty"`
	// Text is the readable body, bounded; TextTruncated says it was cut.
	Text          string `json:"text,omitempty"`
	TextTruncated bool   `json:"text_truncated,omitempty"`
	Language      string `json:"language,omitempty"` // en, fr, de, or empty
	// Automated is set for newsletters, lists, notifications and robots,
	// with the reason (List-Unsubscribe, no-reply sender, …).
	Automated       bool   `json:"automated,omitempty"`
	AutomatedReason string `json:"automated_reason,omitempty"`
	// Invitations are the events of text/calendar parts (invitations,
	// updates, cancellations: Method REQUEST, CANCEL…), expanded like a
	// calendar's, so the planner updates the same calendar view.
	Invitations []CalendarEvent `json:"invitations,omitempty"`
	// Attachments are the file names of the mail's attachments (not
	// inline pictures), as the sender wrote them: untrusted.
	Attachments []string `json:"attachments,omitempty"`
	// Bounce is set for a delivery failure report: who could not be
	// reached, and which mail it was.
	Bounce *Bounce `json:"bounce,omitempty"`
	// Backfill marks mail read during a new account's look-back: it builds
	// context; what it reveals is summarised instead of notified one by one.
	Backfill bool `json:"backfill,omitempty"`
	// Truncated names the fields that were cut to keep the event small
	// ("subject", "to", "invitations"…); a cut text ends in "…".
	Truncated []string `json:"truncated,omitempty"`
}

// Bounce is what a delivery failure report says. Everything in it is the
// reporting server's (or a forger's) text.
type Bounce struct {
	// Failed are the recipients the mail could not be delivered to.
	Failed []BouncedRecipient `json:"failed"`
	// MessageID, Subject and From are the undelivered mail's, when the
	// report quotes them.
	MessageID string `json:"message_id,omitempty"`
	Subject   string `json:"subject,omitempty"`
	From      string `json:"from,omitempty"`
}

// BouncedRecipient is one address a mail could not be delivered to.
type BouncedRecipient struct {
	Email string `json:"email"`
	// Status is the enhanced status code ("5.1.1"), Diagnostic the
	// server's words ("550 5.1.1 User unknown"), when given.
	Status     string `json:"status,omitempty"`
	Diagnostic string `json:"diagnostic,omitempty"`
}

// Address is a mailbox.
type Address struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}
