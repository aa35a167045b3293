package event

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Draft is a reply agentd saves in the user's Drafts folder, never sends.
// Who it goes to and how it threads come from the headers of the mail it
// answers (DraftReply), never from a model: Body is the only text a model
// writes.
type Draft struct {
	// Account is the configured mail source the draft is saved in.
	Account string `json:"account"`
	// From is the user's address the answered mail was sent to.
	From Address   `json:"from"`
	To   []Address `json:"to,omitempty"`
	Cc   []Address `json:"cc,omitempty"`
	// Subject is already the reply's ("Re: …").
	Subject string `json:"subject"`
	// InReplyTo is the Message-ID (without <>) of the mail answered;
	// References its thread, oldest first, bounded (References).
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	// Body is the reply text; Quoted the answered mail's text, quoted below
	// it with QuotedFrom and QuotedDate in the attribution line.
	Body       string    `json:"body"`
	Quoted     string    `json:"quoted,omitempty"`
	QuotedFrom string    `json:"quoted_from,omitempty"`
	QuotedDate time.Time `json:"quoted_date,omitzero"`
	// ThreadKey names the thread: agentd keeps one draft per thread and
	// replaces it when the thread moves on (a new InReplyTo).
	ThreadKey string `json:"thread_key"`
	// Language of the reply (en, fr, de), for the attribution line.
	Language string `json:"language,omitempty"`
}

// MaxReferences bounds the References of a reply. A long thread keeps its
// root and its newest messages, which is what threading needs (RFC 5322
// 3.6.4 allows trimming; mail clients do the same).
const MaxReferences = 20

// DraftReply fills the headers of a reply to m from the user's side: From
// is the user's address m was sent to, To and Cc follow reply-all rules
// without the user, Subject gets one "Re: ", and the threading headers
// point at m. ThreadKey defaults to the thread's root Message-ID; callers
// that track threads themselves set their own. Body is left empty.
func DraftReply(m Mail, me []string) Draft {
	to, cc := ReplyAll(m, me)
	d := Draft{
		Account:    m.Account,
		From:       Address{Email: ReplyFrom(m, me)},
		To:         to,
		Cc:         cc,
		Subject:    ReplySubject(m.Subject),
		InReplyTo:  m.MessageID,
		References: References(parentReferences(m), m.MessageID),
		Quoted:     m.Text,
		QuotedDate: m.Date,
		Language:   m.Language,
	}
	if len(m.From) > 0 {
		d.QuotedFrom = formatAddress(m.From[0])
	}
	switch {
	case len(d.References) > 0:
		d.ThreadKey = d.References[0]
	default:
		d.ThreadKey = m.MessageID
	}
	return d
}

// parentReferences is the thread a mail belongs to: its References, or its
// single In-Reply-To when it has none (RFC 5322 3.6.4).
func parentReferences(m Mail) []string {
	if len(m.References) > 0 {
		return m.References
	}
	if len(m.InReplyTo) == 1 {
		return m.InReplyTo
	}
	return nil
}

func formatAddress(a Address) string {
	if a.Name == "" {
		return a.Email
	}
	return fmt.Sprintf("%s <%s>", a.Name, a.Email)
}

// ReplyAll returns the recipients of a reply to everyone: the mail's
// Reply-To (else its From) in To, its other To and Cc recipients in Cc.
// The user's own addresses (me) are left out, and every address appears
// once (compared case-insensitively), To winning over Cc. A mail the user
// sent themselves (a Sent copy) is answered to its recipients instead.
func ReplyAll(m Mail, me []string) (to, cc []Address) {
	seen := map[string]bool{}
	for _, a := range me {
		seen[normEmail(a)] = true
	}
	add := func(dst []Address, src []Address) []Address {
		for _, a := range src {
			k := normEmail(a.Email)
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			dst = append(dst, Address{Name: strings.TrimSpace(a.Name), Email: strings.TrimSpace(a.Email)})
		}
		return dst
	}
	primary := m.ReplyTo
	if len(primary) == 0 {
		primary = m.From
	}
	to = add(nil, primary)
	if len(to) == 0 {
		// Only the user in From/Reply-To: they wrote it; answer its
		// recipients, as mail clients do.
		to = add(nil, m.To)
		cc = add(nil, m.Cc)
		return to, cc
	}
	cc = add(nil, m.To)
	cc = add(cc, m.Cc)
	return to, cc
}

// ReplyFrom returns which of the user's addresses m was sent to (To, then
// Cc, compared case-insensitively), so the reply goes out from the address
// the correspondent knows; me[0] when m names none of them.
func ReplyFrom(m Mail, me []string) string {
	for _, list := range [][]Address{m.To, m.Cc} {
		for _, a := range list {
			for _, mine := range me {
				if normEmail(a.Email) == normEmail(mine) {
					return strings.TrimSpace(mine)
				}
			}
		}
	}
	if len(me) > 0 {
		return strings.TrimSpace(me[0])
	}
	return ""
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// replyPrefixes are the reply markers of mail clients in several
// languages ("Re:", German "AW:", Nordic "SV:", Dutch "Antw:", French
// "Réf.:", Italian "R:"/"Rif:", Polish "Odp:", Turkish "Ynt:"), in lower
// case. Forward markers (Fwd:, WG:, TR:) are not replies and stay.
var replyPrefixes = []string{"re", "aw", "sv", "antw", "antwort", "réf", "ref", "rif", "r", "res", "odp", "ynt", "vs"}

// ReplySubject returns the subject of a reply: "Re: " once before the
// subject with its reply markers removed ("Re: Re: x", "AW: x", "RE[2]: x"
// and "SV: x" all become "Re: x").
func ReplySubject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for {
		rest, ok := CutSubjectPrefix(s, replyPrefixes)
		if !ok {
			break
		}
		s = strings.TrimSpace(rest)
	}
	if s == "" {
		return "Re:"
	}
	return "Re: " + s
}

// CutSubjectPrefix removes one subject marker of prefixes (lower-case
// words: "re", "aw", "fwd" …) with an optional counter ("Re[2]:", "Re(2):",
// "Re^2:") and an optional dot or space before the colon ("Réf. :"). The
// planner's thread matching and the reply drafts share it.
func CutSubjectPrefix(s string, prefixes []string) (string, bool) {
	end := 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if !unicode.IsLetter(r) {
			break
		}
		end += size
	}
	if end == 0 || end > 12 {
		return s, false
	}
	word := strings.ToLower(s[:end])
	known := false
	for _, p := range prefixes {
		if word == p {
			known = true
			break
		}
	}
	if !known {
		return s, false
	}
	rest := s[end:]
	switch {
	case strings.HasPrefix(rest, "[") || strings.HasPrefix(rest, "("):
		closer := "]"
		if rest[0] == '(' {
			closer = ")"
		}
		if j := strings.Index(rest, closer); j > 1 && allDigits(rest[1:j]) {
			rest = rest[j+1:]
		}
	case strings.HasPrefix(rest, "^"):
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		rest = rest[j:]
	}
	rest = strings.TrimPrefix(rest, ".")
	rest = strings.TrimLeft(rest, " ")
	switch {
	case strings.HasPrefix(rest, ":"):
		return rest[1:], true
	case strings.HasPrefix(rest, "："):
		return rest[len("："):], true
	}
	return s, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// References returns the References of a reply: the parent's References
// followed by the parent's Message-ID, each once (ids without <>), at most
// MaxReferences of them: the first (the thread's root) and the newest.
func References(parentRefs []string, parentMsgID string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range append(append([]string(nil), parentRefs...), parentMsgID) {
		id = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">"))
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	if len(out) > MaxReferences {
		out = append(out[:1], out[len(out)-(MaxReferences-1):]...)
	}
	return out
}
