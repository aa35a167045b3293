package event

import (
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
