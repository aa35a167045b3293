package feed

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFloodIsCapped: a new feed of 2,000 matching items gave 2,000
// notifications (98,000 in 76 s for a real 10 MB feed). Now the newest 50
// are announced, the others counted in one log line and remembered, so a
// later poll announces only what is new.
func TestFloodIsCapped(t *testing.T) {
	ctx := context.Background()
	items := func(from, to int) []testItem {
		var out []testItem
		for i := to; i >= from; i-- { // newest first
			out = append(out, testItem{GUID: fmt.Sprint("g", i), Link: fmt.Sprint("https://example.org/", i), Title: fmt.Sprint("Item ", i)})
		}
		return out
	}
	h := newFeedHandler(rssDoc("News", items(1, 2000)...))
	srv := httptest.NewServer(h)
	defer srv.Close()
	var logs logBuffer
	w, _ := newTestWatcher(t, Config{URL: srv.URL, MaxItems: 500}, nil, logs.logger())
	var rec recorder
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	evs := rec.take()
	if len(evs) != DefaultMaxNew {
		t.Fatalf("first poll: %d events, want %d", len(evs), DefaultMaxNew)
	}
	if evs[0].Subject != "Item 1951" || evs[len(evs)-1].Subject != "Item 2000" {
		t.Errorf("announced %q … %q, want the newest 50 oldest first (Item 1951 … Item 2000)", evs[0].Subject, evs[len(evs)-1].Subject)
	}
	if got := strings.Count(logs.String(), "feed flood capped"); got != 1 {
		t.Fatalf("%d summary lines, want 1:\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "and 1,950 more items in news") {
		t.Errorf("summary does not count the 1,950 others:\n%s", logs.String())
	}

	// Two new items on top, one old item from the quiet part moved up:
	// only the two new ones are announced.
	next := append(items(2001, 2002), items(1, 2000)...)
	next = append([]testItem{next[0], next[1], {GUID: "g1600", Link: "https://example.org/1600", Title: "Item 1600"}}, next[2:]...)
	h.set(rssDoc("News", next...))
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := subjects(rec.take()); strings.Join(got, ",") != "Item 2001,Item 2002" {
		t.Fatalf("second poll announced %q, want Item 2001 and Item 2002", got)
	}
	if got := strings.Count(logs.String(), "feed flood capped"); got != 1 {
		t.Errorf("a poll without a flood logged a summary:\n%s", logs.String())
	}
}

// TestCapItemsCutsLargeDocuments: a document over capScanMin is cut after
// its limit-th item before gofeed sees it, for RSS, Atom and RDF alike,
// and the cut document still parses, with the feed's own fields.
func TestCapItemsCutsLargeDocuments(t *testing.T) {
	const n, limit = 5000, 300
	pad := strings.Repeat("x", 60)
	docs := map[string]func(i int) string{
		"rss": func(i int) string {
			return fmt.Sprintf("<item><guid>g%d</guid><title>%s %d</title></item>\n", i, pad, i)
		},
		"atom": func(i int) string {
			return fmt.Sprintf("<entry><id>g%d</id><title>%s %d</title><updated>2026-01-01T00:00:00Z</updated></entry>\n", i, pad, i)
		},
		"rdf": func(i int) string {
			return fmt.Sprintf("<item><link>https://e.org/%d</link><title>%s %d</title></item>\n", i, pad, i)
		},
	}
	heads := map[string][2]string{
		"rss":  {`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>`, "</channel></rss>"},
		"atom": {`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>x</id>`, "</feed>"},
		"rdf": {`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>T</title></channel>`,
			"</rdf:RDF>"},
	}
	for name, item := range docs {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			b.WriteString(heads[name][0])
			for i := n; i > 0; i-- {
				b.WriteString(item(i))
			}
			b.WriteString(heads[name][1])
			if b.Len() < capScanMin {
				t.Fatalf("document of %d bytes is not scanned", b.Len())
			}
			cut, total := capItems(b.Bytes(), limit)
			if total != n {
				t.Errorf("counted %d items, want %d", total, n)
			}
			if len(cut) > b.Len()/10 {
				t.Errorf("cut document has %d of %d bytes", len(cut), b.Len())
			}
			f, total, err := parseCapped(b.Bytes(), "", limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != limit || total != n || f.Title != "T" {
				t.Fatalf("parsed %d items of %d, title %q; want %d of %d, title T", len(f.Items), total, f.Title, limit, n)
			}
			if !strings.HasSuffix(f.Items[0].Title, fmt.Sprint(" ", n)) {
				t.Errorf("first item %q, want the newest", f.Items[0].Title)
			}
		})
	}
	small := []byte(rssDoc("S", testItem{GUID: "a", Title: "A"}))
	if got, total := capItems(small, 1); !bytes.Equal(got, small) || total != -1 {
		t.Errorf("a small document was scanned or changed")
	}
}
