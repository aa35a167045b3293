// Package message turns one RFC 5322 mail into the facts agentd needs:
// addresses, thread identifiers, a readable text body, calendar invitations,
// attachment names and the markers that tell bulk mail from a person.
//
// Parsing is best effort: a mail is untrusted input, so a broken part, an
// unknown charset or bad base64 degrades that part only, and nothing in a
// mail can make Parse panic or read without bound.
package message

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxText      = 64 << 10
	DefaultMaxPartBytes = 4 << 20
	DefaultMaxBytes     = 64 << 20
	// MaxDepth bounds multipart nesting; deeper parts are ignored.
	MaxDepth = 20
	// maxParts bounds how many MIME parts one mail may have.
	maxParts = 1000
	// maxAttachments bounds the attachment list kept in memory.
	maxAttachments = 200
	// maxCalendars bounds how many calendar parts are kept.
	maxCalendars = 10
	// maxHeaderBytes bounds the top-level header block.
	maxHeaderBytes = 1 << 20
)

// Options bound the work done on one mail. Zero values mean the defaults.
type Options struct {
	// MaxText caps Message.Text in bytes (default 64 KiB).
	MaxText int
	// MaxPartBytes caps how much of one text, HTML or calendar part is read
	// into memory (default 4 MiB); the rest of such a part is skipped.
	MaxPartBytes int64
	// MaxBytes caps how much of the mail is read at all (default 64 MiB);
	// a longer mail is parsed as if it ended there and marked Truncated.
	MaxBytes int64
}

func (o Options) withDefaults() Options {
	if o.MaxText <= 0 {
		o.MaxText = DefaultMaxText
	}
	if o.MaxPartBytes <= 0 {
		o.MaxPartBytes = DefaultMaxPartBytes
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	return o
}

// Address is one mailbox from an address header. Email has its domain
// lower-cased; it is empty when the header named someone without an address.
type Address struct {
	Name  string
	Email string
}

// String formats the address for display ("Name <email>").
func (a Address) String() string {
	switch {
	case a.Name == "":
		return a.Email
	case a.Email == "":
		return a.Name
	default:
		return a.Name + " <" + a.Email + ">"
	}
}

// Attachment describes a part that is not part of the readable text.
// Its content is not kept.
type Attachment struct {
	// Name is the file name from Content-Disposition or Content-Type, RFC
	// 2047/2231 decoded; empty if the sender gave none.
	Name string
	// ContentType is the lower-cased media type, e.g. "application/pdf".
	ContentType string
	// Size is the decoded size in bytes (estimated for base64 parts).
	Size int64
	// Inline is set for parts marked Content-Disposition: inline or sitting
	// inside multipart/related (pictures embedded in HTML).
	Inline bool
}

// ListInfo holds the raw markers that bulk, list and machine-sent mail carry.
// Values are trimmed; keyword fields are lower-cased.
type ListInfo struct {
	ID                   string   // List-Id, without the angle brackets
	Unsubscribe          string   // List-Unsubscribe
	UnsubscribePost      string   // List-Unsubscribe-Post (RFC 8058 one-click)
	Precedence           string   // Precedence: bulk, list, junk, auto_reply…
	AutoSubmitted        string   // Auto-Submitted: auto-generated, auto-replied… ("no" is kept)
	AutoResponseSuppress string   // X-Auto-Response-Suppress (Exchange)
	FeedbackID           string   // Feedback-ID (bulk senders' feedback loop)
	AutoReply            bool     // X-Autoreply / X-Autorespond present
	Markers              []string // bulk-mail service headers present, e.g. "X-Mailchimp-Campaign"
}

// Message is the parsed form of one mail. Every string is valid UTF-8 with
// control characters removed.
type Message struct {
	MessageID  string   // without <>; empty if none
	InReplyTo  []string // without <>
	References []string // without <>, oldest first
	Subject    string   // RFC 2047 decoded
	From       []Address
	Sender     *Address
	ReplyTo    []Address
	To, Cc     []Address
	Bcc        []Address
	// ReturnPath is the envelope sender recorded by the final server; "<>"
	// (kept as "<>") marks bounces and auto-replies.
	ReturnPath string
	// Date is zero when the header is missing or unreadable.
	Date time.Time

	// Text is the readable body: text/plain preferred in
	// multipart/alternative, else HTML turned into text; at most
	// Options.MaxText bytes.
	Text          string
	TextTruncated bool
	HTML          bool // Text (or part of it) came from HTML
	// Language is a guess from stop words: "en", "fr", "de" or "".
	Language string

	// Calendars holds each text/calendar part and .ics attachment, decoded
	// to UTF-8, METHOD line included.
	Calendars   [][]byte
	Attachments []Attachment
	List        ListInfo
	// Report is the report-type of a multipart/report mail:
	// "delivery-status" for bounces, "disposition-notification" for read
	// receipts; empty otherwise.
	Report string
	// Delivery holds the recipient blocks of a delivery status report, and
	// Original the headers of the mail it reports on (nil if absent).
	Delivery []DeliveryStatus
	Original *Original

	// Size is the number of bytes read; Truncated is set when the mail was
	// longer than Options.MaxBytes.
	Size      int64
	Truncated bool
	// Problems counts parts that could not be decoded cleanly (bad base64,
	// unknown charset, broken multipart); their content is best effort.
	Problems int
}

// Parse reads one mail from r. It fails only if r itself fails; any
// malformation in the mail is handled best effort and counted in Problems.
func Parse(r io.Reader, opts Options) (*Message, error) {
	opts = opts.withDefaults()
	cr := &countingReader{r: r, max: opts.MaxBytes}
	br := bufio.NewReader(cr)

	hb := readHeader(br, maxHeaderBytes)
	if cr.err != nil {
		return nil, fmt.Errorf("message: read header: %w", cr.err)
	}
	m := &Message{}
	m.fillHeader(hb.fields)

	var body io.Reader = br
	if hb.rest != nil {
		body = io.MultiReader(bytes.NewReader(hb.rest), br)
	}
	w := &walker{opts: opts, msg: m}
	chunks := w.entity(hb.fields.toHeader(), body, 0, "")
	w.finishText(chunks)
	m.Language = guessLanguage(m.Subject, m.Text)

	// Drain so Size counts the whole mail even when the MIME walk stopped
	// early on a broken structure.
	_, _ = io.Copy(io.Discard, br)
	if cr.err != nil {
		return nil, fmt.Errorf("message: read body: %w", cr.err)
	}
	m.Size = cr.n
	m.Truncated = cr.exceeded
	return m, nil
}

// ParseHeader reads only the header block of a mail (what an IMAP
// BODY.PEEK[HEADER] returns): the body is neither read nor decoded, so
// Text, Calendars and Attachments stay empty and Size is the size of the
// header block. r may be read a little past the header.
func ParseHeader(r io.Reader) (*Message, error) {
	cr := &countingReader{r: r, max: maxHeaderBytes + 1}
	br := bufio.NewReader(cr)
	hb := readHeader(br, maxHeaderBytes)
	if cr.err != nil {
		return nil, fmt.Errorf("message: read header: %w", cr.err)
	}
	m := &Message{}
	m.fillHeader(hb.fields)
	m.Size = int64(hb.size)
	return m, nil
}

// countingReader counts bytes, stops at max and remembers the first error
// of the underlying reader (io.EOF is not an error).
type countingReader struct {
	r        io.Reader
	n, max   int64
	exceeded bool
	err      error
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.n >= c.max {
		if !c.exceeded {
			var one [1]byte
			n, _ := c.r.Read(one[:])
			c.exceeded = n > 0
		}
		return 0, io.EOF
	}
	if rest := c.max - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		c.err = err
	}
	return n, err
}
