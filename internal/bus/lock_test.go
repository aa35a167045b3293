package bus

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOneEmbeddedServerPerDataDir: a second embedded server on a data dir
// in use used to start, and both announced everything; now it is refused
// at once, with a message naming the dir and the holder's pid. Once the
// first is closed the dir is free again.
func TestOneEmbeddedServerPerDataDir(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	dir := t.TempDir()
	first, err := Open(ctx, Config{DataDir: dir}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	second, err := Open(ctx, Config{DataDir: dir}, testLogger(t))
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("a second embedded server opened a data dir in use")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("refusing took %s, want at once", took)
	}
	var lerr *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &lerr) || lerr.Dir != dir || lerr.PID != os.Getpid() {
		t.Fatalf("err = %v, want a LockedError for %s held by pid %d", err, dir, os.Getpid())
	}
	for _, want := range []string{dir, "pid " + strconv.Itoa(os.Getpid()), "one agentd per data dir"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	// The first one is unharmed.
	if err := first.PublishEvent(ctx, testEvent(t, "after")); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, Config{DataDir: dir}, testLogger(t))
	if err != nil {
		t.Fatalf("reopen after close: %v", err)
	}
	again.Close()

	// Another data dir is another lock.
	other := openEmbedded(t, ctx, filepath.Join(dir, "other"))
	if !other.Embedded() {
		t.Fatal("not embedded")
	}
}

// A lock file left by a killed daemon holds no lock: it is taken over.
func TestStaleLockFile(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, LockName), []byte("999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	openEmbedded(t, ctx, dir)
	b, err := os.ReadFile(filepath.Join(dir, LockName))
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("lock file holds %q (%v), want this pid", b, err)
	}
}
