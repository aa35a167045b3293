package source

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// writeAt writes a file and sets its modification time, so tests do not
// depend on the file system's timestamp resolution.
func writeAt(t *testing.T, p, content string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func newLocal(t *testing.T, p string, logger *slog.Logger) *Local {
	t.Helper()
	l, err := NewLocal(LocalConfig{Name: "personal", Path: p}, state.NewMemory(), logger)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLocalSingleFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "personal.ics")
	v1 := eventICS("p1", "Dinner", testNow)
	writeAt(t, p, v1, testNow)
	l := newLocal(t, p, testLogger(t))

	ch := fetchCommit(t, l)
	if len(ch.Changed) != 1 || ch.Changed[0].Href != p || string(ch.Changed[0].Data) != v1 || ch.Changed[0].Calendar != "personal" {
		t.Fatalf("first fetch: %s", describe(ch))
	}
	tag := ch.Changed[0].ETag
	if ch := fetchCommit(t, l); !ch.Empty() {
		t.Fatalf("unchanged: %s", describe(ch))
	}
	// Touched, same bytes: read again, but nothing changed.
	writeAt(t, p, v1, testNow.Add(time.Minute))
	if ch := fetchCommit(t, l); !ch.Empty() {
		t.Fatalf("touched: %s", describe(ch))
	}
	// New content of the same size shows (the hash differs).
	v2 := strings.Replace(v1, "Dinner", "Lunch!", 1)
	writeAt(t, p, v2, testNow.Add(2*time.Minute))
	ch = fetchCommit(t, l)
	if len(ch.Changed) != 1 || string(ch.Changed[0].Data) != v2 || ch.Changed[0].ETag == tag {
		t.Fatalf("modified: %s", describe(ch))
	}
	// A file that is not iCalendar (half-written, wrong file) is an error,
	// not an empty calendar.
	writeAt(t, p, "", testNow.Add(3*time.Minute))
	if _, err := l.Fetch(context.Background()); !errors.Is(err, ErrNotCalendar) {
		t.Fatalf("empty file: err = %v", err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Fetch(context.Background()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: err = %v", err)
	}
}

func TestLocalVdir(t *testing.T) {
	dir := t.TempDir()
	at := func(m int) time.Time { return testNow.Add(time.Duration(m) * time.Minute) }
	a, b := filepath.Join(dir, "a.ics"), filepath.Join(dir, "b.ics")
	writeAt(t, a, eventICS("a", "A", testNow), at(0))
	writeAt(t, b, eventICS("b", "B", testNow), at(0))
	writeAt(t, filepath.Join(dir, ".b.ics.tmp"), "partial", at(0))
	writeAt(t, filepath.Join(dir, "notes.txt"), "not a calendar", at(0))
	writeAt(t, filepath.Join(dir, "color"), "#ff0000", at(0))
	// vdirsyncer's layout: one sub-folder per calendar, named by a file.
	w := filepath.Join(dir, "work", "w.ics")
	writeAt(t, w, eventICS("w", "W", testNow), at(0))
	writeAt(t, filepath.Join(dir, "work", "displayname"), "Work Calendar\n", at(0))
	l := newLocal(t, dir, testLogger(t))

	ch := fetchCommit(t, l)
	if got, want := changedHrefs(ch), sorted([]string{a, b, w}); !slices.Equal(got, want) {
		t.Fatalf("first fetch: %s, want %v", describe(ch), want)
	}
	for _, o := range ch.Changed {
		want := map[string]string{a: "personal", b: "personal", w: "Work Calendar"}[o.Href]
		if o.Calendar != want {
			t.Errorf("%s: calendar %q, want %q", o.Href, o.Calendar, want)
		}
	}

	// Steps run in order, each on the state the previous one left.
	steps := []struct {
		name    string
		change  func()
		changed []string
		removed []string
	}{
		{name: "unchanged", change: func() {}},
		{name: "modify b", change: func() {
			writeAt(t, b, eventICS("b", "B moved", testNow.Add(time.Hour)), at(1))
		}, changed: []string{b}},
		{name: "remove a, add c", change: func() {
			if err := os.Remove(a); err != nil {
				t.Fatal(err)
			}
			writeAt(t, filepath.Join(dir, "c.ics"), eventICS("c", "C", testNow), at(2))
		}, changed: []string{filepath.Join(dir, "c.ics")}, removed: []string{a}},
		{name: "remove calendar folder", change: func() {
			if err := os.RemoveAll(filepath.Dir(w)); err != nil {
				t.Fatal(err)
			}
		}, removed: []string{w}},
	}
	for _, st := range steps {
		name := st.name
		st.change()
		ch := fetchCommit(t, l)
		if got := changedHrefs(ch); !slices.Equal(got, sorted(st.changed)) {
			t.Errorf("%s: changed %v, want %v", name, got, st.changed)
		}
		if got := sorted(ch.Removed); !slices.Equal(got, sorted(st.removed)) {
			t.Errorf("%s: removed %v, want %v", name, got, st.removed)
		}
	}
}

// logBuffer collects log lines from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

func TestLocalVdirBadFileIsSkippedAndWarnedOnce(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.ics"), filepath.Join(dir, "bad.ics")
	writeAt(t, good, eventICS("g", "Good", testNow), testNow)
	writeAt(t, bad, "<html>oops</html>", testNow)
	var logs logBuffer
	l := newLocal(t, dir, slog.New(slog.NewTextHandler(&logs, nil)))

	ch := fetchCommit(t, l)
	if got := changedHrefs(ch); !slices.Equal(got, []string{good}) {
		t.Fatalf("first fetch: %s", describe(ch))
	}
	fetchCommit(t, l)
	if n := logs.count("skipping calendar file"); n != 1 {
		t.Fatalf("warned %d times, want once:\n%s", n, logs.b.String())
	}
	// Fixed: read again and returned.
	writeAt(t, bad, eventICS("b", "Fixed", testNow), testNow.Add(time.Minute))
	if got := changedHrefs(fetchCommit(t, l)); !slices.Equal(got, []string{bad}) {
		t.Fatalf("after fix: changed %v", got)
	}
}

func TestLocalHomeExpansion(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	writeAt(t, filepath.Join(home, ".calendars", "x.ics"), eventICS("x", "X", testNow), testNow)
	l, err := NewLocal(LocalConfig{Name: "personal", Path: "~/.calendars"}, state.NewMemory(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if ch := fetchCommit(t, l); len(ch.Changed) != 1 {
		t.Fatalf("fetch: %s", describe(ch))
	}
}
