package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// ErrNotFeed is returned (wrapped) when a document is neither RSS, Atom nor
// JSON Feed.
var ErrNotFeed = errors.New("not a feed")

// ErrHTMLPage is returned when the URL serves an HTML page rather than a
// feed, the most common misconfiguration (a blog's home page instead of its
// feed). errors.Is(ErrHTMLPage, ErrNotFeed) holds.
var ErrHTMLPage = fmt.Errorf("%w (got HTML page)", ErrNotFeed)

// Parse decodes a feed document to UTF-8 and parses it with gofeed.
// contentType is the HTTP Content-Type (may be empty); its charset parameter
// is used when the body is not valid UTF-8.
//
// gofeed alone converts a document whose XML prolog names its encoding, but
// it double-decodes UTF-8 documents whose prolog lies, fails on unknown
// labels, ignores the HTTP charset and leaves undeclared Latin-1 bytes
// invalid. So the body is turned into UTF-8 here first and the prolog is
// rewritten to say so.
func Parse(r io.Reader, contentType string) (*gofeed.Feed, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read feed: %w", err)
	}
	f, _, err := parseCapped(raw, contentType, 0)
	return f, err
}

// parseCapped is Parse of a read document that keeps its first maxItems
// items (all when maxItems <= 0) and also returns how many the document
// has. An XML document is cut before gofeed sees it (see capItems), so
// its parse memory is that of maxItems items.
func parseCapped(raw []byte, contentType string, maxItems int) (*gofeed.Feed, int, error) {
	body := toUTF8(raw, contentType)
	total := -1
	if maxItems > 0 {
		body, total = capItems(body, maxItems)
	}
	f, err := parseUTF8(body, contentType)
	if err != nil {
		return nil, 0, err
	}
	total = max(total, len(f.Items))
	if maxItems > 0 && len(f.Items) > maxItems {
		f.Items = f.Items[:maxItems]
	}
	return f, total, nil
}

func parseUTF8(body []byte, contentType string) (*gofeed.Feed, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w (empty document)", ErrNotFeed)
	}
	if looksLikeHTML(body) {
		return nil, ErrHTMLPage
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		if mediaType(contentType) == "text/html" {
			return nil, ErrHTMLPage
		}
		return nil, fmt.Errorf("%w: %w", ErrNotFeed, err)
	}
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	fillDates(f)
	return f, nil
}

// fillDates parses item dates gofeed left unparsed because of a localised
// weekday ("mer, 16 nov 2022 00:38:15 +0100"): without a date an item's
// event has no time, and the planner cannot tell old from new.
func fillDates(f *gofeed.Feed) {
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		if it.PublishedParsed == nil {
			it.PublishedParsed = lenientDate(it.Published)
		}
		if it.UpdatedParsed == nil {
			it.UpdatedParsed = lenientDate(it.Updated)
		}
	}
}

var lenientLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04 MST",
}

// lenientDate parses an RFC 822 date after dropping whatever weekday
// precedes the comma. nil when it still does not parse.
func lenientDate(s string) *time.Time {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ','); i >= 0 && i <= 12 {
		s = strings.TrimSpace(s[i+1:])
	}
	if s == "" {
		return nil
	}
	for _, layout := range lenientLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return &t
		}
	}
	return nil
}

// toUTF8 returns body as UTF-8 with any XML encoding declaration rewritten
// to utf-8. The order of evidence: a byte order mark, then the UTF-16/32
// shape of "<?", then "it already is valid UTF-8" (a prolog or header that
// says otherwise is wrong, and decoding again would garble it), then the
// HTTP charset, then the prolog, and last a mixed decode that keeps valid
// UTF-8 sequences and reads stray bytes as Windows-1252.
func toUTF8(body []byte, contentType string) []byte {
	if enc, n := sniffUnicode(body); enc != nil {
		out, err := enc.NewDecoder().Bytes(body[n:])
		if err == nil {
			return rewriteProlog(bytes.ToValidUTF8(out, []byte("\uFFFD")))
		}
	}
	body = bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))
	if utf8.Valid(body) {
		return rewriteProlog(body)
	}
	for _, label := range []string{contentTypeCharset(contentType), prologEncoding(body)} {
		if label == "" {
			continue
		}
		enc, name := charset.Lookup(label)
		if enc == nil || name == "utf-8" {
			continue
		}
		out, err := enc.NewDecoder().Bytes(body)
		if err != nil {
			continue
		}
		return rewriteProlog(bytes.ToValidUTF8(out, []byte("\uFFFD")))
	}
	return rewriteProlog(mixedDecode(body))
}

// sniffUnicode recognises UTF-16 and UTF-32 by BOM or by the byte pattern of
// a leading '<' (XML 1.0 appendix F). It returns the decoder and how many
// bytes to skip.
func sniffUnicode(b []byte) (encoding.Encoding, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), 4
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), 4
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 2
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 2
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0x00, '<'}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), 0
	case bytes.HasPrefix(b, []byte{'<', 0x00, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), 0
	case bytes.HasPrefix(b, []byte{0x00, '<', 0x00}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 0
	case bytes.HasPrefix(b, []byte{'<', 0x00}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 0
	}
	return nil, 0
}

// mixedDecode keeps valid UTF-8 and reads each invalid byte as Windows-1252
// (a superset of printable Latin-1), the usual state of an undeclared feed
// assembled from several sources.
func mixedDecode(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, charmap.Windows1252.DecodeByte(b[0]))
			b = b[1:]
			continue
		}
		out = append(out, b[:size]...)
		b = b[size:]
	}
	return out
}

var (
	prologRE   = regexp.MustCompile(`^\s*<\?xml[^>]*\?>`)
	encodingRE = regexp.MustCompile(`(?i)encoding\s*=\s*["']?([A-Za-z0-9._:-]*)["']?`)
)

// prologEncoding returns the encoding named in the XML declaration, if any.
func prologEncoding(b []byte) string {
	decl := prologRE.Find(b[:min(len(b), 512)])
	if decl == nil {
		return ""
	}
	m := encodingRE.FindSubmatch(decl)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// rewriteProlog makes the XML declaration of an already-UTF-8 document say
// utf-8, so encoding/xml does not convert it a second time.
func rewriteProlog(b []byte) []byte {
	loc := prologRE.FindIndex(b[:min(len(b), 512)])
	if loc == nil {
		return b
	}
	decl := b[loc[0]:loc[1]]
	if !encodingRE.Match(decl) {
		return b
	}
	fixed := encodingRE.ReplaceAll(decl, []byte(`encoding="utf-8"`))
	out := make([]byte, 0, len(b)-len(decl)+len(fixed))
	out = append(out, b[:loc[0]]...)
	out = append(out, fixed...)
	return append(out, b[loc[1]:]...)
}

// contentTypeCharset returns the charset parameter of a Content-Type,
// tolerating the spaces and quotes real servers send.
func contentTypeCharset(ct string) string {
	if ct == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(ct); err == nil {
		return params["charset"]
	}
	lower := strings.ToLower(ct)
	i := strings.Index(lower, "charset")
	if i < 0 {
		return ""
	}
	v := strings.TrimLeft(lower[i+len("charset"):], " \t")
	v, ok := strings.CutPrefix(v, "=")
	if !ok {
		return ""
	}
	v = strings.Trim(v, " \t\"'")
	if j := strings.IndexAny(v, "; \t\"'"); j >= 0 {
		v = v[:j]
	}
	return v
}

func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// looksLikeHTML reports whether the first markup of b (after the XML
// declaration, comments and processing instructions) is an HTML doctype or
// an <html> element.
func looksLikeHTML(b []byte) bool {
	b = b[:min(len(b), 4096)]
	for {
		b = bytes.TrimLeft(b, " \t\r\n\uFEFF")
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return false
			}
			b = b[i+2:]
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b, []byte("-->"))
			if i < 0 {
				return false
			}
			b = b[i+3:]
		default:
			return hasPrefixFold(b, "<!doctype html") || hasPrefixFold(b, "<html")
		}
	}
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}
