package message

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	gmtextproto "github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/charmap"
)

// chunk is the readable text of one body part.
type chunk struct {
	text string
	html bool
}

// walker walks the MIME tree of one mail, streaming: only text, HTML and
// calendar parts are held in memory, each bounded by MaxPartBytes.
type walker struct {
	opts      Options
	msg       *Message
	parts     int
	textBytes int    // readable text collected so far
	scratch   []byte // copy buffer for skipped parts
}

// entity handles one MIME entity and returns its readable text.
func (w *walker) entity(h gmtextproto.Header, body io.Reader, depth int, parent string) []chunk {
	w.parts++
	if w.parts > maxParts {
		w.msg.Problems++
		return nil
	}
	mediaType, params := contentType(h, parent)
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= MaxDepth {
			w.msg.Problems++
			return nil
		}
		if boundary := params["boundary"]; boundary != "" {
			return w.multipart(mediaType, params, boundary, body, depth)
		}
		// No boundary: the body cannot be split; show it as text.
		w.msg.Problems++
		mediaType, params = "text/plain", nil
	}
	return w.leaf(h, mediaType, params, body, parent)
}

// multipart reads the children of a multipart entity and picks the text
// the way a mail client shows it.
func (w *walker) multipart(mediaType string, params map[string]string, boundary string, body io.Reader, depth int) []chunk {
	if mediaType == "multipart/report" && w.msg.Report == "" {
		w.msg.Report = strings.ToLower(cleanID(params["report-type"]))
	}
	textBefore := w.textBytes
	preamble := &captureReader{r: body, limit: int(w.opts.MaxPartBytes)}
	mr := gmtextproto.NewMultipartReader(preamble, boundary)
	var children [][]chunk
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A missing final boundary or a broken part header: keep what
			// was read so far.
			w.msg.Problems++
			break
		}
		preamble.stop()
		children = append(children, w.entity(p.Header, p, depth+1, mediaType))
		if w.parts > maxParts {
			break
		}
	}
	if len(children) == 0 {
		if bytes.Contains(preamble.buf, []byte("--"+boundary)) {
			return nil // a boundary, but a part too broken to read
		}
		// The boundary never occurred: what a client shows is the body.
		text := cleanText(decodeCharset("", preamble.buf))
		if strings.TrimSpace(text) == "" {
			return nil
		}
		w.textBytes += len(text)
		return []chunk{{text: text}}
	}
	var chosen []chunk
	switch mediaType {
	case "multipart/alternative":
		chosen = pickAlternative(children)
	case "multipart/related":
		// The first part is the root (the HTML); the others are what it
		// embeds.
		chosen = children[0]
	default:
		for _, c := range children {
			chosen = append(chosen, c...)
		}
		return chosen
	}
	// Only the chosen text counts against MaxText.
	w.textBytes = textBefore
	for _, c := range chosen {
		w.textBytes += len(c.text)
	}
	return chosen
}

// pickAlternative prefers a plain-text alternative, else the last (the
// sender's preferred) one with any text.
func pickAlternative(children [][]chunk) []chunk {
	best, bestScore := -1, 0
	for i, c := range children {
		score := 0
		if hasText(c) {
			score = 1
			plain := true
			for _, ch := range c {
				plain = plain && !ch.html
			}
			if plain {
				score = 2
			}
		}
		if score > 0 && score >= bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return nil
	}
	return children[best]
}

func hasText(c []chunk) bool {
	for _, ch := range c {
		if strings.TrimSpace(ch.text) != "" {
			return true
		}
	}
	return false
}

// leaf handles a non-multipart entity.
func (w *walker) leaf(h gmtextproto.Header, mediaType string, params map[string]string, body io.Reader, parent string) []chunk {
	disp, dparams := parseDisposition(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = cleanLine(decodeText(name))
	lname := strings.ToLower(name)
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))

	if w.msg.Report == "delivery-status" && parent == "multipart/report" {
		switch mediaType {
		case "message/delivery-status", "message/global-delivery-status", "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
			data, _ := w.readPart(body, cte)
			w.reportPart(mediaType, data)
			w.addAttachment(name, mediaType, int64(len(data)), false)
			return nil
		}
	}
	if mediaType == "text/calendar" || mediaType == "application/ics" || strings.HasSuffix(lname, ".ics") {
		if len(w.msg.Calendars) >= maxCalendars {
			w.addAttachment(name, mediaType, w.skip(cte, body), disp == "inline")
			return nil
		}
		data, _ := w.readPart(body, cte)
		data = []byte(decodeCharsetProblem(w.msg, params["charset"], data))
		w.msg.Calendars = append(w.msg.Calendars, data)
		if disp == "attachment" || mediaType != "text/calendar" {
			w.addAttachment(name, mediaType, int64(len(data)), false)
		}
		return nil
	}

	isHTML := mediaType == "text/html"
	if (mediaType == "text/plain" || isHTML) && disp != "attachment" {
		if w.textBytes >= w.opts.MaxText {
			w.msg.TextTruncated = true
			return nil
		}
		data, truncated := w.readPart(body, cte)
		if truncated {
			w.msg.TextTruncated = true
		}
		text := decodeCharsetProblem(w.msg, params["charset"], data)
		if isHTML {
			var cut bool
			text, cut = htmlToText(text, w.opts.MaxText)
			w.msg.TextTruncated = w.msg.TextTruncated || cut
		} else {
			if strings.EqualFold(params["format"], "flowed") {
				text = unflow(text, strings.EqualFold(params["delsp"], "yes"))
			}
			text = cleanText(text)
		}
		w.textBytes += len(text)
		return []chunk{{text: text, html: isHTML}}
	}

	w.addAttachment(name, mediaType, w.skip(cte, body), disp == "inline" || parent == "multipart/related")
	return nil
}

func (w *walker) addAttachment(name, mediaType string, size int64, inline bool) {
	if len(w.msg.Attachments) >= maxAttachments {
		return
	}
	w.msg.Attachments = append(w.msg.Attachments, Attachment{Name: name, ContentType: mediaType, Size: size, Inline: inline})
}

// readPart reads at most MaxPartBytes of a part and decodes its transfer
// encoding. The rest of an oversized part is left for the caller to skip.
func (w *walker) readPart(body io.Reader, cte string) (data []byte, truncated bool) {
	raw, err := io.ReadAll(io.LimitReader(body, w.opts.MaxPartBytes+1))
	if err != nil {
		w.msg.Problems++ // a multipart part cut short: keep what came
	}
	if int64(len(raw)) > w.opts.MaxPartBytes {
		raw, truncated = raw[:w.opts.MaxPartBytes], true
	}
	data, ok := decodeTransfer(cte, raw)
	if !ok {
		w.msg.Problems++
	}
	return data, truncated
}

// finishText joins the chosen chunks into Message.Text within MaxText.
func (w *walker) finishText(chunks []chunk) {
	var b strings.Builder
	for _, c := range chunks {
		t := strings.TrimSpace(c.text)
		if t == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(t)
		w.msg.HTML = w.msg.HTML || c.html
	}
	text := b.String()
	if len(text) > w.opts.MaxText {
		cut := w.opts.MaxText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
		w.msg.TextTruncated = true
	}
	w.msg.Text = text
}

// captureReader keeps the first bytes read through it until stop is
// called, so a multipart body without any boundary can still be shown.
type captureReader struct {
	r       io.Reader
	buf     []byte
	limit   int
	stopped bool
}

func (c *captureReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if !c.stopped && len(c.buf) < c.limit {
		keep := min(n, c.limit-len(c.buf))
		c.buf = append(c.buf, p[:keep]...)
	}
	return n, err
}

func (c *captureReader) stop() {
	c.stopped, c.buf = true, nil
}

// contentType parses Content-Type leniently; a missing one is text/plain,
// or message/rfc822 inside multipart/digest.
func contentType(h gmtextproto.Header, parent string) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		if parent == "multipart/digest" {
			return "message/rfc822", nil
		}
		return "text/plain", nil
	}
	mt, params := parseMediaType(v)
	if !validMediaType(mt) {
		if mt == "text" {
			return "text/plain", params
		}
		return "application/octet-stream", params
	}
	return mt, params
}

// validMediaType reports "type/subtype" made of RFC 2045 token characters.
func validMediaType(mt string) bool {
	slash := strings.IndexByte(mt, '/')
	if slash <= 0 || slash == len(mt)-1 || strings.Count(mt, "/") != 1 {
		return false
	}
	for i := 0; i < len(mt); i++ {
		c := mt[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

func parseDisposition(v string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "", nil
	}
	return parseMediaType(v)
}

// parseMediaType is mime.ParseMediaType with a fallback for the broken
// parameters found in the wild (unquoted spaces, duplicates, stray ';').
func parseMediaType(v string) (string, map[string]string) {
	v = toUTF8(v)
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		parts := strings.Split(strings.TrimSpace(v), ";")
		// "multipart/mixed boundary=x": a parameter without its ';'.
		if i := strings.IndexAny(parts[0], " \t"); i > 0 {
			parts = append([]string{parts[0][:i], parts[0][i:]}, parts[1:]...)
		}
		mt = strings.ToLower(strings.TrimSpace(parts[0]))
		params = lenientParams(parts[1:])
	}
	return mt, params
}

func lenientParams(parts []string) map[string]string {
	params := make(map[string]string, len(parts))
	for _, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		v = strings.Trim(v, "\"")
		if strings.HasSuffix(k, "*") { // RFC 2231: charset'lang'%XX
			k = strings.TrimSuffix(k, "*")
			if i := strings.LastIndexByte(v, '\''); i >= 0 {
				if u, err := url.PathUnescape(v[i+1:]); err == nil {
					v = u
				}
			}
		}
		if _, dup := params[k]; !dup && k != "" {
			params[k] = v
		}
	}
	return params
}

// decodeTransfer undoes Content-Transfer-Encoding. ok is false when the
// data was not cleanly encoded; the result is then best effort.
func decodeTransfer(cte string, raw []byte) ([]byte, bool) {
	switch cte {
	case "base64":
		return decodeBase64(raw)
	case "quoted-printable":
		return decodeQP(raw), true
	case "", "7bit", "8bit", "binary":
		return raw, true
	default:
		return raw, false
	}
}

func isBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// decodeBase64 decodes leniently: whitespace and stray characters are
// skipped, padding may be missing or appear mid-stream (concatenated
// blocks). Data that is mostly not base64 is returned as it is.
func decodeBase64(raw []byte) ([]byte, bool) {
	clean := make([]byte, 0, len(raw))
	invalid := 0
	for _, c := range raw {
		switch {
		case isBase64Char(c) || c == '=':
			clean = append(clean, c)
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		default:
			invalid++
		}
	}
	if invalid*10 > len(clean) {
		return raw, false // mostly not base64: a mislabelled text
	}
	ok := invalid == 0
	out := make([]byte, 0, len(clean)*3/4+3)
	for len(clean) > 0 {
		seg := clean
		if i := bytes.IndexByte(clean, '='); i >= 0 {
			seg, clean = clean[:i], bytes.TrimLeft(clean[i:], "=")
		} else {
			clean = nil
		}
		if len(seg)%4 == 1 {
			seg, ok = seg[:len(seg)-1], false
		}
		var err error
		if out, err = base64.RawStdEncoding.AppendDecode(out, seg); err != nil {
			ok = false
		}
	}
	return out, ok
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeQP decodes quoted-printable leniently: an '=' that starts no valid
// escape is kept, and trailing whitespace before a line break is dropped.
func decodeQP(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	n := len(raw)
	for i := 0; i < n; i++ {
		c := raw[i]
		switch c {
		case '=':
			if i+2 < n {
				if hi, ok := unhex(raw[i+1]); ok {
					if lo, ok := unhex(raw[i+2]); ok {
						out = append(out, hi<<4|lo)
						i += 2
						continue
					}
				}
			}
			j := i + 1
			for j < n && (raw[j] == ' ' || raw[j] == '\t') {
				j++
			}
			switch {
			case j == n:
				i = j
			case raw[j] == '\n':
				i = j
			case raw[j] == '\r' && j+1 < n && raw[j+1] == '\n':
				i = j + 1
			default:
				out = append(out, '=')
			}
		case ' ', '\t':
			j := i
			for j < n && (raw[j] == ' ' || raw[j] == '\t') {
				j++
			}
			if j < n && raw[j] != '\n' && raw[j] != '\r' {
				out = append(out, raw[i:j]...)
			}
			i = j - 1
		default:
			out = append(out, c)
		}
	}
	return out
}

// skip reads past a part, returning its decoded size (estimated from the
// number of base64 characters for base64 parts).
func (w *walker) skip(cte string, body io.Reader) int64 {
	if w.scratch == nil {
		w.scratch = make([]byte, 8<<10)
	}
	if cte != "base64" {
		n, _ := io.CopyBuffer(discard{}, body, w.scratch)
		return n
	}
	var c base64Counter
	_, _ = io.CopyBuffer(&c, body, w.scratch)
	return c.n * 3 / 4
}

// discard is io.Discard without ReadFrom, so io.CopyBuffer uses the
// walker's buffer instead of allocating.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

type base64Counter struct{ n int64 }

func (c *base64Counter) Write(p []byte) (int, error) {
	for _, b := range p {
		if isBase64Char(b) {
			c.n++
		}
	}
	return len(p), nil
}

// decodeCharsetProblem is decodeCharset counting a failure in m.Problems.
func decodeCharsetProblem(m *Message, label string, data []byte) string {
	s, ok := decodeCharsetOK(label, data)
	if !ok {
		m.Problems++
	}
	return s
}

func decodeCharset(label string, data []byte) string {
	s, _ := decodeCharsetOK(label, data)
	return s
}

// decodeCharsetOK converts text in the declared charset to UTF-8. Latin-1
// and ASCII labels are read as Windows-1252, as browsers do, because that
// is what such mail really contains. Undeclared 8-bit text that is not
// UTF-8 is read as Windows-1252 too; an unknown charset keeps valid UTF-8
// and replaces the rest with U+FFFD.
func decodeCharsetOK(label string, data []byte) (string, bool) {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), "\"'"))
	switch label {
	case "utf-8", "utf8":
		if utf8.Valid(data) {
			return string(data), true
		}
		return strings.ToValidUTF8(string(data), "\uFFFD"), false
	case "", "us-ascii", "ascii", "iso-8859-1", "latin1", "iso_8859-1", "windows-1252", "cp1252", "unknown-8bit", "x-unknown", "default":
		if utf8.Valid(data) {
			return string(data), true
		}
		s, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return strings.ToValidUTF8(string(data), "\uFFFD"), false
		}
		return string(s), true
	}
	r, err := charset.Reader(label, bytes.NewReader(data))
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD"), false
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return strings.ToValidUTF8(string(out), "\uFFFD"), false
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), true
}

// cleanText normalizes line breaks, drops control characters (keeping
// tabs and newlines) and trailing spaces on each line.
func cleanText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	spaces := 0 // pending spaces/tabs, dropped at end of line
	var pend [64]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
			spaces = 0
			b.WriteByte('\n')
			continue
		case c == '\n':
			spaces = 0
			b.WriteByte('\n')
			continue
		case c == ' ' || c == '\t':
			if spaces < len(pend) {
				pend[spaces] = c
			}
			spaces++
			continue
		}
		if spaces > 0 {
			b.Write(pend[:min(spaces, len(pend))])
			spaces = 0
		}
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != 0x7f {
				b.WriteByte(c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isControl(r) {
			b.WriteString(s[i : i+size])
		}
		i += size - 1
	}
	return b.String()
}

// unflow undoes RFC 3676 format=flowed: a line ending in a space continues
// on the next line.
func unflow(s string, delSp bool) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var b strings.Builder
	b.Grow(len(s))
	for i, l := range lines {
		if strings.HasPrefix(l, " ") {
			l = l[1:] // space-stuffing
		}
		soft := strings.HasSuffix(l, " ") && l != "-- " && i < len(lines)-1
		if soft && delSp {
			l = l[:len(l)-1]
		}
		b.WriteString(l)
		if !soft && i < len(lines)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
