package feed

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/agentd/agentd/internal/testcorpus"
)

// maxItemJSON bounds the event data of one item, whatever the feed holds:
// every field is cut (title, summary, 20 names of 100 runes, 2 KB links),
// and JSON escapes at worst a rune into 6 bytes; far under the bus's 1 MB.
const maxItemJSON = 64 << 10

// Corpus seeds: up to fuzzSeeds files of at most fuzzSeedMax bytes. The
// fuzzer runs every seed before mutating (the whole corpus would take
// minutes), and a large file slows every iteration that starts from it.
const (
	fuzzSeeds   = 150
	fuzzSeedMax = 16 << 10
)

// FuzzFeedItems parses any bytes with any Content-Type and turns every
// item into its event data, as the watcher does. Whatever the input:
// no panic; an error or a feed, never neither; no more items than input
// bytes; every item's event data valid UTF-8 and at most 64 KiB.
//
// Seeds: testdata, testdata/fuzz/FuzzFeedItems (crashers found before),
// and a sample of the small feeds of ../shared/corpus when present (the
// feedparser cases with the Content-Type their "Header:" line names).
//
//	go test ./watchers/feed -run '^$' -fuzz '^FuzzFeedItems$' -fuzztime 5m
func FuzzFeedItems(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, p := range files {
		if body, err := os.ReadFile(p); err == nil {
			f.Add(body, "")
		}
	}
	for _, body := range testcorpus.Seeds("feeds", fuzzSeedMax, fuzzSeeds, nil) {
		f.Add(body, corpusContentType(body))
	}
	f.Add([]byte(`<rss><channel><item><title>a</title><category>`+string(bytes.Repeat([]byte("c"), 300))+`</category></item></channel></rss>`), "application/rss+xml")
	f.Add([]byte("\xff\xfe<\x00f\x00e\x00e\x00d\x00>\x00"), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":"1","url":"../x","authors":[{"name":"\u0000"}]}]}`), "application/json")

	base, _ := url.Parse("https://example.org/feed.xml")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		feed, err := Parse(bytes.NewReader(body), contentType)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without text")
			}
			return
		}
		if feed == nil {
			t.Fatal("no error and no feed")
		}
		if len(feed.Items) > len(body) {
			t.Fatalf("%d items from %d bytes", len(feed.Items), len(body))
		}
		for _, it := range feed.Items {
			if it == nil {
				continue
			}
			e := newEntry("fuzz", feed, it, base.String(), base)
			raw, err := json.Marshal(e.Item)
			if err != nil {
				t.Fatalf("item data does not encode: %v", err)
			}
			if len(raw) > maxItemJSON {
				t.Fatalf("item data of %d bytes, want at most %d", len(raw), maxItemJSON)
			}
			for _, s := range append([]string{e.Item.Title, e.Item.Summary, e.Item.Link, e.Item.GUID, e.Item.FeedTitle}, append(e.Item.Categories, e.Item.Authors...)...) {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in the item data: %q", s)
				}
			}
			if utf8.RuneCountInString(e.Item.Title) > maxTitleRunes+1 || utf8.RuneCountInString(e.Item.Summary) > maxSummaryRunes+1 {
				t.Fatalf("title of %d runes or summary of %d", utf8.RuneCountInString(e.Item.Title), utf8.RuneCountInString(e.Item.Summary))
			}
			if e.Key == "" || len(e.Dedup) == 0 {
				t.Fatalf("item without a key (%q) or dedup hashes", e.Key)
			}
		}
	})
}
