package app

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/dbustest"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/notifiers"
)

// desktopApp starts a private session bus, where a notification server
// plays the user, and an App on the config yaml whose clock stands at now.
func desktopApp(t *testing.T, yaml string, now time.Time) (*dbustest.Server, *config.Config, func() time.Time, *App) {
	t.Helper()
	addr := dbustest.StartBus(t)
	srv := dbustest.StartServer(t, addr)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)

	cfg, err := config.Parse("/tmp/agentd-test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	a, err := New(Options{Config: cfg, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return srv, cfg, clock, a
}

// desktopNotifiers returns cfg's notifiers, whose buttons call act, and a
// channel that receives the suggestion's ID once act has answered a click.
func desktopNotifiers(cfg *config.Config, clock func() time.Time, act func(id, action string)) ([]notifiers.Target, <-chan string) {
	answered := make(chan string, 16)
	targets := Notifiers(cfg, io.Discard, slog.New(slog.DiscardHandler), clock, func(id, action string) {
		act(id, action)
		answered <- id
	})
	return targets, answered
}

// TestDesktopActions shows suggestions on a private session bus, where a
// notification server plays the user and clicks each button; every click
// is answered in the suggestion book as the CLI would answer it.
func TestDesktopActions(t *testing.T) {
	// 21:30 in Paris: "tomorrow morning" is 09:00 Paris the next day.
	now := time.Date(2026, 12, 7, 20, 30, 0, 0, time.UTC)
	srv, cfg, clock, a := desktopApp(t, "user: {timezone: Europe/Paris}\nnotify: {desktop: {min_priority: low, quiet_hours: false}}\n", now)
	ctx := t.Context()
	out := &suggestions.MemoryOutbox{}
	book := suggestions.New(state.NewMemory(), out, clock)
	targets, answered := desktopNotifiers(cfg, clock, func(id, action string) {
		a.feedback(ctx, book, cfg.User.Location, id, action)
	})
	if len(targets) != 1 {
		t.Fatalf("targets %v, want the desktop", targets)
	}
	defer closeNotifier(targets[0].Notifier)
	d := notifiers.NewDispatcher(targets, state.NewMemory(), nil, notifiers.WithClock(clock))

	tomorrow := time.Date(2026, 12, 8, 8, 0, 0, 0, time.UTC) // 09:00 CET
	tests := []struct {
		key        string
		wantStatus string
		wantUntil  time.Time
	}{
		{"default", event.StatusAccepted, time.Time{}},
		{"done", event.StatusDone, time.Time{}},
		{"dismiss", event.StatusDismissed, time.Time{}},
		{"snooze", event.StatusSnoozed, now.Add(time.Hour)},
		{"snooze-tomorrow", event.StatusSnoozed, tomorrow},
	}
	for i, tc := range tests {
		s := event.Suggestion{ID: event.ID("desktop-test", tc.key), Kind: event.KindSuggestion, Priority: event.PriorityNormal,
			Title: fmt.Sprintf("Suggestion %d", i), Rule: "desktop-test", Created: now}
		if _, err := book.Offer(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Deliver(ctx, s); err != nil {
			t.Fatal(err)
		}
		shown := srv.Received()
		n := shown[len(shown)-1]
		if n.Summary != s.Title || len(n.Actions) != 10 {
			t.Fatalf("shown %+v, want %q with five buttons", n, s.Title)
		}
		if err := srv.Invoke(n.ID, tc.key); err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-answered:
			if id != s.ID {
				t.Fatalf("answered %s, want %s", id, s.ID)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no feedback", tc.key)
		}
		rec, err := book.Get(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Status != tc.wantStatus || !rec.Until.Equal(tc.wantUntil) {
			t.Errorf("%s: status %s until %v, want %s until %v", tc.key, rec.Status, rec.Until, tc.wantStatus, tc.wantUntil)
		}
		if tc.wantStatus == event.StatusSnoozed {
			sch := out.Scheduled()
			if last := sch[len(sch)-1]; last.ID != suggestions.SnoozeID(s.ID) || !last.Due.Equal(tc.wantUntil) {
				t.Errorf("%s: scheduled %s at %v, want the snoozed copy at %v", tc.key, last.ID, last.Due, tc.wantUntil)
			}
		}
	}

	// The rule's suggestions dismissed again and again on the desktop: the
	// next one is quieter, then digest only (not shown).
	show := func(name string) (event.Suggestion, int) {
		t.Helper()
		s := event.Suggestion{ID: event.ID("desktop-test", name), Kind: event.KindSuggestion, Priority: event.PriorityNormal,
			Title: name, Rule: "desktop-test", Created: now}
		if _, err := book.Offer(ctx, s); err != nil {
			t.Fatal(err)
		}
		rec, err := book.Get(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		before := len(srv.Received())
		if _, err := d.Deliver(ctx, rec.Suggestion); err != nil {
			t.Fatal(err)
		}
		return rec.Suggestion, len(srv.Received()) - before
	}
	for i := range 5 { // one dismissed above: six in all
		s, shown := show(fmt.Sprintf("dismissed %d", i))
		if shown != 1 {
			t.Fatalf("%s: shown %d times", s.Title, shown)
		}
		if i == 2 {
			// Three dismissals so far: this one came quieter.
			if s.Priority != event.PriorityLow || !strings.Contains(s.Why, "quieter: you dismissed 3 of these lately") {
				t.Errorf("after 3 dismissals: priority %s, why %q; want low and quieter", s.Priority, s.Why)
			}
			if n := srv.Received(); n[len(n)-1].Hints["urgency"].Value() != byte(0) {
				t.Errorf("quieter suggestion shown with urgency %v, want 0 (low)", n[len(n)-1].Hints["urgency"])
			}
		}
		r := srv.Received()
		if err := srv.Invoke(r[len(r)-1].ID, "dismiss"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-answered:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no feedback", s.Title)
		}
	}
	s, shown := show("digest only")
	if !s.Quiet || shown != 0 || !strings.Contains(s.Why, "digest only: you dismissed 6 of these lately") {
		t.Errorf("after 6 dismissals: quiet %v, shown %d times, why %q; want digest only, not shown", s.Quiet, shown, s.Why)
	}
}
