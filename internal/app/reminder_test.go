package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
)

// The reminder durability tests run the whole daemon (embedded bus, calendar
// watcher on a local .ics file, planner, terminal notifier) on the real
// clock: JetStream fires schedules by wall time. Each case puts a reminder
// due a few seconds ahead. "Fires" waits generously; "never fires" waits
// past the due time and then checks the bus itself (the schedule was purged,
// or the fired copy was consumed), so a slow machine cannot pass by accident.

// stampedLine is one line of terminal output and when it was written.
type stampedLine struct {
	at   time.Time
	text string
}

// terminalLines is the terminal notifier's output, line by line.
type terminalLines struct {
	mu      sync.Mutex
	partial []byte
	lines   []stampedLine
}

func (w *terminalLines) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.lines = append(w.lines, stampedLine{at: now, text: string(w.partial[:i])})
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

// matching returns the reminder lines that mention s.
func (w *terminalLines) matching(s string) []stampedLine {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []stampedLine
	for _, l := range w.lines {
		if strings.Contains(l.text, "[reminder") && strings.Contains(l.text, s) {
			out = append(out, l)
		}
	}
	return out
}

func (w *terminalLines) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var b strings.Builder
	for _, l := range w.lines {
		fmt.Fprintf(&b, "  %s  %s\n", l.at.Format("15:04:05.000"), l.text)
	}
	return b.String()
}

// waitLine waits until a reminder line mentions s, up to deadline.
func (w *terminalLines) waitLine(t *testing.T, s string, deadline time.Time) stampedLine {
	t.Helper()
	for {
		if ls := w.matching(s); len(ls) > 0 {
			return ls[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reminder for %q on the terminal by %s; output:\n%s", s, deadline.Format("15:04:05.000"), w)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// calendarFile is a local .ics calendar the test rewrites.
type calendarFile struct {
	path string
	gen  int
}

// icsEvent is one VEVENT of a calendarFile.
type icsEvent struct {
	uid, summary string
	start, end   time.Time
}

// write replaces the file's content with events. Every write gets a fresh
// mtime, so the watcher's stat check sees a change even on a file system
// with coarse timestamps.
func (c *calendarFile) write(t *testing.T, events ...icsEvent) {
	t.Helper()
	const stamp = "20060102T150405Z"
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//agentd//reminder test//EN\r\n")
	for _, e := range events {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:%s\r\nDTSTART:%s\r\nDTEND:%s\r\nSUMMARY:%s\r\nEND:VEVENT\r\n",
			e.uid, time.Now().UTC().Format(stamp), e.start.UTC().Format(stamp), e.end.UTC().Format(stamp), e.summary)
	}
	b.WriteString("END:VCALENDAR\r\n")
	if err := os.WriteFile(c.path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	c.gen++
	mtime := time.Date(2020, 1, 1, 0, 0, c.gen, 0, time.UTC)
	if err := os.Chtimes(c.path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// reminderConfig is a daemon with one local calendar whose reminders come
// remindBefore ahead of each meeting, and the terminal notifier.
func reminderConfig(t *testing.T, remindBefore time.Duration) (*config.Config, *calendarFile) {
	t.Helper()
	dir := t.TempDir()
	cal := &calendarFile{path: filepath.Join(dir, "personal.ics")}
	cal.write(t)
	yaml := fmt.Sprintf(`user:
  name: Test
  email: test@example.com
  timezone: UTC
bus:
  data_dir: %s
sources:
  calendars:
    - {name: personal, path: %q, remind_before: %ds}
notify:
  terminal: {}
`, filepath.Join(dir, "data"), cal.path, int(remindBefore/time.Second))
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatalf("parse config: %v", err)
	}
	return cfg, cal
}

// startTestApp starts a daemon on cfg; it is stopped at the end of the test.
func startTestApp(t *testing.T, cfg *config.Config, now func() time.Time) (*App, *terminalLines) {
	t.Helper()
	out := &terminalLines{}
	a, err := New(Options{Config: cfg, Stdout: out, Now: now, Logger: logToTest(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { stopTestApp(t, a) })
	return a, out
}

// logToTest logs into the test's output, shown when it fails.
func logToTest(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func stopTestApp(t *testing.T, a *App) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Stop(ctx); err != nil {
		t.Errorf("stop: %v", err)
	}
}

// waitReminder waits until the suggestions bucket holds a reminder titled
// with summary for which ok holds, and returns it.
func waitReminder(t *testing.T, a *App, summary, what string, ok func(record) bool) record {
	t.Helper()
	ctx := t.Context()
	store, err := a.bus.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	var seen []string
	for {
		keys, err := store.Keys(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		seen = seen[:0]
		for _, k := range keys {
			rec, err := getRecord(ctx, store, k)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Suggestion.Kind != event.KindReminder || !strings.Contains(rec.Suggestion.Title, summary) {
				continue
			}
			if ok(rec) {
				return rec
			}
			seen = append(seen, fmt.Sprintf("%s due %s: %s", rec.Status, rec.Suggestion.Due.Format(time.RFC3339), rec.Suggestion.Title))
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reminder for %q %s within 20s; reminders seen: %q", summary, what, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func pendingDue(due time.Time) func(record) bool {
	return func(r record) bool { return r.Status == event.StatusPending && r.Suggestion.Due.Equal(due) }
}

// onSubject reports whether the SCHEDULE stream holds a message on subject.
func onSubject(t *testing.T, a *App, subject string) bool {
	t.Helper()
	n, err := a.bus.Messages(t.Context(), bus.StreamSchedule, subject)
	if err != nil {
		t.Fatalf("read %s: %v", subject, err)
	}
	return n > 0
}

// waitFiredAndHandled waits until reminder id has fired (its copy is on
// agentd.due.<id>) and the notifiers' consumer has handled everything due.
func waitFiredAndHandled(t *testing.T, a *App, id string) {
	t.Helper()
	ctx := t.Context()
	// Room for one redelivery (30 s) when a loaded machine makes the first
	// handling fail, e.g. a slow KV read.
	deadline := time.Now().Add(45 * time.Second)
	for {
		if onSubject(t, a, bus.DueSubject(id)) {
			pending, unacked, err := a.bus.Backlog(ctx, bus.StreamSchedule, "notify-due")
			if err != nil {
				t.Fatal(err)
			}
			if pending == 0 && unacked == 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("reminder %s did not fire and get handled within 45s", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFiredOrWithdrawn waits until reminder id has either fired and been
// handled, or been withdrawn with its schedule purged.
func waitFiredOrWithdrawn(t *testing.T, a *App, id string) {
	t.Helper()
	ctx := t.Context()
	store, err := a.bus.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		rec, err := getRecord(ctx, store, id)
		if err == nil && rec.Status == event.StatusWithdrawn && !onSubject(t, a, bus.ScheduleSubject(id)) {
			return
		}
		if onSubject(t, a, bus.DueSubject(id)) {
			waitFiredAndHandled(t, a, id)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("reminder %s neither fired nor was withdrawn within 20s", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dueIn is a due time d from now, on a whole second as an .ics time is.
func dueIn(d time.Duration) time.Time { return time.Now().Add(d).Truncate(time.Second) }

// sleepUntil sleeps until the wall clock reaches t.
func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }

// checkMargin fails the test when its setup ran into the time the
// reminder under test is due: the case would prove nothing.
func checkMargin(t *testing.T, due time.Time, what string) {
	t.Helper()
	if left := time.Until(due); left < 500*time.Millisecond {
		t.Fatalf("%s left only %v before the reminder is due: the machine is too slow for this test's timing", what, left)
	}
}

func TestReminderDurability(t *testing.T) {
	// The lead time of the meetings' reminders: a minute, so an event whose
	// reminder is due in a few seconds is still ahead at every restart.
	const lead = time.Minute

	// The cases run in parallel: each waits on the wall clock, not the CPU.
	t.Run("fires once", func(t *testing.T) {
		t.Parallel()
		cfg, cal := reminderConfig(t, lead)
		due := dueIn(3 * time.Second)
		cal.write(t, icsEvent{uid: "fires@test", summary: "Standup", start: due.Add(lead), end: due.Add(lead + 30*time.Minute)})
		a, out := startTestApp(t, cfg, nil)

		line := out.waitLine(t, "Standup", due.Add(20*time.Second))
		if line.at.Before(due) {
			t.Errorf("reminder shown at %s, before it was due at %s", line.at.Format("15:04:05.000"), due.Format("15:04:05.000"))
		}
		if !strings.Contains(line.text, "In 1 min: Standup") || strings.Contains(line.text, "late") {
			t.Errorf("reminder line %q, want an on-time \"In 1 min: Standup\"", line.text)
		}
		rec := waitReminder(t, a, "Standup", "delivered", func(r record) bool { return r.Status == event.StatusDelivered })
		waitFiredAndHandled(t, a, rec.Suggestion.ID)
		time.Sleep(time.Second) // a second copy would come right behind the first
		if n := len(out.matching("Standup")); n != 1 {
			t.Fatalf("reminder shown %d times, want once:\n%s", n, out)
		}
	})

	t.Run("delivered late once after a restart", func(t *testing.T) {
		t.Parallel()
		cfg, cal := reminderConfig(t, lead)
		due := dueIn(5 * time.Second)
		cal.write(t, icsEvent{uid: "restart@test", summary: "Dentist", start: due.Add(lead), end: due.Add(lead + time.Hour)})
		a1, out1 := startTestApp(t, cfg, nil)
		rec := waitReminder(t, a1, "Dentist", "scheduled", pendingDue(due))
		checkMargin(t, due, "starting agentd and scheduling the reminder")
		stopTestApp(t, a1)
		if !time.Now().Before(due) {
			t.Fatalf("agentd stopped only after the reminder was due; cannot test a missed reminder")
		}
		if n := len(out1.matching("Dentist")); n != 0 {
			t.Fatalf("reminder shown before it was due:\n%s", out1)
		}

		// agentd is down while the reminder comes due. The new daemon's
		// clock runs two minutes ahead, as if it had been down that long:
		// the bus fires by wall time (now past the due time too), the
		// terminal marks lateness past a minute by the daemon's clock.
		sleepUntil(due.Add(time.Second))
		a2, out2 := startTestApp(t, cfg, func() time.Time { return time.Now().Add(2 * time.Minute) })
		line := out2.waitLine(t, "Dentist", time.Now().Add(20*time.Second))
		if !strings.Contains(line.text, "In 1 min: Dentist") || !strings.Contains(line.text, " late") {
			t.Errorf("missed reminder line %q, want it marked late", line.text)
		}
		waitFiredAndHandled(t, a2, rec.Suggestion.ID)
		time.Sleep(time.Second)
		if n := len(out2.matching("Dentist")); n != 1 {
			t.Fatalf("missed reminder shown %d times after the restart, want once:\n%s", n, out2)
		}
		stopTestApp(t, a2)

		// Another restart: delivered is delivered.
		a3, out3 := startTestApp(t, cfg, nil)
		waitFiredAndHandled(t, a3, rec.Suggestion.ID)
		time.Sleep(time.Second)
		if n := len(out3.matching("Dentist")); n != 0 {
			t.Fatalf("reminder shown again after a second restart:\n%s", out3)
		}
	})

	t.Run("moved event fires at the new time only", func(t *testing.T) {
		t.Parallel()
		cfg, cal := reminderConfig(t, lead)
		oldDue := dueIn(5 * time.Second)
		newDue := oldDue.Add(4 * time.Second)
		ev := icsEvent{uid: "moved@test", summary: "Review", start: oldDue.Add(lead), end: oldDue.Add(lead + time.Hour)}
		cal.write(t, ev)
		a, out := startTestApp(t, cfg, nil)
		before := waitReminder(t, a, "Review", "scheduled", pendingDue(oldDue))

		ev.start, ev.end = newDue.Add(lead), newDue.Add(lead+time.Hour)
		cal.write(t, ev)
		if err := a.Reload(t.Context(), cfg); err != nil { // the watchers poll again at once
			t.Fatalf("reload: %v", err)
		}
		after := waitReminder(t, a, "Review", "re-scheduled", pendingDue(newDue))
		checkMargin(t, oldDue, "moving the event")
		if after.Suggestion.ID != before.Suggestion.ID {
			t.Errorf("moved reminder has a new id %s (was %s): the old schedule would stay", after.Suggestion.ID, before.Suggestion.ID)
		}

		sleepUntil(oldDue.Add(1500 * time.Millisecond))
		if ls := out.matching("Review"); len(ls) != 0 {
			t.Fatalf("reminder fired at the old time:\n%s", out)
		}
		line := out.waitLine(t, "Review", newDue.Add(20*time.Second))
		if line.at.Before(newDue) {
			t.Errorf("moved reminder shown at %s, before its new due time %s", line.at.Format("15:04:05.000"), newDue.Format("15:04:05.000"))
		}
		waitFiredAndHandled(t, a, after.Suggestion.ID)
		time.Sleep(time.Second)
		if n := len(out.matching("Review")); n != 1 {
			t.Fatalf("moved reminder shown %d times, want once:\n%s", n, out)
		}
	})

	t.Run("deleted event never fires", func(t *testing.T) {
		t.Parallel()
		cfg, cal := reminderConfig(t, lead)
		due := dueIn(5 * time.Second)
		other := icsEvent{uid: "other@test", summary: "Planning", start: due.Add(24 * time.Hour), end: due.Add(25 * time.Hour)}
		cal.write(t, icsEvent{uid: "deleted@test", summary: "Lunch", start: due.Add(lead), end: due.Add(lead + time.Hour)}, other)
		a, out := startTestApp(t, cfg, nil)
		rec := waitReminder(t, a, "Lunch", "scheduled", pendingDue(due))
		id := rec.Suggestion.ID

		cal.write(t, other)
		if err := a.Reload(t.Context(), cfg); err != nil { // the watchers poll again at once
			t.Fatalf("reload: %v", err)
		}

		// Past the due time, no trace of the reminder may be left.
		sleepUntil(due.Add(2 * time.Second))
		store, err := a.bus.Store(t.Context(), bus.BucketSuggestions)
		if err != nil {
			t.Fatal(err)
		}
		rec, err = getRecord(t.Context(), store, id)
		switch {
		case err != nil:
			t.Errorf("reminder record: %v", err)
		case rec.Status != event.StatusWithdrawn:
			t.Errorf("reminder of the deleted event is %q, want %q", rec.Status, event.StatusWithdrawn)
		case !rec.Updated.Before(due):
			t.Fatalf("the reminder was withdrawn only at %s, after it was due: the machine is too slow for this test's timing", rec.Updated.Format(time.RFC3339Nano))
		}
		if onSubject(t, a, bus.ScheduleSubject(id)) {
			t.Errorf("the deleted event's reminder is still scheduled on %s", bus.ScheduleSubject(id))
		}
		if onSubject(t, a, bus.DueSubject(id)) {
			t.Errorf("the deleted event's reminder fired on %s", bus.DueSubject(id))
		}
		if ls := out.matching("Lunch"); len(ls) != 0 {
			t.Fatalf("the deleted event's reminder was shown:\n%s", out)
		}
	})

	t.Run("missed reminder of an event that is over is not delivered", func(t *testing.T) {
		t.Parallel()
		// A two-second meeting, reminded a second ahead.
		cfg, cal := reminderConfig(t, time.Second)
		due := dueIn(5 * time.Second)
		start := due.Add(time.Second)
		end := start.Add(2 * time.Second)
		cal.write(t, icsEvent{uid: "over@test", summary: "Coffee", start: start, end: end})
		a1, _ := startTestApp(t, cfg, nil)
		rec := waitReminder(t, a1, "Coffee", "scheduled", pendingDue(due))
		checkMargin(t, due, "starting agentd and scheduling the reminder")
		stopTestApp(t, a1)

		sleepUntil(end.Add(time.Second))
		a2, out := startTestApp(t, cfg, nil)
		// Either the schedule fires as the server starts and the notifier
		// drops it as expired, or the calendar, read again, withdraws it
		// first (the meeting is over); both must show nothing.
		waitFiredOrWithdrawn(t, a2, rec.Suggestion.ID)
		if ls := out.matching("Coffee"); len(ls) != 0 {
			t.Fatalf("reminder of a meeting that is over was shown:\n%s", out)
		}
	})
}
