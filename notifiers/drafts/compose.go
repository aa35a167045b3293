package drafts

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/agentd/agentd/event"
)

// Header fields agentd puts on its drafts. MarkerHeader says who wrote the
// draft; HashHeader holds the hash of everything else agentd wrote, so a
// store can tell a draft the user has not touched from one they edited,
// whatever mail client re-saved it (clients often keep the Message-ID).
const (
	MarkerHeader = "X-Agentd-Draft"
	HashHeader   = "X-Agentd-Hash"
)

// hashPrefix versions the hash: v1 is SHA-256 of the message without its
// HashHeader field, line endings as CRLF, trailing line breaks removed,
// in unpadded base64url.
const hashPrefix = "v1-"

// Compose builds the RFC 5322 message of a draft: threaded headers, a
// Message-ID of msgID (without <>), Date now (in now's zone, the user's),
// UTF-8 text in quoted-printable, and below the reply the answered mail's
// text quoted with "> " under an attribution line. Header values are
// RFC 2047-encoded where they are not ASCII.
func Compose(d event.Draft, msgID string, now time.Time) ([]byte, error) {
	if err := checkDraft(d, msgID); err != nil {
		return nil, err
	}
	var h mail.Header
	// textproto writes fields in the reverse order they were added: add
	// them last first, so they read From, To, Cc, Subject … in the file.
	type field struct{ key, value string }
	var fields []field
	format := func(key string, set func(*mail.Header)) {
		var tmp mail.Header
		set(&tmp)
		if v := tmp.Get(key); v != "" {
			fields = append(fields, field{key, v})
		}
	}
	format("From", func(t *mail.Header) { t.SetAddressList("From", mailAddresses([]event.Address{d.From})) })
	format("To", func(t *mail.Header) { t.SetAddressList("To", mailAddresses(d.To)) })
	format("Cc", func(t *mail.Header) { t.SetAddressList("Cc", mailAddresses(d.Cc)) })
	format("Subject", func(t *mail.Header) { t.SetSubject(d.Subject) })
	format("Date", func(t *mail.Header) { t.SetDate(now) })
	format("Message-Id", func(t *mail.Header) { t.SetMessageID(msgID) })
	if d.InReplyTo != "" {
		format("In-Reply-To", func(t *mail.Header) { t.SetMsgIDList("In-Reply-To", []string{d.InReplyTo}) })
	}
	format("References", func(t *mail.Header) { t.SetMsgIDList("References", d.References) })
	fields = append(fields,
		field{"MIME-Version", "1.0"},
		field{"Content-Type", "text/plain; charset=utf-8"},
		field{"Content-Transfer-Encoding", "quoted-printable"},
		field{MarkerHeader, "1"},
	)
	for i := len(fields) - 1; i >= 0; i-- {
		h.Add(fields[i].key, fields[i].value)
	}

	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, fmt.Errorf("drafts: compose: %w", err)
	}
	if _, err := w.Write([]byte(Text(d, now.Location()))); err != nil {
		return nil, fmt.Errorf("drafts: compose: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("drafts: compose: %w", err)
	}
	sum, _ := digest(buf.Bytes())
	return append([]byte(HashHeader+": "+sum+"\r\n"), buf.Bytes()...), nil
}

// checkDraft refuses what would make a broken or dangerous header: a
// missing sender, control characters in addresses or ids.
func checkDraft(d event.Draft, msgID string) error {
	var errs []error
	if !plausibleAddr(d.From.Email) {
		errs = append(errs, fmt.Errorf("from %q is not an address", d.From.Email))
	}
	for _, a := range append(append([]event.Address(nil), d.To...), d.Cc...) {
		if !plausibleAddr(a.Email) {
			errs = append(errs, fmt.Errorf("recipient %q is not an address", a.Email))
		}
	}
	for _, id := range append([]string{msgID, d.InReplyTo}, d.References...) {
		if strings.ContainsAny(id, "<> \t\r\n") {
			errs = append(errs, fmt.Errorf("message id %q has spaces or brackets", id))
		}
	}
	if msgID == "" {
		errs = append(errs, errors.New("message id is empty"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("drafts: compose: %w", err)
	}
	return nil
}

func plausibleAddr(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == ',' {
			return false
		}
	}
	return true
}

func mailAddresses(as []event.Address) []*mail.Address {
	out := make([]*mail.Address, 0, len(as))
	for _, a := range as {
		out = append(out, &mail.Address{Name: a.Name, Address: a.Email})
	}
	return out
}

// Text is the plain-text body of a draft: the reply, a blank line, then
// the attribution line and the original quoted with "> ". Line breaks are
// "\n"; dates are shown in loc.
func Text(d event.Draft, loc *time.Location) string {
	var b strings.Builder
	body := strings.TrimRight(normalizeNewlines(d.Body), " \t\n")
	b.WriteString(body)
	b.WriteString("\n")
	quoted := strings.TrimRight(normalizeNewlines(d.Quoted), " \t\n")
	if quoted == "" {
		return b.String()
	}
	b.WriteString("\n")
	b.WriteString(attribution(d, loc))
	b.WriteString("\n")
	for line := range strings.SplitSeq(quoted, "\n") {
		line = strings.TrimRight(line, " \t")
		switch {
		case line == "":
			b.WriteString(">")
		case strings.HasPrefix(line, ">"):
			b.WriteString(">" + line)
		default:
			b.WriteString("> " + line)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// attribution is the "On <date>, <from> wrote:" line in the reply's
// language.
func attribution(d event.Draft, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	from := strings.TrimSpace(d.QuotedFrom)
	at := d.QuotedDate.In(loc)
	lang := strings.ToLower(d.Language)
	switch lang {
	case "fr":
		if from == "" {
			from = "l'expéditeur"
		}
		if d.QuotedDate.IsZero() {
			return from + " a écrit :"
		}
		return "Le " + at.Format("02/01/2006 à 15:04") + ", " + from + " a écrit :"
	case "de":
		if from == "" {
			from = "der Absender"
		}
		if d.QuotedDate.IsZero() {
			return from + " schrieb:"
		}
		return "Am " + at.Format("02.01.2006 um 15:04") + " schrieb " + from + ":"
	default:
		if from == "" {
			from = "the sender"
		}
		if d.QuotedDate.IsZero() {
			return from + " wrote:"
		}
		return "On " + at.Format("Mon, 2 Jan 2006 at 15:04") + ", " + from + " wrote:"
	}
}

// MessageID returns a Message-ID (without <>) in domain that depends only
// on seed: the same thread state gives the same id after a restart, so a
// draft already saved is found again instead of written twice.
func MessageID(domain, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	id := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
	return "agentd." + id + "@" + cleanDomain(domain)
}

// DomainOf returns the domain of an e-mail address, or "" without one.
func DomainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.TrimSuffix(strings.TrimSpace(addr[at+1:]), ">")
}

// cleanDomain keeps a domain that is safe in a Message-ID; anything else
// becomes agentd.invalid (RFC 2606).
func cleanDomain(d string) string {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	if d == "" || len(d) > 253 {
		return "agentd.invalid"
	}
	for _, r := range d {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
		default:
			return "agentd.invalid"
		}
	}
	return d
}

// Untouched reports whether raw is a draft agentd wrote and nobody changed
// since: it carries HashHeader and the hash of the rest still matches. A
// mail client that re-saves an edited draft changes the text or drops the
// header, so an edited draft never passes.
func Untouched(raw []byte) bool {
	sum, recorded := digest(raw)
	return recorded != "" && subtle.ConstantTimeCompare([]byte(sum), []byte(recorded)) == 1
}

// digest returns the hash of raw without its HashHeader field, and that
// field's value ("" if absent). Line endings count as CRLF whatever the
// storage uses (Maildir files have LF, IMAP speaks CRLF), and trailing
// line breaks are ignored.
func digest(raw []byte) (sum, recorded string) {
	s := normalizeNewlines(string(raw))
	head, body, found := strings.Cut(s, "\n\n")
	if strings.HasPrefix(s, "\n") {
		head, body, found = "", s[1:], true
	}
	var kept, values []string
	skipping := false
	for line := range strings.SplitSeq(head, "\n") {
		if skipping && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) {
			values[len(values)-1] += strings.TrimSpace(line)
			continue
		}
		skipping = false
		if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(name), HashHeader) {
			values = append(values, strings.TrimSpace(value))
			skipping = true
			continue
		}
		kept = append(kept, line)
	}
	if len(values) == 1 {
		// Two hash fields are not what agentd writes.
		recorded = values[0]
	}
	out := strings.Join(kept, "\n")
	if found {
		out += "\n\n" + body
	}
	out = strings.TrimRight(out, "\n")
	h := sha256.Sum256([]byte(strings.ReplaceAll(out, "\n", "\r\n")))
	return hashPrefix + base64.RawURLEncoding.EncodeToString(h[:]), recorded
}
