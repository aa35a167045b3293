package calendar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers/calendar/source"
)

type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) publish(_ context.Context, ev event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) take(t *testing.T) []event.CalendarEvent {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event.CalendarEvent
	for _, ev := range r.events {
		var ce event.CalendarEvent
		if err := ev.Decode(&ce); err != nil {
			t.Fatal(err)
		}
		if ev.Type == event.TypeCalendarCanceled {
			ce.Status = "CANCELLED"
		}
		out = append(out, ce)
	}
	r.events = nil
	return out
}

const meeting = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:test
BEGIN:VEVENT
UID:weekly@test
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Paris:20261102T090000
DTEND;TZID=Europe/Paris:20261102T093000
RRULE:FREQ=WEEKLY;COUNT=10
SUMMARY:Weekly sync
EXDATE;TZID=Europe/Paris:20261116T090000
END:VEVENT
BEGIN:VEVENT
UID:weekly@test
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=Europe/Paris:20261123T090000
DTSTART;TZID=Europe/Paris:20261123T140000
DTEND;TZID=Europe/Paris:20261123T143000
SUMMARY:Weekly sync (afternoon)
END:VEVENT
END:VCALENDAR
`

func newWatcher(t *testing.T, dir string, store state.Store, now func() time.Time) *Watcher {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Paris")
	f, err := source.NewLocal(source.LocalConfig{Name: "personal", Path: dir}, store, slog.New(slog.DiscardHandler), source.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{Name: "personal", Fetcher: f, Location: loc, Horizon: 30 * 24 * time.Hour}, store, nil, WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestWatcherLifecycle: expansion with EXDATE and a moved instance, no
// re-announcement on an unchanged poll or after a restart, a change
// announced once, a deleted file announced as cancelled.
func TestWatcherLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "weekly.ics")
	os.WriteFile(file, []byte(strings.ReplaceAll(meeting, "\n", "\r\n")), 0o600)
	now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := state.NewMemory()
	w := newWatcher(t, dir, store, clock)
	var rec recorder
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	got := rec.take(t)
	if len(got) != 1 || got[0].UID != "weekly@test" || got[0].Status == "CANCELLED" {
		t.Fatalf("first poll: %+v", got)
	}
	var starts []string
	for _, o := range got[0].Occurrences {
		starts = append(starts, o.Start.In(time.UTC).Format("01-02T15:04"))
	}
	// Window: Nov 9 (today - 1 day) .. Dec 10. The 16th is excluded, the
	// 23rd moved to 14:00 Paris (13:00 UTC); 09:00 Paris is 08:00 UTC.
	want := "11-09T08:00 11-23T13:00 11-30T08:00 12-07T08:00"
	if strings.Join(starts, " ") != want {
		t.Fatalf("occurrences %s, want %s", strings.Join(starts, " "), want)
	}
	if got[0].Occurrences[1].RecurrenceID != "2026-11-23T08:00:00Z" || got[0].Occurrences[1].Summary != "Weekly sync (afternoon)" {
		t.Fatalf("moved instance: %+v", got[0].Occurrences[1])
	}

	// Unchanged: nothing. Restart on the same store: nothing either.
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	w2 := newWatcher(t, dir, store, clock)
	if err := w2.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 0 {
		t.Fatalf("re-announced %d events without a change", len(got))
	}

	// The window slides a week: the event is announced again with new
	// occurrences.
	now = now.Add(7 * 24 * time.Hour)
	if err := w2.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 1 || got[0].Occurrences[0].Start.Day() != 23 {
		t.Fatalf("after a week: %+v", got)
	}

	// Deleted: cancelled, once.
	os.Remove(file)
	if err := w2.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 1 || got[0].Status != "CANCELLED" || got[0].UID != "weekly@test" {
		t.Fatalf("after delete: %+v", got)
	}
	if err := w2.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 0 {
		t.Fatalf("cancellation repeated: %+v", got)
	}
}

func TestBrokenObjectSkipped(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.ics"), []byte(meeting), 0o600)
	os.WriteFile(filepath.Join(dir, "bad.ics"), []byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:garbage\n"), 0o600)
	now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	w := newWatcher(t, dir, state.NewMemory(), func() time.Time { return now })
	var rec recorder
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 1 || got[0].UID != "weekly@test" {
		t.Fatalf("a broken file must not block the good one: %+v", got)
	}
}

func TestDemoCalendar(t *testing.T) {
	ctx := context.Background()
	loc, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2027, 3, 27, 12, 0, 0, 0, loc) // the day before a DST change
	d := NewDemo("demo", "me@example.com", loc, func() time.Time { return now })
	w, err := New(Config{Name: "demo", Fetcher: d, Location: loc}, state.NewMemory(), nil, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	got := rec.take(t)
	uids := map[string]event.CalendarEvent{}
	for _, ce := range got {
		uids[ce.UID] = ce
	}
	if len(uids) != 5 {
		t.Fatalf("demo events: %d, want 5", len(uids))
	}
	standup := uids["standup@demo.agentd"]
	var moved bool
	for _, o := range standup.Occurrences {
		if o.Summary == "Team stand-up (moved)" {
			moved = true
			if h := o.Start.In(loc).Hour(); h != 11 {
				t.Fatalf("moved stand-up at %v", o.Start.In(loc))
			}
		} else if o.Start.In(loc).Hour() != 9 || o.Start.In(loc).Minute() != 30 {
			t.Fatalf("stand-up at %v, want 09:30 local across DST", o.Start.In(loc))
		}
	}
	if !moved {
		t.Fatal("no moved stand-up")
	}
	inv := uids["planning@demo.agentd"]
	if len(inv.Attendees) != 2 || inv.Attendees[1].PartStat != "NEEDS-ACTION" || inv.Attendees[1].Email != "me@example.com" {
		t.Fatalf("invitation attendees: %+v", inv.Attendees)
	}
	if b := uids["alice-birthday@demo.agentd"]; !b.AllDay || len(b.Occurrences) == 0 {
		t.Fatalf("birthday: %+v", b)
	}
	if a := uids["design-review@demo.agentd"].Alarms; len(a) != 1 || a[0].Before != 15*time.Minute {
		t.Fatalf("alarm: %+v", a)
	}
}

// TestDeletedWhileDown: an event deleted while agentd was not running is
// announced as cancelled by the first poll after the restart.
func TestDeletedWhileDown(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "weekly.ics")
	os.WriteFile(file, []byte(meeting), 0o600)
	now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := state.NewMemory()
	var rec recorder
	if err := newWatcher(t, dir, store, clock).SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	rec.take(t)
	os.Remove(file)
	w := newWatcher(t, dir, store, clock)
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	got := rec.take(t)
	if len(got) != 1 || got[0].UID != "weekly@test" || got[0].Status != "CANCELLED" {
		t.Fatalf("after a restart without the file: %+v", got)
	}
	if err := newWatcher(t, dir, store, clock).SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 0 {
		t.Fatalf("cancellation repeated after another restart: %+v", got)
	}
}

// TestRenamedFileNotCancelled: an event whose file is renamed (vdirsyncer
// re-keying, a move between folders of one source) is not announced as
// cancelled: its UID is still there.
func TestRenamedFileNotCancelled(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.ics"), []byte(meeting), 0o600)
	now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	w := newWatcher(t, dir, state.NewMemory(), func() time.Time { return now })
	var rec recorder
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	rec.take(t)
	if err := os.Rename(filepath.Join(dir, "a.ics"), filepath.Join(dir, "b.ics")); err != nil {
		t.Fatal(err)
	}
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	for _, ce := range rec.take(t) {
		if ce.Status == "CANCELLED" {
			t.Fatalf("renamed file announced as cancelled: %+v", ce)
		}
	}
}

// replay is a source.Fetcher handing out prepared changes, one per Fetch,
// standing for a CalDAV server whose time-range query stops listing an
// object that still exists (source.Change.OutOfWindow).
type replay struct{ changes []source.Change }

func (r *replay) Fetch(context.Context) (source.Change, error) {
	if len(r.changes) == 0 {
		return source.Change{}, nil
	}
	ch := r.changes[0]
	r.changes = r.changes[1:]
	return ch, nil
}
func (r *replay) Commit(context.Context, source.Change) error { return nil }
func (r *replay) Reset(context.Context) error                 { return nil }

// TestMovedBeyondHorizon: an event moved past the horizon leaves the CalDAV
// time range; its occurrences in the window are announced as gone (an
// empty change, not a cancellation) so that no reminder fires at the old
// time.
func TestMovedBeyondHorizon(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	one := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:one@test\r\nDTSTAMP:20261101T000000Z\r\n" +
		"DTSTART:20261111T090000Z\r\nDTEND:20261111T100000Z\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	f := &replay{changes: []source.Change{
		{Changed: []source.Object{{Calendar: "work", Href: "/c/one.ics", ETag: "1", Data: []byte(one)}}},
		{OutOfWindow: []string{"/c/one.ics"}},
	}}
	w, err := New(Config{Name: "work", Fetcher: f}, state.NewMemory(), nil, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 1 || len(got[0].Occurrences) != 1 {
		t.Fatalf("first poll: %+v", got)
	}
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	got := rec.take(t)
	if len(got) != 1 || got[0].UID != "one@test" || got[0].Status == "CANCELLED" || len(got[0].Occurrences) != 0 {
		t.Fatalf("after leaving the window: %+v", got)
	}
}

// flaky is a publisher whose failOn-th publish fails, once, as a bus that is
// briefly unreachable would; every other publish is recorded.
type flaky struct {
	recorder
	failOn, calls int
}

func (f *flaky) publish(ctx context.Context, ev event.Event) error {
	f.calls++
	if f.calls == f.failOn {
		return errors.New("bus unreachable")
	}
	return f.recorder.publish(ctx, ev)
}

// TestFailedPublishRetried: a poll whose publish fails changes nothing the
// watcher remembers, so the next poll announces the deletion's
// cancellation (and the new event) again, each exactly once, without a
// restart.
func TestFailedPublishRetried(t *testing.T) {
	other := strings.NewReplacer("weekly@test", "lunch@test", "Weekly sync", "Lunch").Replace(meeting)
	for name, failOn := range map[string]int{
		"cancellation fails": 1, // published first
		"new event fails":    2, // after the cancellation went out
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			file := filepath.Join(dir, "weekly.ics")
			os.WriteFile(file, []byte(meeting), 0o600)
			now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
			w := newWatcher(t, dir, state.NewMemory(), func() time.Time { return now })
			var rec recorder
			if err := w.SyncOnce(ctx, rec.publish); err != nil {
				t.Fatal(err)
			}
			rec.take(t)

			os.Remove(file)
			os.WriteFile(filepath.Join(dir, "lunch.ics"), []byte(other), 0o600)
			pub := &flaky{failOn: failOn}
			if err := w.SyncOnce(ctx, pub.publish); err == nil {
				t.Fatal("a failed publish must fail the poll")
			}
			for i := range 2 {
				if err := w.SyncOnce(ctx, pub.publish); err != nil {
					t.Fatalf("poll %d after the failure: %v", i+1, err)
				}
			}
			got := map[string]int{}
			for _, ce := range pub.take(t) {
				got[ce.UID+" "+ce.Status]++
			}
			want := map[string]int{"weekly@test CANCELLED": 1, "lunch@test ": 1}
			if len(got) != len(want) || got["weekly@test CANCELLED"] != 1 || got["lunch@test "] != 1 {
				t.Fatalf("announced %v, want each of %v once", got, want)
			}
		})
	}
}

// TestFailureLogHidesSecrets: a poll failure whose error names the
// subscription URL is logged and kept in health without its credentials,
// even if the source did not redact it.
func TestFailureLogHidesSecrets(t *testing.T) {
	var logs strings.Builder
	store := state.NewMemory()
	f, err := source.NewLocal(source.LocalConfig{Name: "c", Path: t.TempDir()}, store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{Name: "c", Fetcher: f}, store, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	w.record(fmt.Errorf("ics c: %w", &url.Error{Op: "Get", URL: "https://bob:pw-Secret@cal.example/private-0a1b2c3d4e5f6a7b8c9d/basic.ics?key=hunter2", Err: errors.New("EOF")}))
	h := w.Health()
	if !strings.Contains(logs.String(), "calendar poll failed") || h.OK {
		t.Fatalf("failure not logged or recorded: %s %+v", logs.String(), h)
	}
	for what, text := range map[string]string{"logs": logs.String(), "health": h.LastError} {
		for _, s := range []string{"bob", "pw-Secret", "0a1b2c3d4e5f6a7b8c9d", "hunter2"} {
			if strings.Contains(text, s) {
				t.Errorf("%s show %q: %s", what, s, text)
			}
		}
	}
}
