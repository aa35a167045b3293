package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/suggestions"
)

// offerOnDataDir offers s in the data dir's suggestion book, as the
// planner of a daemon would.
func offerOnDataDir(t *testing.T, cfg *config.Config, s event.Suggestion) {
	t.Helper()
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{DataDir: cfg.Bus.DataDir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	store, err := b.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := suggestions.New(store, &suggestions.MemoryOutbox{}, suggestionsNow).Offer(ctx, s); err != nil {
		t.Fatal(err)
	}
}

// TestSuggestionsQuieter: three dismissals of a rule's suggestions with
// `agentd suggestions dismiss` make its next one quieter, and the list
// says why.
func TestSuggestionsQuieter(t *testing.T) {
	path, cfg := suggestionsSetup(t)
	newsletter := func(i int) event.Suggestion {
		return event.Suggestion{ID: fmt.Sprintf("0eada%019d", i), Kind: event.KindSuggestion, Priority: event.PriorityNormal,
			Title: fmt.Sprintf("Read newsletter %d", i), Rule: "newsletter", Why: "it is a newsletter", Created: suggestionsNow().Add(-time.Hour)}
	}
	for i := range suggestions.QuieterAfter {
		offerOnDataDir(t, cfg, newsletter(i))
		if code, out, errOut := runSuggestions(t, "dismiss", newsletter(i).ID, "--config", path); code != 0 {
			t.Fatalf("dismiss %d: exit %d, %q, %q", i, code, out, errOut)
		}
	}
	offerOnDataDir(t, cfg, newsletter(9))
	code, out, errOut := runSuggestions(t, "--config", path)
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errOut)
	}
	want := "0eada000  pending    suggestion  low     made Tue 2036-03-11 01:00  Read newsletter 9 (quieter: you dismissed 3 of these lately)"
	if !strings.Contains(out, want) {
		t.Errorf("list:\n%s\nwant a line\n%s", out, want)
	}
}
