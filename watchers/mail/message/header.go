package message

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	gmtextproto "github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/charmap"
)

// field is one unfolded header field; key is canonical ("Message-Id").
type field struct {
	key, value string
}

type fields []field

// get returns the first value for key (canonical form), or "".
func (fs fields) get(key string) string {
	for _, f := range fs {
		if f.key == key {
			return f.value
		}
	}
	return ""
}

// toHeader converts to go-message's header, keeping the first occurrence
// of a key as the one Get returns.
func (fs fields) toHeader() gmtextproto.Header {
	var h gmtextproto.Header
	for i := len(fs) - 1; i >= 0; i-- {
		h.Add(fs[i].key, fs[i].value)
	}
	return h
}

// headerBody is what remains after the header block: a line that could not
// be a header field is taken as the first body line (mails that lack the
// blank separator line exist).
type headerBody struct {
	fields fields
	rest   []byte
	size   int // bytes of the header block, blank line included
}

// readHeader reads the top-level header block more leniently than
// go-message's textproto.ReadHeader: it skips an mbox "From " line, ignores
// stray continuation lines and ends the header at the first line that
// cannot be a field instead of failing the mail.
func readHeader(br *bufio.Reader, budget int) (hb headerBody) {
	start := budget
	defer func() { hb.size = max(start-budget-len(hb.rest), 0) }()
	var buf []byte
	// The field being read: its value grows with continuation lines and
	// is stored when the next field starts.
	var key string
	var value []byte
	flush := func() {
		if key != "" {
			hb.fields = append(hb.fields, field{key: key, value: string(value)})
		}
		key, value = "", value[:0]
	}
	for first := true; budget > 0; first = false {
		line, err := readLine(br, &budget, buf[:0])
		buf = line
		if len(line) == 0 && err != nil {
			flush()
			return hb
		}
		content := trimEOL(line)
		if len(content) == 0 {
			flush()
			return hb
		}
		if content[0] == ' ' || content[0] == '\t' {
			if v := bytes.TrimSpace(content); len(v) > 0 && key != "" {
				if len(value) > 0 {
					value = append(value, ' ')
				}
				value = append(value, v...)
			}
			continue
		}
		k, v, ok := splitField(content)
		if !ok && first && bytes.HasPrefix(content, []byte("From ")) {
			continue // mbox separator line
		}
		if !ok {
			hb.rest = bytes.Clone(line)
			flush()
			return hb
		}
		flush()
		key, value = k, append(value, v...)
		if err != nil {
			flush()
			return hb
		}
	}
	flush()
	return hb
}

// splitField splits "Key: value"; ok is false if the line has no colon or
// the key contains characters a field name cannot have.
func splitField(line []byte) (key string, value []byte, ok bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", nil, false
	}
	k := bytes.TrimRight(line[:i], " \t")
	if len(k) == 0 {
		return "", nil, false
	}
	for _, c := range k {
		if c < 33 || c > 126 {
			return "", nil, false
		}
	}
	return canonicalKey(k), bytes.TrimSpace(line[i+1:]), true
}

// canonicalKey is net/textproto's canonical form, computed without the
// allocation of a lower-cased copy for the common already-canonical case.
func canonicalKey(k []byte) string {
	upper := true
	buf := make([]byte, len(k))
	for i, c := range k {
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[i] = c
		upper = c == '-'
	}
	return string(buf)
}

// readLine appends one line, end-of-line bytes included, to line. A line
// longer than the remaining budget is cut; the rest of it is consumed.
func readLine(br *bufio.Reader, budget *int, line []byte) ([]byte, error) {
	for {
		frag, err := br.ReadSlice('\n')
		if room := *budget - len(line); room > 0 {
			if len(frag) > room {
				line = append(line, frag[:room]...)
			} else {
				line = append(line, frag...)
			}
		}
		*budget -= len(frag)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}

// newWordDecoder decodes RFC 2047 encoded-words. An unknown charset
// leaves the word's bytes as they are; toUTF8 then repairs them.
func newWordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: lenientCharsetReader}
}

func lenientCharsetReader(label string, in io.Reader) (io.Reader, error) {
	r, err := charset.Reader(label, in)
	if err != nil {
		return in, nil //nolint:nilerr // best effort: keep the raw bytes
	}
	return r, nil
}

// decodeText decodes an unstructured header value (Subject, names) into a
// single clean line.
func decodeText(v string) string {
	if strings.Contains(v, "=?") {
		if d, err := newWordDecoder().DecodeHeader(v); err == nil {
			v = d
		}
	}
	return cleanLine(toUTF8(v))
}

// toUTF8 returns s unchanged if it is valid UTF-8, else reads it as
// Windows-1252, the usual charset of undeclared 8-bit header text.
func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	d, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return d
}

// cleanLine removes control characters (terminal escapes included), turns
// line breaks and tabs into spaces and collapses runs of spaces.
func cleanLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0':
			space = b.Len() > 0
			continue
		case isControl(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isControl reports C0/C1 controls, DEL, bidi overrides and zero-width
// characters: nothing a reader needs and things a terminal could misuse.
func isControl(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0xfeff || r == 0x034f || r == 0x00ad:
		return true
	}
	return false
}

// parseAddressList parses an address header. When the list as a whole is
// not valid RFC 5322, each comma-separated item is parsed on its own and
// unparseable ones are taken apart by hand, so one broken address does not
// lose the others.
func parseAddressList(v string) []Address {
	v = strings.TrimSpace(toUTF8(v))
	if v == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: newWordDecoder()}
	if list, err := p.ParseList(v); err == nil {
		var out []Address
		for _, a := range list {
			out = appendAddress(out, a.Name, a.Address)
		}
		return out
	}
	var out []Address
	for _, item := range splitAddressList(v) {
		if a, err := p.Parse(item); err == nil {
			out = appendAddress(out, a.Name, a.Address)
			continue
		}
		name, email := looseAddress(item)
		out = appendAddress(out, name, email)
	}
	return out
}

func appendAddress(out []Address, name, email string) []Address {
	a := Address{Name: cleanLine(name), Email: normalizeEmail(email)}
	if a.Name == a.Email {
		a.Name = ""
	}
	if a.Name == "" && a.Email == "" {
		return out
	}
	return append(out, a)
}

// normalizeEmail trims and lower-cases the domain (the local part is
// case-sensitive by the RFC, and kept).
func normalizeEmail(e string) string {
	e = cleanLine(e)
	e = strings.Trim(e, "<> ")
	if i := strings.LastIndexByte(e, '@'); i >= 0 {
		return e[:i] + "@" + strings.ToLower(e[i+1:])
	}
	return e
}

// splitAddressList splits on commas outside quotes and comments. Commas
// inside <> split too: only obsolete source routes have them there, and
// an unclosed < must not swallow the rest of the list.
func splitAddressList(v string) []string {
	var items []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case (c == ',' || c == ';') && depth == 0:
			items = append(items, v[start:i])
			start = i + 1
		}
	}
	items = append(items, v[start:])
	out := items[:0]
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// looseAddress takes apart an address net/mail rejected: "name <email>",
// a bare word with an @, or a name alone.
func looseAddress(item string) (name, email string) {
	if i := strings.LastIndexByte(item, '<'); i >= 0 {
		if j := strings.IndexByte(item[i:], '>'); j > 0 {
			email = item[i+1 : i+j]
			name = item[:i]
		} else {
			email = item[i+1:]
			name = item[:i]
		}
	} else if strings.Contains(item, "@") && !strings.ContainsAny(strings.TrimSpace(item), " \t") {
		email = item
	} else {
		name = item
	}
	if k := strings.IndexByte(name, ':'); k >= 0 && !strings.Contains(name, "\"") {
		name = name[k+1:] // group display name "team: a@b"
	}
	name = strings.TrimSpace(name)
	name = strings.Trim(name, "\"'")
	name = strings.ReplaceAll(name, `\"`, `"`)
	return decodeText(name), strings.TrimSpace(email)
}

// parseMsgIDs extracts message identifiers (without <>) from Message-ID,
// In-Reply-To or References. Broken values without brackets fall back to
// whitespace-separated tokens that contain an @.
func parseMsgIDs(v string, limit int) []string {
	var ids []string
	rest := v
	for len(ids) < limit {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		if id := cleanID(rest[i+1 : i+j]); id != "" {
			ids = append(ids, id)
		}
		rest = rest[i+j+1:]
	}
	if len(ids) > 0 {
		return ids
	}
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' }) {
		if strings.Contains(tok, "@") && len(ids) < limit {
			if id := cleanID(strings.Trim(tok, "<>")); id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

func cleanID(s string) string {
	s = toUTF8(s)
	return strings.Map(func(r rune) rune {
		if r <= ' ' || isControl(r) {
			return -1
		}
		return r
	}, s)
}

// maxReferences bounds the References kept; threads rarely need more.
const maxReferences = 100

// fillHeader sets the header-derived fields of m.
func (m *Message) fillHeader(fs fields) {
	if ids := parseMsgIDs(fs.get("Message-Id"), 1); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = parseMsgIDs(fs.get("In-Reply-To"), maxReferences)
	m.References = parseMsgIDs(fs.get("References"), 10*maxReferences)
	if n := len(m.References); n > maxReferences {
		// Keep the thread's root and its most recent ancestors.
		m.References = append(m.References[:1], m.References[n-maxReferences+1:]...)
	}
	m.Subject = decodeText(fs.get("Subject"))
	m.From = parseAddressList(fs.get("From"))
	if s := parseAddressList(fs.get("Sender")); len(s) > 0 {
		m.Sender = &s[0]
	}
	m.ReplyTo = parseAddressList(fs.get("Reply-To"))
	m.To = parseAddressList(fs.get("To"))
	m.Cc = parseAddressList(fs.get("Cc"))
	m.Bcc = parseAddressList(fs.get("Bcc"))
	if rp := strings.TrimSpace(fs.get("Return-Path")); rp != "" {
		if strings.ReplaceAll(rp, " ", "") == "<>" {
			m.ReturnPath = "<>"
		} else {
			m.ReturnPath = normalizeEmail(rp)
		}
	}
	m.Date = parseDate(fs.get("Date"))
	m.List.fill(fs)
}
