package feed

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

func TestPlainText(t *testing.T) {
	tests := map[string]struct {
		in    string
		limit int
		want  string
	}{
		"plain":               {in: "  hello \n world ", limit: 100, want: "hello world"},
		"tags and entities":   {in: "<p>Hello <b>world</b> &amp; friends&nbsp;&eacute;</p>", limit: 100, want: "Hello world & friends é"},
		"script dropped":      {in: "a<script>alert('x')</script>b<style>p{}</style>c", limit: 100, want: "a b c"},
		"block tags separate": {in: "<p>one</p><p>two</p><br/>three", limit: 100, want: "one two three"},
		"clipped":             {in: "<p>abcdefghij</p>", limit: 5, want: "abcd…"},
		"clipped by runes":    {in: "ééééééé", limit: 3, want: "éé…"},
		"lone ampersand":      {in: "AT&T rocks", limit: 100, want: "AT&T rocks"},
		"empty":               {in: "", limit: 10, want: ""},
		"c1 controls":         {in: "don\u0092t \u0093quote\u0094 &#150; x", limit: 100, want: "don’t “quote” – x"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := plainText(tc.in, tc.limit); got != tc.want {
				t.Errorf("plainText(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
			}
		})
	}
}

func TestPlainTextBoundsHugeInput(t *testing.T) {
	in := strings.Repeat("<p>word word word</p>", 100000)
	got := plainText(in, maxSummaryRunes)
	if n := len([]rune(got)); n > maxSummaryRunes {
		t.Fatalf("summary has %d runes, limit %d", n, maxSummaryRunes)
	}
}

func TestNormalizeLink(t *testing.T) {
	same := map[string][2]string{
		"scheme":           {"http://example.org/a", "https://example.org/a"},
		"www and case":     {"https://WWW.Example.org/a", "https://example.org/a"},
		"trailing slash":   {"https://example.org/a/", "https://example.org/a"},
		"fragment":         {"https://example.org/a#comments", "https://example.org/a"},
		"default port":     {"https://example.org:443/a", "https://example.org/a"},
		"utm parameters":   {"https://example.org/a?utm_source=rss&id=3", "https://example.org/a?id=3"},
		"parameter order":  {"https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"},
		"relative unknown": {"Some-Thing", "some-thing"},
	}
	for name, pair := range same {
		t.Run(name, func(t *testing.T) {
			if a, b := normalizeLink(pair[0]), normalizeLink(pair[1]); a != b {
				t.Errorf("normalizeLink(%q) = %q, normalizeLink(%q) = %q; want equal", pair[0], a, pair[1], b)
			}
		})
	}
	if normalizeLink("https://example.org/a") == normalizeLink("https://example.org/b") {
		t.Error("different paths normalise equal")
	}
	if normalizeLink("https://example.org/a?id=1") == normalizeLink("https://example.org/a?id=2") {
		t.Error("different ids normalise equal")
	}
}

func TestNewEntry(t *testing.T) {
	pub := time.Date(2026, 3, 3, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	upd := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	f := &gofeed.Feed{Title: "  The Feed "}
	base, _ := url.Parse("https://example.org/blog/feed.xml")
	tests := map[string]struct {
		item     gofeed.Item
		wantKey  string
		wantLink string
		wantTime time.Time
		nDedup   int
	}{
		"guid wins": {
			item:    gofeed.Item{GUID: "g1", Link: "https://example.org/1", Title: "T", PublishedParsed: &pub, UpdatedParsed: &upd},
			wantKey: "g1", wantLink: "https://example.org/1", wantTime: pub.UTC(), nDedup: 3,
		},
		"link when no guid, resolved": {
			item:    gofeed.Item{Link: "../p/2", Title: "T", UpdatedParsed: &upd},
			wantKey: "https://example.org/p/2", wantLink: "https://example.org/p/2", wantTime: upd, nDedup: 3,
		},
		"content hash when neither": {
			item:    gofeed.Item{Title: "Only a title", Description: "and text"},
			wantKey: "content:", nDedup: 2,
		},
		"nothing at all": {item: gofeed.Item{}, wantKey: "content:", nDedup: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEntry("news", f, &tc.item, "https://example.org/blog/feed.xml", base)
			if !strings.HasPrefix(e.Key, tc.wantKey) || (tc.wantKey != "content:" && e.Key != tc.wantKey) {
				t.Errorf("key = %q, want %q", e.Key, tc.wantKey)
			}
			if e.Item.Link != tc.wantLink {
				t.Errorf("link = %q, want %q", e.Item.Link, tc.wantLink)
			}
			if !e.when().Equal(tc.wantTime) {
				t.Errorf("time = %v, want %v", e.when(), tc.wantTime)
			}
			if len(e.Dedup) != tc.nDedup {
				t.Errorf("dedup keys = %d, want %d", len(e.Dedup), tc.nDedup)
			}
			if e.Item.FeedTitle != "The Feed" || e.Item.Feed != "news" {
				t.Errorf("feed = %q / %q", e.Item.Feed, e.Item.FeedTitle)
			}
		})
	}
}
