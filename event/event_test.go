package event

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestNewIsDeterministic(t *testing.T) {
	at := time.Date(2026, 8, 12, 16, 0, 0, 0, time.UTC)
	item := FeedItem{Feed: "go-blog", GUID: "tag:x", Title: "T"}
	a, err := New("feed:go-blog", TypeFeedItem, item.Ref(), "T", at, at, item)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New("feed:go-blog", TypeFeedItem, item.Ref(), "T", at, at.Add(time.Hour), item)
	if a.ID != b.ID || len(a.ID) != 24 {
		t.Fatalf("ids %q and %q: the same item must get the same 24-char id", a.ID, b.ID)
	}
	c, _ := New("feed:other", TypeFeedItem, item.Ref(), "T", at, at, item)
	if c.ID == a.ID {
		t.Fatal("another source must give another id")
	}
	// Parts are separated, so shifting text between them changes the id.
	if ID("ab", "c") == ID("a", "bc") {
		t.Fatal("ID must not be ambiguous across parts")
	}
	var back FeedItem
	if err := a.Decode(&back); err != nil || back.GUID != "tag:x" {
		t.Fatalf("decode: %+v %v", back, err)
	}
	if a.SourceKind() != "feed" || a.SourceName() != "go-blog" {
		t.Fatalf("source parts: %q %q", a.SourceKind(), a.SourceName())
	}
}

func TestFeedItemRef(t *testing.T) {
	if r := (FeedItem{GUID: "g", Link: "l"}).Ref(); r != "g" {
		t.Fatalf("GUID first, got %q", r)
	}
	if r := (FeedItem{Link: "l"}).Ref(); r != "l" {
		t.Fatalf("link fallback, got %q", r)
	}
}

// TestZeroTimesOmitted: a time that is not known (a suggestion that is not
// a reminder, an event with no source time, a relative alarm, a feed item
// without dates, a mail without a Date header) is left out of the JSON,
// not written as the year 1.
func TestZeroTimesOmitted(t *testing.T) {
	seen := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	cal := CalendarEvent{
		Calendar: "work", UID: "u@test", WindowStart: seen, WindowEnd: seen.Add(time.Hour),
		Alarms:      []Alarm{{Before: 10 * time.Minute, Action: "DISPLAY"}},
		Occurrences: []Occurrence{{RecurrenceID: "x", Start: seen, End: seen.Add(time.Hour)}},
	}
	values := map[string]any{
		"suggestion": Suggestion{SpecVersion: SpecVersion, ID: "s", Kind: "suggestion", Created: seen},
		"calendar":   cal,
		"feed item":  FeedItem{Feed: "f", FeedURL: "https://example.com/feed", Title: "t"},
		"mail":       Mail{Account: "work", Mailbox: "INBOX", MessageID: "m@test"},
	}
	for _, data := range []any{cal, FeedItem{Feed: "f"}, Mail{Account: "work"}} {
		ev, err := New("calendar:work", TypeCalendarChanged, "k", "s", time.Time{}, seen, data)
		if err != nil {
			t.Fatal(err)
		}
		values[fmt.Sprintf("event of %T", data)] = ev
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "0001-01-01") {
				t.Errorf("zero time in %s", b)
			}
		})
	}
}
