package notifiers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/terminal"
)

// syncBuffer is the terminal's output, read while the dispatcher writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s.b.String(), "\n"), "\n")
}

// rig is a dispatcher with a terminal and recording notifiers, a settable
// clock and instant sleeps.
type rig struct {
	d      *notifiers.Dispatcher
	store  *state.Memory
	clock  *fixedClock
	out    *syncBuffer
	sleeps *sleeps
	logs   *syncBuffer
}

func newRig(t *testing.T, clockAt time.Time, quiet notifiers.QuietFunc, targets ...notifiers.Target) *rig {
	t.Helper()
	r := &rig{store: state.NewMemory(), clock: &fixedClock{t: clockAt}, out: &syncBuffer{}, sleeps: &sleeps{}, logs: &syncBuffer{}}
	term := notifiers.Target{Notifier: terminal.New(r.out, terminal.WithClock(r.clock.now))}
	logger := slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r.d = notifiers.NewDispatcher(append([]notifiers.Target{term}, targets...), r.store, logger,
		notifiers.WithClock(r.clock.now),
		notifiers.WithQuietHours(quiet),
		notifiers.WithRetry(3, time.Second),
		notifiers.WithSleep(r.sleeps.sleep),
	)
	return r
}

func (r *rig) deliver(t *testing.T, s event.Suggestion) time.Time {
	t.Helper()
	until, err := r.d.Deliver(t.Context(), s)
	if err != nil {
		t.Fatalf("Deliver %s: %v", s.ID, err)
	}
	return until
}

// terminalTitles returns the key of each suggestion the terminal printed
// (the word after "Title ").
func (r *rig) terminalTitles() []string {
	var out []string
	for _, l := range r.out.lines() {
		if _, rest, ok := strings.Cut(l, "Title "); ok {
			out = append(out, strings.Fields(rest)[0])
		}
	}
	return out
}

var monday = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func TestDispatcherRouting(t *testing.T) {
	high := newRecorder("high-only")
	reminders := newRecorder("reminders")
	r := newRig(t, monday, nil,
		notifiers.Target{Notifier: high, Route: notifiers.Route{MinPriority: event.PriorityHigh}},
		notifiers.Target{Notifier: reminders, Route: notifiers.Route{Kinds: []string{event.KindReminder}}},
	)
	ss := map[string]event.Suggestion{
		"low-suggestion":  suggestion("low-suggestion", event.KindSuggestion, event.PriorityLow),
		"high-suggestion": suggestion("high-suggestion", event.KindSuggestion, event.PriorityHigh),
		"low-reminder":    suggestion("low-reminder", event.KindReminder, event.PriorityLow),
		"urgent-draft":    suggestion("urgent-draft", event.KindDraft, event.PriorityUrgent),
	}
	for _, key := range []string{"low-suggestion", "high-suggestion", "low-reminder", "urgent-draft"} {
		if until := r.deliver(t, ss[key]); !until.IsZero() {
			t.Errorf("%s deferred until %v without quiet hours", key, until)
		}
	}
	ids := func(keys ...string) []string {
		var out []string
		for _, k := range keys {
			out = append(out, ss[k].ID)
		}
		return out
	}
	if got, want := high.ids(), ids("high-suggestion", "urgent-draft"); !slices.Equal(got, want) {
		t.Errorf("high-only got %v, want %v", got, want)
	}
	if got, want := reminders.ids(), ids("low-reminder"); !slices.Equal(got, want) {
		t.Errorf("reminders got %v, want %v", got, want)
	}
	if got, want := r.terminalTitles(), []string{"low-suggestion", "high-suggestion", "low-reminder", "urgent-draft"}; !slices.Equal(got, want) {
		t.Errorf("terminal printed %v, want %v", got, want)
	}
}

func TestDispatcherDedup(t *testing.T) {
	rec := newRecorder("desktop")
	r := newRig(t, monday, nil, notifiers.Target{Notifier: rec})
	s := suggestion("once", event.KindSuggestion, event.PriorityNormal)
	r.deliver(t, s)
	r.clock.set(monday.Add(time.Hour))
	r.deliver(t, s)
	if got := rec.ids(); len(got) != 1 {
		t.Errorf("recorder got %v, want one delivery", got)
	}
	if got := r.out.lines(); len(got) != 1 {
		t.Errorf("terminal printed %q, want one line", got)
	}
	raw, err := r.store.Get(t.Context(), "desktop."+s.ID)
	if err != nil {
		t.Fatalf("delivery log: %v", err)
	}
	var e notifiers.LogEntry
	if err := json.Unmarshal(raw, &e); err != nil || !e.At.Equal(monday) || e.Attempt != 1 {
		t.Errorf("log entry %s (%v): want delivered at %v on attempt 1", raw, err, monday)
	}
}

func TestDispatcherQuietHours(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	quiet, err := quietHours("22:00", "07:00", paris)
	if err != nil {
		t.Fatal(err)
	}
	morning := time.Date(2026, 12, 1, 7, 0, 0, 0, paris)
	tests := map[string]struct {
		now       time.Time
		priority  string
		wantUntil time.Time
	}{
		"before midnight":            {time.Date(2026, 11, 30, 23, 30, 0, 0, paris), event.PriorityHigh, morning},
		"after midnight":             {time.Date(2026, 12, 1, 2, 0, 0, 0, paris), event.PriorityNormal, morning},
		"urgent bypasses quiet time": {time.Date(2026, 11, 30, 23, 30, 0, 0, paris), event.PriorityUrgent, time.Time{}},
		"daytime":                    {time.Date(2026, 12, 1, 7, 0, 0, 0, paris), event.PriorityLow, time.Time{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			desktop := newRecorder("desktop")
			r := newRig(t, tc.now, quiet, notifiers.Target{Notifier: desktop, Route: notifiers.Route{QuietHours: true}})
			s := suggestion("night", event.KindReminder, tc.priority)

			until := r.deliver(t, s)
			if !until.Equal(tc.wantUntil) {
				t.Fatalf("deferUntil = %v, want %v", until, tc.wantUntil)
			}
			// The terminal does not keep quiet hours.
			if got := r.out.lines(); len(got) != 1 {
				t.Fatalf("terminal printed %q, want one line", got)
			}
			if tc.wantUntil.IsZero() {
				if got := desktop.ids(); len(got) != 1 {
					t.Fatalf("desktop got %v, want the suggestion now", got)
				}
				return
			}
			if got := desktop.ids(); len(got) != 0 {
				t.Fatalf("desktop got %v during quiet hours", got)
			}
			// The caller comes back when quiet hours end: only the held
			// target delivers now.
			r.clock.set(until)
			if again := r.deliver(t, s); !again.IsZero() {
				t.Errorf("still deferred at %v: until %v", until, again)
			}
			if got := desktop.ids(); len(got) != 1 {
				t.Errorf("desktop got %v after quiet hours, want one", got)
			}
			if got := r.out.lines(); len(got) != 1 {
				t.Errorf("terminal printed %q, want it once", got)
			}
		})
	}
}

func TestDispatcherRetryThenSuccess(t *testing.T) {
	flaky := newRecorder("flaky")
	flaky.failures, flaky.retry = 2, true
	r := newRig(t, monday, nil, notifiers.Target{Notifier: flaky})
	s := suggestion("flaky", event.KindSuggestion, event.PriorityNormal)
	r.deliver(t, s)
	if got := flaky.ids(); len(got) != 1 {
		t.Fatalf("flaky got %v, want one delivery", got)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(r.sleeps.d, want) {
		t.Errorf("backoff %v, want %v", r.sleeps.d, want)
	}
	e, found, err := notifiers.NewDeliveryLog(r.store).Lookup(t.Context(), "flaky", s.ID)
	if !found || err != nil || e.Attempt != 3 {
		t.Errorf("log entry %+v, %v, %v; want attempt 3", e, found, err)
	}
}

func TestDispatcherFailures(t *testing.T) {
	t.Run("permanent failure of one target does not block the others", func(t *testing.T) {
		broken := newRecorder("broken")
		broken.failures, broken.retry = 100, false
		healthy := newRecorder("healthy")
		r := newRig(t, monday, nil, notifiers.Target{Notifier: broken}, notifiers.Target{Notifier: healthy})
		s := suggestion("p", event.KindSuggestion, event.PriorityNormal)
		until, err := r.d.Deliver(t.Context(), s)
		if err != nil || !until.IsZero() {
			t.Fatalf("Deliver = %v, %v; a permanent failure should not ask for redelivery", until, err)
		}
		if broken.callCount() != 1 {
			t.Errorf("permanent failure retried: %d calls", broken.callCount())
		}
		if len(healthy.ids()) != 1 || len(r.out.lines()) != 1 {
			t.Errorf("healthy got %v, terminal %q; want one each", healthy.ids(), r.out.lines())
		}
	})

	t.Run("temporary failure asks for redelivery, which completes only what is missing", func(t *testing.T) {
		down := newRecorder("down")
		down.failures, down.retry = 3, true // exhausts WithRetry(3, …) once
		healthy := newRecorder("healthy")
		r := newRig(t, monday, nil, notifiers.Target{Notifier: down}, notifiers.Target{Notifier: healthy})
		s := suggestion("t", event.KindSuggestion, event.PriorityNormal)
		_, err := r.d.Deliver(t.Context(), s)
		if err == nil || !notifiers.IsTemporary(err) || !strings.Contains(err.Error(), "down") {
			t.Fatalf("Deliver err = %v, want a temporary failure naming the notifier", err)
		}
		r.deliver(t, s)
		if len(down.ids()) != 1 || len(healthy.ids()) != 1 || len(r.out.lines()) != 1 {
			t.Errorf("after redelivery: down %v, healthy %v, terminal %q; want one each", down.ids(), healthy.ids(), r.out.lines())
		}
	})

	t.Run("a repeated failure is logged once, then counted", func(t *testing.T) {
		broken := newRecorder("broken")
		broken.failures, broken.retry = 3, false
		r := newRig(t, monday, nil, notifiers.Target{Notifier: broken})
		for _, key := range []string{"a", "b", "c", "d"} {
			r.deliver(t, suggestion(key, event.KindSuggestion, event.PriorityNormal))
		}
		logs := strings.Join(r.logs.lines(), "\n")
		if n := strings.Count(logs, "level=ERROR"); n != 3 {
			// Each scripted failure has its own text, so each is new; the
			// next test checks identical ones.
			t.Errorf("%d error lines, want 3:\n%s", n, logs)
		}
		if !strings.Contains(logs, "notifier recovered") {
			t.Errorf("no recovery line:\n%s", logs)
		}
	})
}

// sameError fails the same way every time, like a desktop without a bus.
type sameError struct{ calls int }

func (s *sameError) Name() string { return "same" }
func (s *sameError) Notify(context.Context, ...event.Suggestion) (bool, error) {
	s.calls++
	return false, errScripted
}

func TestDispatcherLogsRepeatedFailureOnce(t *testing.T) {
	n := &sameError{}
	r := newRig(t, monday, nil, notifiers.Target{Notifier: n})
	for _, key := range []string{"a", "b", "c"} {
		r.deliver(t, suggestion(key, event.KindSuggestion, event.PriorityNormal))
	}
	logs := strings.Join(r.logs.lines(), "\n")
	if n.calls != 3 {
		t.Fatalf("notifier called %d times, want 3", n.calls)
	}
	if c := strings.Count(logs, "level=ERROR"); c != 1 {
		t.Errorf("%d error lines for the same failure, want 1:\n%s", c, logs)
	}
	if !strings.Contains(logs, "failures=3") {
		t.Errorf("repeats not counted:\n%s", logs)
	}
}

func TestDispatcherDropsExpired(t *testing.T) {
	rec := newRecorder("desktop")
	r := newRig(t, monday, nil, notifiers.Target{Notifier: rec})
	s := suggestion("old", event.KindReminder, event.PriorityUrgent)
	s.Expires = monday.Add(-time.Minute)
	if until := r.deliver(t, s); !until.IsZero() {
		t.Errorf("expired suggestion deferred until %v", until)
	}
	if len(rec.ids()) != 0 || len(r.out.lines()) != 0 {
		t.Errorf("expired suggestion delivered: %v, %q", rec.ids(), r.out.lines())
	}
	if !strings.Contains(strings.Join(r.logs.lines(), "\n"), "level=DEBUG msg=\"suggestion expired, dropped\"") {
		t.Errorf("expiry not logged at debug:\n%s", strings.Join(r.logs.lines(), "\n"))
	}
	if keys, _ := r.store.Keys(t.Context(), ""); len(keys) != 0 {
		t.Errorf("expired suggestion recorded as delivered: %v", keys)
	}
}

func TestDispatcherRejectsSuggestionWithoutID(t *testing.T) {
	r := newRig(t, monday, nil)
	s := suggestion("x", event.KindSuggestion, event.PriorityNormal)
	s.ID = ""
	_, err := r.d.Deliver(t.Context(), s)
	if err == nil || notifiers.IsTemporary(err) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
	if len(r.out.lines()) != 0 {
		t.Errorf("delivered anyway: %q", r.out.lines())
	}
}

// TestDispatcherRoutineDeliveryLogsAtDebug: a first-try delivery, which
// the terminal shows anyway, logs at Debug; one that needed retries at Info.
func TestDispatcherRoutineDeliveryLogsAtDebug(t *testing.T) {
	flaky := newRecorder("flaky")
	flaky.failures, flaky.retry = 1, true
	r := newRig(t, monday, nil, notifiers.Target{Notifier: flaky})
	r.deliver(t, suggestion("routine", event.KindSuggestion, event.PriorityNormal))
	var levels []string
	for _, l := range r.logs.lines() {
		if !strings.Contains(l, `msg="suggestion delivered"`) {
			continue
		}
		lv, _, _ := strings.Cut(l[strings.Index(l, "level=")+len("level="):], " ")
		_, notifier, _ := strings.Cut(l, "notifier=")
		notifier, _, _ = strings.Cut(notifier, " ")
		levels = append(levels, notifier+":"+lv)
	}
	slices.Sort(levels)
	if want := []string{"flaky:INFO", "terminal:DEBUG"}; !slices.Equal(levels, want) {
		t.Errorf("delivery log levels %v, want %v\n%s", levels, want, strings.Join(r.logs.lines(), "\n"))
	}
}
