package app

import (
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/dbustest"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/notifiers"
)

// TestGroupedNotificationActions shows a burst of one feed's suggestions
// on a private session bus as one grouped notification; Dismiss on it
// dismisses each suggestion it stands for, the first one (shown alone)
// stays open.
func TestGroupedNotificationActions(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	srv, cfg, clock, a := desktopApp(t, "user: {timezone: Europe/Paris}\nnotify: {desktop: {min_priority: low, quiet_hours: false}, group_window: 300ms}\n", now)
	ctx := t.Context()
	book := suggestions.New(state.NewMemory(), &suggestions.MemoryOutbox{}, clock)
	var d *notifiers.Dispatcher
	targets, answered := desktopNotifiers(cfg, clock, func(id, action string) {
		a.notificationAction(ctx, d, book, cfg.User.Location, id, action)
	})
	defer closeNotifier(targets[0].Notifier)
	d = notifiers.NewDispatcher(targets, state.NewMemory(), nil, append([]notifiers.Option{notifiers.WithClock(clock)}, deliveryOptions(cfg)...)...)
	defer d.Close()

	var ids []string
	for _, key := range []string{"a", "b", "c"} {
		s := event.Suggestion{ID: event.ID("group-test", key), Kind: event.KindSuggestion, Priority: event.PriorityNormal,
			Title: "Read: item " + key, Rule: "feed-interest", Created: now,
			About: []event.About{{Source: "feed:go-blog", Type: event.TypeFeedItem, Ref: key}}}
		if _, err := book.Offer(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Deliver(ctx, s); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	var shown []dbustest.Notification
	for deadline := time.Now().Add(10 * time.Second); len(shown) < 2 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		shown = srv.Received()
	}
	if len(shown) != 2 || shown[0].Summary != "Read: item a" || shown[1].Summary != "2 new items from go-blog" {
		t.Fatalf("shown %+v, want item a, then one grouped notification", shown)
	}
	if err := srv.Invoke(shown[1].ID, "dismiss"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-answered:
	case <-time.After(10 * time.Second):
		t.Fatal("no feedback")
	}
	for i, want := range []string{"", event.StatusDismissed, event.StatusDismissed} {
		rec, err := book.Get(ctx, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if want != "" && rec.Status != want || want == "" && rec.Status == event.StatusDismissed {
			t.Errorf("suggestion %d: status %s, want %q", i, rec.Status, want)
		}
	}
}
