package feed

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// TestHugeItemIsBounded: an item with a 2 MB title, a 2 MB link and GUID
// and 100,000 categories made an event over the bus's 1 MB limit; its
// event is now small, its cuts marked, and its identity unchanged.
func TestHugeItemIsBounded(t *testing.T) {
	f := &gofeed.Feed{Title: "News"}
	base, _ := url.Parse("https://example.org/feed.xml")
	cats := make([]string, 100000)
	for i := range cats {
		cats[i] = "category"
	}
	huge := strings.Repeat("x", 2<<20)
	it := &gofeed.Item{
		GUID: huge, Link: "https://example.org/" + huge, Title: huge, Description: huge, Categories: cats,
		Authors: []*gofeed.Person{{Name: huge}},
	}
	e := newEntry("news", f, it, "https://example.org/feed.xml", base)
	raw, err := json.Marshal(e.Item)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 16<<10 {
		t.Fatalf("item data of %d bytes, want at most 16 KiB", len(raw))
	}
	for _, field := range []string{"categories", "authors", "link", "guid"} {
		if !slices.Contains(e.Item.Truncated, field) {
			t.Errorf("truncated = %v, want %q in it", e.Item.Truncated, field)
		}
	}
	if e.Key != huge {
		t.Error("the item's key must stay its whole GUID: dedup must not change")
	}
	small := newEntry("news", f, &gofeed.Item{GUID: "g", Link: "https://example.org/1", Title: "T", Categories: []string{"a"}}, "https://example.org/feed.xml", base)
	if len(small.Item.Truncated) != 0 {
		t.Errorf("a small item is marked truncated: %v", small.Item.Truncated)
	}
}
