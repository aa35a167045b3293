package message

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// maxLinkLen drops URLs longer than this (tracking redirects) from the
// text; the link text stays.
const maxLinkLen = 500

// htmlToText renders HTML as readable text: block elements become line
// breaks, list items "- ", links "text (url)"; scripts, styles and hidden
// preheaders are dropped and entities decoded. The output is cut at max
// bytes (truncated reports it).
func htmlToText(src string, max int) (text string, truncated bool) {
	c := htmlConverter{max: max, hide: true}
	c.run(src)
	if strings.TrimSpace(c.b.String()) == "" && c.hidden {
		// Everything sat inside a hidden element (a never-closed
		// display:none div): showing it beats showing nothing.
		c = htmlConverter{max: max}
		c.run(src)
	}
	return c.b.String(), c.truncated
}

// blockNewlines is the number of line breaks around each block element.
var blockNewlines = map[string]int{
	"p": 2, "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2, "blockquote": 2, "hr": 2,
	"div": 1, "tr": 1, "table": 1, "ul": 1, "ol": 1, "li": 1, "dl": 1, "dt": 1, "dd": 1,
	"section": 1, "article": 1, "header": 1, "footer": 1, "center": 1, "address": 1,
	"form": 1, "fieldset": 1, "figure": 1, "figcaption": 1, "main": 1, "nav": 1,
	"aside": 1, "caption": 1, "pre": 1, "body": 1,
}

// skipped elements carry no readable text.
var skipped = map[string]bool{
	"script": true, "style": true, "title": true, "template": true,
	"noframes": true, "object": true, "svg": true, "math": true, "xml": true,
}

var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

type htmlConverter struct {
	b         strings.Builder
	max       int
	truncated bool

	newlines int  // line breaks owed before the next text
	space    bool // a space owed before the next text
	pre      int  // depth of <pre>

	skipTag   string // inside an element whose content is dropped
	skipDepth int
	hide      bool // drop display:none elements
	hidden    bool // something was dropped as hidden

	linkHref  string
	linkStart int
	inLink    bool
}

func (c *htmlConverter) run(src string) {
	z := html.NewTokenizer(strings.NewReader(src))
	for !c.truncated {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return
		case html.TextToken:
			if c.skipDepth == 0 {
				c.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			c.start(string(name), hasAttr, z, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			c.end(string(name))
		}
	}
}

func (c *htmlConverter) start(name string, hasAttr bool, z *html.Tokenizer, selfClosing bool) {
	var href, style, alt string
	hiddenAttr := false
	for hasAttr {
		var k, v []byte
		k, v, hasAttr = z.TagAttr()
		switch string(k) {
		case "href":
			href = strings.TrimSpace(string(v))
		case "style":
			style = string(v)
		case "alt":
			alt = string(v)
		case "hidden":
			hiddenAttr = true
		}
	}
	if c.skipDepth > 0 {
		if name == c.skipTag && !selfClosing {
			c.skipDepth++
		}
		return
	}
	void := voidElements[name] || selfClosing
	if skipped[name] && !void {
		c.skipTag, c.skipDepth = name, 1
		return
	}
	if c.hide && !void && (hiddenAttr || isHiddenStyle(style)) {
		c.skipTag, c.skipDepth, c.hidden = name, 1, true
		return
	}
	switch name {
	case "br":
		c.newlines = min(c.newlines+1, 2)
		c.space = false
	case "li":
		c.block(1)
		c.text("- ")
	case "td", "th":
		c.space = true
	case "pre":
		c.block(1)
		c.pre++
	case "a":
		if c.inLink {
			c.closeLink()
		}
		c.inLink, c.linkHref, c.linkStart = true, usableLink(href), c.b.Len()
	case "img":
		if c.inLink && alt != "" {
			c.text(alt)
		}
	default:
		if n, ok := blockNewlines[name]; ok {
			c.block(n)
		}
	}
}

func (c *htmlConverter) end(name string) {
	if c.skipDepth > 0 {
		if name == c.skipTag {
			c.skipDepth--
		}
		return
	}
	switch name {
	case "pre":
		if c.pre > 0 {
			c.pre--
		}
		c.block(1)
	case "a":
		if c.inLink {
			c.closeLink()
		}
	case "td", "th":
		c.space = true
	default:
		if n, ok := blockNewlines[name]; ok {
			c.block(n)
		}
	}
}

// closeLink appends " (url)" after the link text unless the text already
// says it.
func (c *htmlConverter) closeLink() {
	c.inLink = false
	if c.linkHref == "" || c.linkStart > c.b.Len() {
		return
	}
	label := strings.TrimSpace(c.b.String()[c.linkStart:])
	if label == "" {
		return
	}
	bare := strings.TrimPrefix(strings.TrimPrefix(c.linkHref, "mailto:"), "tel:")
	if strings.EqualFold(strings.TrimSuffix(label, "/"), strings.TrimSuffix(bare, "/")) ||
		strings.EqualFold(label, strings.TrimPrefix(strings.TrimPrefix(bare, "https://"), "http://")) {
		return
	}
	c.space = false
	c.write(" (" + c.linkHref + ")")
}

// usableLink keeps http(s), mailto and tel links a reader could follow.
func usableLink(href string) string {
	l := strings.ToLower(href)
	if len(href) > maxLinkLen {
		return ""
	}
	for _, p := range []string{"http://", "https://", "mailto:", "tel:"} {
		if strings.HasPrefix(l, p) {
			return strings.Map(func(r rune) rune {
				if r <= ' ' || isControl(r) {
					return -1
				}
				return r
			}, href)
		}
	}
	return ""
}

func isHiddenStyle(style string) bool {
	if style == "" {
		return false
	}
	s := strings.ToLower(strings.ReplaceAll(style, " ", ""))
	return strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden") ||
		strings.Contains(s, "max-height:0") && strings.Contains(s, "overflow:hidden")
}

func (c *htmlConverter) block(n int) {
	if c.b.Len() == 0 {
		return
	}
	c.newlines = max(c.newlines, n)
	c.space = false
}

// text writes character data, collapsing whitespace outside <pre>.
func (c *htmlConverter) text(s string) {
	if c.pre > 0 {
		c.flush()
		c.write(cleanText(s))
		return
	}
	start := -1
	for i, r := range s {
		ws := r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u00a0' || r == '\u2007' || r == '\u202f'
		if ws || isControl(r) {
			if start >= 0 {
				c.flush()
				c.write(s[start:i])
				start = -1
			}
			if ws {
				c.space = true
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		c.flush()
		c.write(s[start:])
	}
}

// flush writes owed line breaks or a space before new text.
func (c *htmlConverter) flush() {
	if c.b.Len() == 0 {
		c.newlines, c.space = 0, false
		return
	}
	if c.newlines > 0 {
		c.write(strings.Repeat("\n", c.newlines))
	} else if c.space {
		c.write(" ")
	}
	c.newlines, c.space = 0, false
}

func (c *htmlConverter) write(s string) {
	if c.b.Len()+len(s) > c.max {
		room := c.max - c.b.Len()
		for room > 0 && !utf8.RuneStart(s[room]) {
			room--
		}
		if room > 0 {
			c.b.WriteString(s[:room])
		}
		c.truncated = true
		return
	}
	c.b.WriteString(s)
}
