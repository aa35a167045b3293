package feed

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
	"golang.org/x/text/encoding/charmap"

	"github.com/agentd/agentd/event"
)

// Bounds on what an event carries: however large an item, its event
// stays far below the bus's 1 MB limit. A cut text ends in "…"; a cut
// list or link is named in FeedItem.Truncated.
const (
	maxSummaryRunes = 500
	maxTitleRunes   = 300
	maxLinkBytes    = 2048 // a GUID or a link; a longer link is dropped
	maxListLen      = 20   // categories, authors
	maxNameRunes    = 100  // one category or author
)

// entry is one feed item ready to announce: its event data, the key its
// event id derives from, and the dedup keys it is remembered under.
type entry struct {
	Key  string
	Item event.FeedItem
	// Dedup are the "seen" hashes: the item key, and when present the
	// normalised link and the normalised title within this feed. Any one
	// already stored means the item was announced before.
	Dedup []string
}

// newEntry converts a parsed item. base resolves relative links.
func newEntry(feedName string, f *gofeed.Feed, it *gofeed.Item, feedURL string, base *url.URL) entry {
	title := clip(collapseSpace(it.Title), maxTitleRunes)
	summary := it.Description
	if strings.TrimSpace(summary) == "" {
		summary = it.Content
	}
	summary = plainText(summary, maxSummaryRunes)
	link := resolve(base, strings.TrimSpace(it.Link))
	guid := strings.TrimSpace(it.GUID)

	item := event.FeedItem{
		Feed:      feedName,
		FeedTitle: clip(collapseSpace(f.Title), maxTitleRunes),
		FeedURL:   feedURL,
		GUID:      guid,
		Link:      link,
		Title:     title,
		Summary:   summary,
	}
	var authors []string
	for _, a := range it.Authors {
		if a == nil {
			continue
		}
		switch {
		case a.Name != "":
			authors = append(authors, a.Name)
		case a.Email != "":
			authors = append(authors, a.Email)
		}
	}
	item.Categories = boundList(&item, "categories", it.Categories)
	item.Authors = boundList(&item, "authors", authors)
	if len(item.Link) > maxLinkBytes {
		item.Link = "" // a cut link leads nowhere
		item.Truncated = append(item.Truncated, "link")
	}
	if len(item.GUID) > maxLinkBytes {
		item.GUID = clip(item.GUID, maxLinkBytes)
		item.Truncated = append(item.Truncated, "guid")
	}
	if it.PublishedParsed != nil {
		item.Published = it.PublishedParsed.UTC()
	}
	if it.UpdatedParsed != nil {
		item.Updated = it.UpdatedParsed.UTC()
	}

	key := guid
	if key == "" {
		key = link
	}
	if key == "" {
		key = "content:" + event.Hash(title, summary)[:32]
	}
	e := entry{Key: key, Item: item}
	e.Dedup = append(e.Dedup, event.Hash("key", key)[:32])
	if n := normalizeLink(link); n != "" {
		e.Dedup = append(e.Dedup, event.Hash("link", n)[:32])
	}
	if n := strings.ToLower(title); n != "" {
		e.Dedup = append(e.Dedup, event.Hash("title", feedName, n)[:32])
	}
	return e
}

// boundList keeps the first maxListLen names, each cut to maxNameRunes,
// and marks a cut in item.Truncated as field.
func boundList(item *event.FeedItem, field string, names []string) []string {
	cut := len(names) > maxListLen
	if cut {
		names = names[:maxListLen]
	}
	var out []string
	for _, n := range names {
		c := clip(n, maxNameRunes)
		cut = cut || c != n
		out = append(out, c)
	}
	if cut {
		item.Truncated = append(item.Truncated, field)
	}
	return out
}

// when is the event time: published, else updated, else zero.
func (e entry) when() time.Time {
	if !e.Item.Published.IsZero() {
		return e.Item.Published
	}
	return e.Item.Updated
}

func resolve(base *url.URL, link string) string {
	if link == "" || base == nil {
		return link
	}
	u, err := url.Parse(link)
	if err != nil || u.IsAbs() {
		return link
	}
	return base.ResolveReference(u).String()
}

// normalizeLink reduces a link to what identifies the page: no scheme (http
// and https are the same article), lower-case host without "www." and
// default port, no fragment, no trailing slash, no utm_* tracking
// parameters.
func normalizeLink(link string) string {
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return strings.ToLower(link)
	}
	host := strings.ToLower(u.Hostname())
	host = strings.TrimPrefix(host, "www.")
	if p := u.Port(); p != "" && p != "80" && p != "443" {
		host += ":" + p
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "utm_") {
			q.Del(k)
		}
	}
	out := host + strings.TrimSuffix(u.EscapedPath(), "/")
	if enc := q.Encode(); enc != "" {
		out += "?" + enc
	}
	return out
}

// plainText turns an HTML fragment into one line of text of at most limit
// runes: tags dropped (script and style with their content), entities
// decoded, whitespace collapsed.
func plainText(s string, limit int) string {
	if !strings.ContainsAny(s, "<&") {
		return clip(collapseSpace(s), limit)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	// Enough text for limit runes after collapsing, with slack for
	// whitespace; stop tokenising a huge article early.
	budget := limit*8 + 64
	for b.Len() < budget {
		switch z.Next() {
		case html.ErrorToken:
			return clip(collapseSpace(b.String()), limit)
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			if isRawTextTag(name) {
				skip++
			}
			b.WriteByte(' ')
		case html.EndTagToken:
			name, _ := z.TagName()
			if isRawTextTag(name) && skip > 0 {
				skip--
			}
			b.WriteByte(' ')
		case html.SelfClosingTagToken:
			b.WriteByte(' ')
		}
	}
	return clip(collapseSpace(b.String()), limit)
}

func isRawTextTag(name []byte) bool {
	switch string(name) {
	case "script", "style", "noscript", "template":
		return true
	}
	return false
}

// collapseSpace joins the words of s with single spaces, first reading C1
// control characters as the Windows-1252 punctuation their writer meant
// (U+0092 -> ’): they are never intended as controls in feed text.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(demoronize(s)), " ")
}

func demoronize(s string) string {
	if !strings.ContainsFunc(s, isC1) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isC1(r) {
			return charmap.Windows1252.DecodeByte(byte(r))
		}
		return r
	}, s)
}

func isC1(r rune) bool { return r >= 0x80 && r <= 0x9F }

// clip bounds s to limit runes, marking a cut with "…".
func clip(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit-1 {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		n++
	}
	return s
}
