package app

import (
	"context"
	"strings"
	"testing"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

func TestOwnWords(t *testing.T) {
	cases := map[string]string{
		"Hi Bob,\n\nsounds good, see you then.\n\nOn Tue, 1 Dec 2026, Bob <b@x> wrote:\n> can we meet?": "Hi Bob,\n\nsounds good, see you then.",
		"Bonjour,\nc'est noté.\nLe mar. 1 déc. 2026, Paul a écrit :\n> ok ?":                            "Bonjour,\nc'est noté.",
		"Hallo Jürgen,\npasst.\nAm 01.12.2026 schrieb Jürgen:\n> ok?":                                   "Hallo Jürgen,\npasst.",
		"Thanks!\n-- \nAlice\nCEO":                           "Thanks!",
		"Fine by me.\n\n-----Original Message-----\nFrom: x": "Fine by me.",
		"> only a quote":                                     "",
	}
	for in, want := range cases {
		if got := ownWords(in); got != want {
			t.Errorf("ownWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStyleBookKeepsNewestFew(t *testing.T) {
	ctx := context.Background()
	b := styleBook{store: state.NewMemory()}
	for i := range styleExamples + 2 {
		text := strings.Repeat("word ", 10) + string(rune('a'+i))
		if err := b.Add(ctx, event.Mail{Account: "work", Text: text + "\n\nOn Mon, X wrote:\n> q"}); err != nil {
			t.Fatal(err)
		}
	}
	// Too short to show a style, and another account's mail.
	b.Add(ctx, event.Mail{Account: "work", Text: "ok"})
	b.Add(ctx, event.Mail{Account: "home", Text: strings.Repeat("home ", 20)})
	got, err := b.List(ctx, "work")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != styleExamples {
		t.Fatalf("kept %d examples, want %d: %q", len(got), styleExamples, got)
	}
	if !strings.HasSuffix(got[0], string(rune('a'+styleExamples+1))) || strings.Contains(got[0], "wrote") {
		t.Fatalf("newest first, own words only: %q", got[0])
	}
	// The same text twice is kept once.
	b.Add(ctx, event.Mail{Account: "home", Text: strings.Repeat("home ", 20)})
	if h, _ := b.List(ctx, "home"); len(h) != 1 {
		t.Fatalf("home examples: %q", h)
	}
}
