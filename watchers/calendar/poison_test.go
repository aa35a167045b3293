package calendar

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/watchers"
)

// bigMeeting is a VEVENT whose event is about 20 KB (200 attendees), over
// the 16 KiB limit of the test's bus.
func bigMeeting() string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:a-big@test\r\nDTSTAMP:20261101T000000Z\r\n" +
		"DTSTART:20261111T090000Z\r\nDTEND:20261111T100000Z\r\nSUMMARY:All hands\r\n")
	for i := range 200 {
		fmt.Fprintf(&b, "ATTENDEE;CN=Person number %d;PARTSTAT=NEEDS-ACTION:mailto:person%d@example.org\r\n", i, i)
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	return b.String()
}

// TestPoisonEventIsSkipped: one calendar object whose event the bus refuses
// for good used to fail every poll before anything after it was published,
// blocking every reminder of the calendar. It is recorded as poison and
// skipped; the other events are announced, a later poll does not try it
// again, and deleting its file cancels it.
func TestPoisonEventIsSkipped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir(), MaxPayload: 16 << 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	store, err := b.Store(ctx, bus.BucketWatchers)
	if err != nil {
		t.Fatal(err)
	}
	poison, err := b.Store(ctx, bus.BucketPoison)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	book := watchers.NewPoisonBook(poison, func() time.Time { return now })
	var rec recorder
	publish := watchers.Quarantine(func(ctx context.Context, ev event.Event) error {
		if err := b.PublishEvent(ctx, ev); err != nil {
			return err
		}
		return rec.publish(ctx, ev)
	}, book, bus.IsPermanent, slog.New(slog.DiscardHandler))

	dir := t.TempDir()
	big := filepath.Join(dir, "big.ics")
	os.WriteFile(big, []byte(bigMeeting()), 0o600)
	os.WriteFile(filepath.Join(dir, "weekly.ics"), []byte(meeting), 0o600)
	w := newWatcher(t, dir, store, func() time.Time { return now })
	if err := w.SyncOnce(ctx, publish); err != nil {
		t.Fatalf("poll: %v, want nil: one poison event does not fail the calendar", err)
	}
	if got := rec.take(t); len(got) != 1 || got[0].UID != "weekly@test" {
		t.Fatalf("published %+v, want the weekly meeting", got)
	}
	recs, err := book.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Source != "calendar:personal" || recs[0].Count != 1 || recs[0].Last().Subject != "All hands" {
		t.Fatalf("poison records = %+v, want the big meeting's", recs)
	}

	// The next poll, and a restart, leave it alone.
	if err := w.SyncOnce(ctx, publish); err != nil {
		t.Fatal(err)
	}
	w2 := newWatcher(t, dir, store, func() time.Time { return now })
	if err := w2.SyncOnce(ctx, publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 0 {
		t.Fatalf("re-announced %+v", got)
	}
	if recs, _ := book.List(ctx); recs[0].Count != 1 {
		t.Fatalf("poison recorded %d times, want once", recs[0].Count)
	}

	// Deleted, while a new file comes: the new one is announced. (The big
	// meeting's cancellation is as large as the meeting, so it is poison
	// too; the planner never heard of the meeting anyway.)
	os.Remove(big)
	os.WriteFile(filepath.Join(dir, "new.ics"), []byte(strings.NewReplacer("weekly@test", "new@test", "Weekly sync", "New sync").Replace(meeting)), 0o600)
	if err := w2.SyncOnce(ctx, publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 1 || got[0].UID != "new@test" {
		t.Fatalf("after deleting the big file and adding one: %+v", got)
	}
	if recs, _ := book.List(ctx); recs[0].Count != 2 || recs[0].Last().Type != event.TypeCalendarCanceled {
		t.Fatalf("poison records %+v, want the meeting and its cancellation", recs)
	}
	if err := w2.SyncOnce(ctx, publish); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 0 {
		t.Fatalf("re-announced %+v", got)
	}
}
