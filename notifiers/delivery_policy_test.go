package notifiers_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
)

var policyNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func dispatcher(t *testing.T, store state.Store, clock func() time.Time, targets []notifiers.Target, opts ...notifiers.Option) *notifiers.Dispatcher {
	t.Helper()
	d := notifiers.NewDispatcher(targets, store, nil, append([]notifiers.Option{
		notifiers.WithClock(clock), notifiers.WithRetry(1, time.Millisecond),
	}, opts...)...)
	t.Cleanup(d.Close)
	return d
}

func withSource(s event.Suggestion, source string) event.Suggestion {
	s.About = []event.About{{Source: source, Type: event.TypeMailReceived, Ref: s.ID}}
	return s
}

func TestRouteTree(t *testing.T) {
	ctx := context.Background()
	working := func(t time.Time) bool { return t.Hour() >= 9 && t.Hour() < 18 }
	routes := notifiers.Routes{Working: working, Rules: []notifiers.RouteRule{
		{MinPriority: event.PriorityHigh, Source: "mail:*", Channels: []string{"desktop", "ntfy"}},
		{Kinds: []string{event.KindDraft}, Channels: []string{"desktop"}, Continue: true},
		{Kinds: []string{event.KindDraft}, Hours: notifiers.HoursOff, Channels: []string{"ntfy"}},
		{Source: "feed:noisy", Channels: nil}, // digest only
	}}
	tests := map[string]struct {
		s    event.Suggestion
		at   time.Time
		want []string
	}{
		"high mail to desktop and ntfy": {withSource(suggestion("a", event.KindSuggestion, event.PriorityHigh), "mail:work"), policyNow, []string{"desktop", "ntfy"}},
		"normal mail: default routes":   {withSource(suggestion("b", event.KindSuggestion, event.PriorityNormal), "mail:work"), policyNow, []string{"terminal", "desktop"}},
		"draft in working hours":        {suggestion("c", event.KindDraft, event.PriorityNormal), policyNow, []string{"desktop"}},
		"draft off hours continues":     {suggestion("d", event.KindDraft, event.PriorityNormal), policyNow.Add(10 * time.Hour), []string{"desktop", "ntfy"}},
		"no channels: digest only":      {withSource(suggestion("e", event.KindSuggestion, event.PriorityUrgent), "feed:noisy"), policyNow, nil},
		"quiet suggestion goes nowhere": {func() event.Suggestion {
			s := withSource(suggestion("f", event.KindSuggestion, event.PriorityHigh), "mail:x")
			s.Quiet = true
			return s
		}(), policyNow, nil},
		"first match wins (no continue)":  {withSource(suggestion("g", event.KindDraft, event.PriorityHigh), "mail:work"), policyNow.Add(10 * time.Hour), []string{"desktop", "ntfy"}},
		"feed item no rule: default only": {suggestion("h", event.KindSuggestion, event.PriorityLow), policyNow, []string{"terminal"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			recs := map[string]*recorder{"terminal": newRecorder("terminal"), "desktop": newRecorder("desktop"), "ntfy": newRecorder("ntfy")}
			targets := []notifiers.Target{
				{Notifier: recs["terminal"], Route: notifiers.Route{}},
				{Notifier: recs["desktop"], Route: notifiers.Route{MinPriority: event.PriorityNormal}},
				{Notifier: recs["ntfy"], Route: notifiers.Route{MinPriority: event.PriorityHigh, Kinds: []string{event.KindReminder}}},
			}
			at := tc.at
			d := dispatcher(t, state.NewMemory(), func() time.Time { return at }, targets, notifiers.WithRoutes(routes))
			if _, err := d.Deliver(ctx, tc.s); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range []string{"terminal", "desktop", "ntfy"} {
				if len(recs[n].ids()) > 0 {
					got = append(got, n)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("delivered to %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOutsideHoursDigest(t *testing.T) {
	ctx := context.Background()
	quiet := func(t time.Time) (bool, time.Time) { return true, t.Add(time.Hour) }
	for _, mode := range []string{notifiers.OutsideHoursWait, notifiers.OutsideHoursDigest} {
		t.Run(mode, func(t *testing.T) {
			desk := newRecorder("desktop")
			d := dispatcher(t, state.NewMemory(), func() time.Time { return policyNow },
				[]notifiers.Target{{Notifier: desk, Route: notifiers.Route{QuietHours: true}}},
				notifiers.WithQuietHours(quiet), notifiers.WithOutsideHours(mode))
			until, err := d.Deliver(ctx, suggestion("n", event.KindSuggestion, event.PriorityHigh))
			if err != nil {
				t.Fatal(err)
			}
			if wantWait := mode == notifiers.OutsideHoursWait; wantWait != !until.IsZero() {
				t.Errorf("deferUntil = %v in mode %s", until, mode)
			}
			if _, err := d.Deliver(ctx, suggestion("u", event.KindReminder, event.PriorityUrgent)); err != nil {
				t.Fatal(err)
			}
			if got := desk.ids(); !slices.Equal(got, []string{suggestion("u", "", "").ID}) {
				t.Errorf("pushed %v, want only the urgent reminder", got)
			}
		})
	}
}

func TestInterruptionBudget(t *testing.T) {
	ctx := context.Background()
	store := state.NewMemory()
	loc := time.FixedZone("UTC+14", 14*3600)
	clock := &fixedClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)} // 23:00 local
	build := func() (*notifiers.Dispatcher, *recorder, *recorder, *recorder) {
		desk, nt, term := newRecorder("desktop"), newRecorder("ntfy"), newRecorder("terminal")
		d := dispatcher(t, store, clock.now, []notifiers.Target{{Notifier: desk}, {Notifier: nt}, {Notifier: term}},
			notifiers.WithBudget(notifiers.Budget{Max: 2, Location: loc}))
		return d, desk, nt, term
	}
	d, desk, nt, term := build()
	for _, k := range []string{"1", "2"} {
		if _, err := d.Deliver(ctx, suggestion(k, event.KindSuggestion, event.PriorityNormal)); err != nil {
			t.Fatal(err)
		}
	}
	// Both pushed on two channels: two interruptions, not four.
	if n, err := notifiers.BudgetCount(ctx, store, clock.now(), loc); err != nil || n != 2 {
		t.Fatalf("BudgetCount = %d, %v; want 2", n, err)
	}
	// A restart keeps the count: the third is digest only, except on the
	// terminal, which is no push; urgent still goes through.
	d.Close()
	d, desk, nt, term = build()
	for _, s := range []event.Suggestion{suggestion("3", event.KindSuggestion, event.PriorityHigh), suggestion("4", event.KindReminder, event.PriorityUrgent)} {
		if _, err := d.Deliver(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{suggestion("4", "", "").ID}
	if !slices.Equal(desk.ids(), want) || !slices.Equal(nt.ids(), want) {
		t.Errorf("pushed desktop %v ntfy %v, want only the urgent %v", desk.ids(), nt.ids(), want)
	}
	if len(term.ids()) != 2 {
		t.Errorf("terminal got %v, want both", term.ids())
	}
	// The user's next day (midnight in their zone) starts a new budget.
	clock.set(clock.now().Add(time.Hour + time.Minute))
	if _, err := d.Deliver(ctx, suggestion("5", event.KindSuggestion, event.PriorityNormal)); err != nil {
		t.Fatal(err)
	}
	if got := desk.ids(); len(got) != 2 || got[1] != suggestion("5", "", "").ID {
		t.Errorf("desktop after midnight = %v, want the new one pushed", got)
	}
	if keys, _ := store.Keys(ctx, "budget."); len(keys) != 1 {
		t.Errorf("budget keys %v, want only today's", keys)
	}
}

func TestGroupBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		desk, term := newRecorder("desktop"), newRecorder("terminal")
		d := dispatcher(t, state.NewMemory(), time.Now, []notifiers.Target{{Notifier: desk}, {Notifier: term}},
			notifiers.WithGrouping(notifiers.Grouping{Window: time.Minute}))
		for i, k := range []string{"a", "b", "c", "d"} {
			if _, err := d.Deliver(ctx, suggestion(k, event.KindSuggestion, event.PriorityNormal)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(i+1) * time.Second)
		}
		// A reminder of the same rule is never held.
		if _, err := d.Deliver(ctx, suggestion("r", event.KindReminder, event.PriorityNormal)); err != nil {
			t.Fatal(err)
		}
		if got := len(desk.ids()); got != 2 {
			t.Fatalf("desktop before the window ends: %d notifications, want 2 (the first, the reminder)", got)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		desk.mu.Lock()
		got := append([]event.Suggestion(nil), desk.got...)
		desk.mu.Unlock()
		if len(got) != 3 {
			t.Fatalf("desktop got %d notifications, want 3", len(got))
		}
		g := got[2]
		if g.Title != "3 new items from go-blog" || !strings.Contains(g.Body, "Title b") || !strings.Contains(g.Body, "Title d") {
			t.Errorf("grouped notification = %q / %q", g.Title, g.Body)
		}
		ids, grouped := d.Members(g.ID)
		if want := []string{suggestion("b", "", "").ID, suggestion("c", "", "").ID, suggestion("d", "", "").ID}; !grouped || !slices.Equal(ids, want) {
			t.Errorf("Members(%s) = %v, %v; want %v", g.ID, ids, grouped, want)
		}
		if ids, grouped := d.Members(got[0].ID); grouped || len(ids) != 1 || ids[0] != got[0].ID {
			t.Errorf("Members of a plain notification = %v, %v", ids, grouped)
		}
		if len(term.ids()) != 5 {
			t.Errorf("terminal got %d, want all 5 (it does not group)", len(term.ids()))
		}
		// A redelivered member of the burst is not shown alone.
		if _, err := d.Deliver(ctx, suggestion("c", event.KindSuggestion, event.PriorityNormal)); err != nil {
			t.Fatal(err)
		}
		if n := len(desk.ids()); n != 3 {
			t.Errorf("redelivery showed again: %d notifications", n)
		}
		// After a quiet minute the next one is shown at once.
		time.Sleep(2 * time.Minute)
		if _, err := d.Deliver(ctx, suggestion("e", event.KindSuggestion, event.PriorityNormal)); err != nil {
			t.Fatal(err)
		}
		if n := len(desk.ids()); n != 4 {
			t.Errorf("after the burst: %d notifications, want 4", n)
		}
	})
}

// TestBudgetSurvivesBusRestart keeps the day's count in the real delivery
// log bucket: a daemon restarted that day does not get a fresh budget.
func TestBudgetSurvivesBusRestart(t *testing.T) {
	dir := t.TempDir()
	clock := func() time.Time { return policyNow }
	budget := notifiers.WithBudget(notifiers.Budget{Max: 1, Location: time.UTC})

	kv, stop := startBus(t, dir)
	desk := newRecorder("desktop")
	d := dispatcher(t, kv, clock, []notifiers.Target{{Notifier: desk}}, budget)
	if _, err := d.Deliver(t.Context(), suggestion("one", event.KindSuggestion, event.PriorityNormal)); err != nil {
		t.Fatal(err)
	}
	stop()

	kv, _ = startBus(t, dir)
	if n, err := notifiers.BudgetCount(t.Context(), kv, policyNow, time.UTC); err != nil || n != 1 {
		t.Fatalf("BudgetCount after restart = %d, %v; want 1", n, err)
	}
	d = dispatcher(t, kv, clock, []notifiers.Target{{Notifier: desk}}, budget)
	if _, err := d.Deliver(t.Context(), suggestion("two", event.KindSuggestion, event.PriorityNormal)); err != nil {
		t.Fatal(err)
	}
	if got := desk.ids(); len(got) != 1 {
		t.Errorf("pushed %d after the restart, want the budget of 1 kept", len(got))
	}
}
