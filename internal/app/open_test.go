package app

import (
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
)

// TestOpenOpensOnlyWebLinks: the desktop's Open accepts the suggestion and
// opens its link, if it is an http(s) link; a file: or other link from a
// mail or feed is never opened.
func TestOpenOpensOnlyWebLinks(t *testing.T) {
	cfg, err := config.Parse("c.yaml", []byte("user: {timezone: UTC}\n"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	a, err := New(Options{Config: cfg, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var opened []string
	a.opener = func(link string) error { opened = append(opened, link); return nil }
	book := suggestions.New(state.NewMemory(), &suggestions.MemoryOutbox{}, a.now)
	for i, link := range []string{"https://go.dev/blog/go1.27", "file:///etc/passwd", "javascript:alert(1)", ""} {
		s := event.Suggestion{ID: event.ID("open", link), Kind: event.KindSuggestion, Title: "t", Link: link, Rule: "r", Created: now}
		if _, err := book.Offer(t.Context(), s); err != nil {
			t.Fatal(err)
		}
		action := "default"
		if i == 1 {
			action = "open"
		}
		a.feedback(t.Context(), book, time.UTC, s.ID, action)
		if rec, _ := book.Get(t.Context(), s.ID); rec.Status != event.StatusAccepted {
			t.Errorf("%q: status %s", link, rec.Status)
		}
	}
	if len(opened) != 1 || opened[0] != "https://go.dev/blog/go1.27" {
		t.Fatalf("opened %q, want only the https link", opened)
	}
}
