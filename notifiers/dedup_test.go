package notifiers_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
)

func TestDeliveryLogRoundTrip(t *testing.T) {
	store := state.NewMemory()
	log := notifiers.NewDeliveryLog(store)
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

	if _, found, err := log.Lookup(t.Context(), "desktop", "abc"); found || err != nil {
		t.Fatalf("empty log: found %v, err %v", found, err)
	}
	if err := log.Record(t.Context(), "desktop", "abc", notifiers.LogEntry{At: at, Attempt: 2}); err != nil {
		t.Fatal(err)
	}
	e, found, err := log.Lookup(t.Context(), "desktop", "abc")
	if !found || err != nil || !e.At.Equal(at) || e.Attempt != 2 {
		t.Fatalf("Lookup = %+v, %v, %v; want the recorded entry", e, found, err)
	}
	// Another notifier's delivery of the same suggestion is separate.
	if _, found, _ := log.Lookup(t.Context(), "terminal", "abc"); found {
		t.Error("terminal sees desktop's delivery")
	}
	// The key and the value are the documented wire format.
	raw, err := store.Get(t.Context(), "desktop.abc")
	if err != nil {
		t.Fatalf("key desktop.abc: %v", err)
	}
	if want := `{"at":"2026-11-27T10:00:00Z","attempt":2}`; string(raw) != want {
		t.Errorf("stored %s, want %s", raw, want)
	}
}

func TestDedupStage(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	logger := slog.New(slog.DiscardHandler)
	s := suggestion("a", event.KindSuggestion, event.PriorityNormal)

	t.Run("first delivery passes and is recorded, the second is a duplicate", func(t *testing.T) {
		store := state.NewMemory()
		var next delivered
		h := notifiers.DedupStage(notifiers.NewDeliveryLog(store), clock, logger)(next.handle)
		d := notifiers.Delivery{Target: notifiers.Target{Notifier: newRecorder("r")}, Suggestion: s}

		r, err := h(t.Context(), d)
		if err != nil || r.Outcome != notifiers.Delivered || !r.At.Equal(now) {
			t.Fatalf("first: %+v, %v", r, err)
		}
		r, err = h(t.Context(), d)
		if err != nil || r.Outcome != notifiers.Duplicate || !r.At.Equal(now) {
			t.Fatalf("second: %+v, %v; want duplicate delivered at %v", r, err, now)
		}
		if next.calls != 1 {
			t.Errorf("next called %d times, want 1", next.calls)
		}
	})

	t.Run("a failure is not recorded", func(t *testing.T) {
		store := state.NewMemory()
		rec := newRecorder("r")
		rec.failures, rec.retry = 1, true
		h := notifiers.DedupStage(notifiers.NewDeliveryLog(store), clock, logger)(notifiers.Send)
		d := notifiers.Delivery{Target: notifiers.Target{Notifier: rec}, Suggestion: s}
		if _, err := h(t.Context(), d); err == nil {
			t.Fatal("want the scripted failure")
		}
		if keys, _ := store.Keys(t.Context(), ""); len(keys) != 0 {
			t.Fatalf("failure recorded as %v", keys)
		}
		if r, err := h(t.Context(), d); err != nil || r.Outcome != notifiers.Delivered {
			t.Fatalf("after the failure: %+v, %v; want delivered", r, err)
		}
	})

	t.Run("an unreadable entry still counts as delivered", func(t *testing.T) {
		store := state.NewMemory()
		if err := store.Put(t.Context(), "r."+s.ID, []byte("not json")); err != nil {
			t.Fatal(err)
		}
		var next delivered
		h := notifiers.DedupStage(notifiers.NewDeliveryLog(store), clock, logger)(next.handle)
		r, err := h(t.Context(), notifiers.Delivery{Target: notifiers.Target{Notifier: newRecorder("r")}, Suggestion: s})
		if err != nil || r.Outcome != notifiers.Duplicate || next.calls != 0 {
			t.Fatalf("%+v, %v, next called %d times; want duplicate", r, err, next.calls)
		}
	})

	t.Run("a reminder moved to a new time is delivered again, an edit at the same time is not", func(t *testing.T) {
		store := state.NewMemory()
		var next delivered
		h := notifiers.DedupStage(notifiers.NewDeliveryLog(store), clock, logger)(next.handle)
		target := notifiers.Target{Notifier: newRecorder("r")}
		r := suggestion("m", event.KindReminder, event.PriorityNormal)
		r.Due = now.Add(-time.Minute)
		steps := []struct {
			name string
			edit func(*event.Suggestion)
			want notifiers.Outcome
		}{
			{"first", func(*event.Suggestion) {}, notifiers.Delivered},
			{"new room, same time", func(s *event.Suggestion) { s.Title = "In 10 min: Sync (Room 5)" }, notifiers.Duplicate},
			{"moved to the afternoon", func(s *event.Suggestion) { s.Due = now.Add(5 * time.Hour) }, notifiers.Delivered},
			{"moved again", func(s *event.Suggestion) { s.Due = now.Add(6 * time.Hour) }, notifiers.Delivered},
			{"back to the afternoon slot", func(s *event.Suggestion) { s.Due = now.Add(5 * time.Hour) }, notifiers.Duplicate},
		}
		for _, st := range steps {
			st.edit(&r)
			res, err := h(t.Context(), notifiers.Delivery{Target: target, Suggestion: r})
			if err != nil || res.Outcome != st.want {
				t.Fatalf("%s: %+v, %v; want outcome %v", st.name, res, err, st.want)
			}
		}
	})
}
