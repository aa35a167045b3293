package feed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics and that whatever it returns is
// valid UTF-8 text, whatever the bytes and Content-Type.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.*")) // not testdata/fuzz
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range seeds {
		body, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, "")
	}
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1"}]}`), "application/feed+json")
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"koi8-r\"?><rss><channel><title>\xf0\xd2</title></channel></rss>"), "text/xml; charset=utf-16")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		feed, err := Parse(strings.NewReader(string(body)), contentType)
		if err != nil {
			return
		}
		if !utf8.ValidString(feed.Title) {
			t.Errorf("title %q is not valid UTF-8", feed.Title)
		}
		for _, it := range feed.Items {
			if it == nil {
				continue
			}
			if !utf8.ValidString(it.Title) || !utf8.ValidString(it.Description) {
				t.Errorf("item text is not valid UTF-8: %q / %q", it.Title, it.Description)
			}
			if s := plainText(it.Description, maxSummaryRunes); utf8.RuneCountInString(s) > maxSummaryRunes {
				t.Errorf("summary of %d runes", utf8.RuneCountInString(s))
			}
		}
	})
}
