package maildir

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// testNow is the tests' clock: mail dated after testNow-14d is recent.
var testNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// msg is a mail to write into a test Maildir.
type msg struct {
	ID, From, To, Subject, Body string
	Date                        time.Time // zero: no Date header
}

func (m msg) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", m.From, m.To, m.Subject)
	if !m.Date.IsZero() {
		fmt.Fprintf(&b, "Date: %s\r\n", m.Date.Format(time.RFC1123Z))
	}
	if m.ID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", m.ID)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(m.Body)
	b.WriteString("\r\n")
	return b.String()
}

// tree is a Maildir built by a test.
type tree struct {
	t    *testing.T
	root string
	// dirs maps a mailbox name ("INBOX", "Sent", "Drafts", …) to its
	// directory.
	dirs map[string]string
}

// Tree layouts.
const (
	layoutMaildirPP = "maildir++" // root is INBOX, ".Sent", ".Drafts"
	layoutMbsync    = "mbsync"    // INBOX/, Sent/, Drafts/ below the root
)

// newTree creates an empty Maildir with the given folders (INBOX is always
// there) in the given layout.
func newTree(t *testing.T, layout string, folders ...string) *tree {
	t.Helper()
	tr := &tree{t: t, root: t.TempDir(), dirs: map[string]string{}}
	for _, name := range append([]string{"INBOX"}, folders...) {
		var dir string
		switch {
		case layout == layoutMaildirPP && name == "INBOX":
			dir = tr.root
		case layout == layoutMaildirPP:
			dir = filepath.Join(tr.root, "."+strings.ReplaceAll(name, "/", "."))
		case layout == layoutMbsync:
			dir = filepath.Join(tr.root, filepath.FromSlash(name))
		default:
			t.Fatalf("unknown layout %q", layout)
		}
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		tr.dirs[name] = dir
	}
	return tr
}

// put writes a file into folder/sub (cur or new) with the given mtime
// (zero: now), directly.
func (tr *tree) put(folder, sub, name, content string, mtime time.Time) string {
	tr.t.Helper()
	dir, ok := tr.dirs[folder]
	if !ok {
		tr.t.Fatalf("no folder %q", folder)
	}
	path := filepath.Join(dir, sub, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tr.t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			tr.t.Fatal(err)
		}
	}
	return path
}

// deliver writes a file the way a delivery agent does: into tmp/, then
// renamed into new/.
func (tr *tree) deliver(folder, name, content string) {
	tr.t.Helper()
	dir := tr.dirs[folder]
	tmp := filepath.Join(dir, "tmp", name)
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		tr.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "new", name)); err != nil {
		tr.t.Fatal(err)
	}
}

// move renames folder/from/oldName to folder/to/newName, as a mail reader
// or mbsync does when it sees a mail or changes its flags.
func (tr *tree) move(folder, from, oldName, to, newName string) {
	tr.t.Helper()
	dir := tr.dirs[folder]
	if err := os.Rename(filepath.Join(dir, from, oldName), filepath.Join(dir, to, newName)); err != nil {
		tr.t.Fatal(err)
	}
}

// fileState is what the read-only test compares.
type fileState struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
}

// snapshot lists every file and directory under root with mode, size and
// mtime.
func snapshot(t *testing.T, root string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out[rel] = fileState{mode: info.Mode(), size: info.Size(), mtime: info.ModTime()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// recorder is the tests' publish function: it keeps what it was given,
// signals each event on ch and can be told to fail.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
	ch     chan event.Event
	// fail makes publish fail for events with these subjects.
	fail map[string]bool
}

func newRecorder() *recorder { return &recorder{ch: make(chan event.Event, 1000)} }

func (r *recorder) publish(_ context.Context, ev event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[ev.Subject] {
		return fmt.Errorf("bus unavailable for %q", ev.Subject)
	}
	r.events = append(r.events, ev)
	r.ch <- ev
	return nil
}

// take returns and forgets the events published so far.
func (r *recorder) take() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	for len(r.ch) > 0 {
		<-r.ch
	}
	return out
}

// wait returns the next event published, failing the test after a long
// timeout (a hang, not a latency measurement).
func (r *recorder) wait(t *testing.T, what string) event.Event {
	t.Helper()
	select {
	case ev := <-r.ch:
		return ev
	case <-time.After(20 * time.Second):
		t.Fatalf("no event for %s", what)
		return event.Event{}
	}
}

func subjects(evs []event.Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Subject)
	}
	return out
}

func decodeMail(t *testing.T, ev event.Event) event.Mail {
	t.Helper()
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// logBuffer collects a watcher's log output.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newTestWatcher builds a watcher on root with the tests' clock.
func newTestWatcher(t *testing.T, cfg Config, store state.Store, logger *slog.Logger, opts ...Option) *Watcher {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "home"
	}
	opts = append([]Option{WithClock(func() time.Time { return testNow })}, opts...)
	w, err := New(cfg, store, logger, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	return w
}

// runWatcher connects w and runs it in the background until the test ends;
// the returned function stops it and returns Run's error.
func runWatcher(t *testing.T, w *Watcher, publish func(context.Context, event.Event) error) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := w.Connect(ctx); err != nil {
		cancel()
		t.Fatalf("Connect: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, publish) }()
	stopped := false
	var runErr error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			runErr = <-done
		}
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}
