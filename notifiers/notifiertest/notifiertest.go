// Package notifiertest is the test suite every Notifier implementation
// passes, so the dispatcher can rely on the same behaviour from all of them.
package notifiertest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
)

// Factory builds a fresh notifier for one test, connected to a real peer,
// and readBack, which returns what reached the user so far: one string per
// delivered suggestion, in delivery order, that contains its title.
type Factory func(t *testing.T) (n notifiers.Notifier, readBack func() []string)

// validName is what a notifier name must look like: it keys the delivery log
// and shows up in logs and config.
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Run runs the suite against the notifiers newNotifier builds.
func Run(t *testing.T, newNotifier Factory) {
	t.Helper()
	tests := map[string]func(t *testing.T, n notifiers.Notifier, readBack func() []string){
		"name is a stable token": func(t *testing.T, n notifiers.Notifier, _ func() []string) {
			if name := n.Name(); !validName.MatchString(name) {
				t.Errorf("Name() = %q, want a lower-case token matching %s", name, validName)
			}
			if a, b := n.Name(), n.Name(); a != b {
				t.Errorf("Name() changed between calls: %q, %q", a, b)
			}
		},
		"batch of two delivers two in order": func(t *testing.T, n notifiers.Notifier, readBack func() []string) {
			s1, s2 := Sample("batch-1"), Sample("batch-2")
			retry, err := n.Notify(t.Context(), s1, s2)
			if err != nil {
				t.Fatalf("Notify: retry=%v err=%v", retry, err)
			}
			got := readBack()
			if len(got) != 2 {
				t.Fatalf("delivered %d, want 2: %q", len(got), got)
			}
			for i, s := range []event.Suggestion{s1, s2} {
				if !strings.Contains(got[i], s.Title) {
					t.Errorf("delivery %d = %q, want it to contain title %q", i, got[i], s.Title)
				}
			}
		},
		"empty batch is a no-op": func(t *testing.T, n notifiers.Notifier, readBack func() []string) {
			retry, err := n.Notify(t.Context())
			if err != nil || retry {
				t.Fatalf("Notify() = retry %v, err %v; want false, nil", retry, err)
			}
			if got := readBack(); len(got) != 0 {
				t.Errorf("empty batch delivered %q", got)
			}
		},
		"cancelled context delivers nothing and asks for a retry": func(t *testing.T, n notifiers.Notifier, readBack func() []string) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			retry, err := n.Notify(ctx, Sample("cancelled"))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Notify with a cancelled context: err = %v, want context.Canceled", err)
			}
			if !retry {
				t.Errorf("Notify with a cancelled context: retry = false, want true (nothing is wrong with the suggestion)")
			}
			if got := readBack(); len(got) != 0 {
				t.Errorf("cancelled Notify delivered %q", got)
			}
		},
		"concurrent calls each deliver": func(t *testing.T, n notifiers.Notifier, readBack func() []string) {
			const callers = 8
			var wg sync.WaitGroup
			errs := make([]error, callers)
			for i := range callers {
				wg.Go(func() {
					_, errs[i] = n.Notify(t.Context(), Sample(fmt.Sprintf("concurrent-%d", i)))
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("concurrent Notify: %v", err)
			}
			got := readBack()
			if len(got) != callers {
				t.Fatalf("delivered %d, want %d: %q", len(got), callers, got)
			}
			for i := range callers {
				title := Sample(fmt.Sprintf("concurrent-%d", i)).Title
				found := 0
				for _, g := range got {
					if strings.Contains(g, title+" ") || strings.HasSuffix(g, title) {
						found++
					}
				}
				if found != 1 {
					t.Errorf("title %q delivered %d times, want once: %q", title, found, got)
				}
			}
		},
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			n, readBack := newNotifier(t)
			test(t, n, readBack)
		})
	}
}

// Sample returns a plain suggestion whose title contains key.
func Sample(key string) event.Suggestion {
	created := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	return event.Suggestion{
		SpecVersion: event.SpecVersion,
		ID:          event.ID("notifiertest", key),
		Kind:        event.KindSuggestion,
		Title:       "Conformance " + key,
		Body:        "Body of " + key,
		Priority:    event.PriorityNormal,
		Created:     created,
		About:       []event.About{{Source: "feed:test", Type: event.TypeFeedItem, Ref: key}},
		Link:        "https://example.org/" + key,
		Actions:     []string{"open", "dismiss", "snooze"},
		Rule:        "notifiertest",
		Why:         "the conformance suite asked for it",
	}
}
