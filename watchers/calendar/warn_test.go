package calendar

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers/calendar/source"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestOneWarningPerBadFile: a file of 2,001 events whose rules cannot be
// expanded logged 2,001 warnings at every full expansion (each restart,
// each day, each retry of a stuck calendar). It is one line for the file,
// once until the file changes.
func TestOneWarningPerBadFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
	for i := range 2001 {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:bad-%d@test\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261111T090000Z\r\nRRULE:FREQ=NEVER\r\nSUMMARY:Bad %d\r\nEND:VEVENT\r\n", i, i)
	}
	b.WriteString("END:VCALENDAR\r\n")
	bad := filepath.Join(dir, "bad.ics")
	os.WriteFile(bad, []byte(b.String()), 0o600)
	os.WriteFile(filepath.Join(dir, "weekly.ics"), []byte(meeting), 0o600)

	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := state.NewMemory()
	newW := func() *Watcher {
		f, err := source.NewLocal(source.LocalConfig{Name: "personal", Path: dir}, store, logger, source.WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		w, err := New(Config{Name: "personal", Fetcher: f, Horizon: 30 * 24 * time.Hour, Location: time.UTC}, store, logger, WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		return w
	}
	var rec recorder
	w := newW()
	for range 3 {
		if err := w.SyncOnce(ctx, rec.publish); err != nil {
			t.Fatal(err)
		}
		now = now.Add(24 * time.Hour) // a new day: a full expansion
	}
	if got := rec.take(t); len(got) == 0 || got[0].UID != "weekly@test" {
		t.Fatalf("published %+v, want the weekly meeting", got)
	}
	lines := strings.Count(logs.String(), "\n")
	if lines != 1 || !strings.Contains(logs.String(), "bad.ics") || !strings.Contains(logs.String(), "events=2001") {
		t.Fatalf("%d log lines, want 1 naming bad.ics and its 2001 events:\n%.2000s", lines, logs.String())
	}

	// The file changes (still bad): one line again.
	os.WriteFile(bad, []byte(strings.Replace(b.String(), "Bad 0", "Still bad", 1)), 0o600)
	os.Chtimes(bad, now, now)
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(logs.String(), "\n"); lines != 2 {
		t.Fatalf("%d log lines after the file changed, want 2", lines)
	}
}
