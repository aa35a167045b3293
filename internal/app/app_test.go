package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/suggestions"
)

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	yaml := fmt.Sprintf(`user:
  name: Test
  email: test@example.com
  timezone: UTC
  interests: [golang]
bus:
  data_dir: %s
sources:
  feeds: []
notify:
  terminal: {}
`, filepath.Join(dir, "data"))
	cfg, err := config.Parse(path, []byte(yaml))
	if err != nil {
		t.Fatalf("parse config: %v", err)
	}
	return cfg
}

// TestFeedbackWhileStopping: a desktop action arrives while Stop or Reload
// holds a.mu and waits for the notifier's signal goroutine to end; recording
// the feedback must not need a.mu, or the two wait for each other forever.
func TestFeedbackWhileStopping(t *testing.T) {
	ctx := t.Context()
	a, err := New(Options{Config: testConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())

	store, err := a.bus.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	book := suggestions.New(store, busOutbox{a.bus}, a.now)
	s := event.Suggestion{ID: event.ID("test", "feedback"), Kind: event.KindSuggestion, Title: "Read it"}
	if err := book.Delivered(ctx, s, event.StatusDelivered); err != nil {
		t.Fatal(err)
	}

	a.mu.Lock() // as Stop and Reload do while closing the notifiers
	done := make(chan struct{})
	go func() {
		a.feedback(ctx, book, time.UTC, s.ID, "dismiss")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		a.mu.Unlock()
		t.Fatal("feedback blocked on the app lock")
	}
	a.mu.Unlock()

	rec, err := getRecord(ctx, store, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != event.StatusDismissed {
		t.Fatalf("status = %q, want %q", rec.Status, event.StatusDismissed)
	}
}

// blockingWriter holds the first write until released, like a terminal
// that is slow to take a line.
type blockingWriter struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.once.Do(func() {
		close(w.entered)
		<-w.release
	})
	return len(p), nil
}

// TestStopDrainsDelivery: a suggestion being delivered when Stop begins is
// finished and recorded, not cancelled half-way (stopping the watchers
// must not cancel the notifiers' context).
func TestStopDrainsDelivery(t *testing.T) {
	ctx := t.Context()
	cfg := testConfig(t)
	w := &blockingWriter{entered: make(chan struct{}), release: make(chan struct{})}
	a, err := New(Options{Config: cfg, Stdout: w})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	s := event.Suggestion{ID: event.ID("test", "drain"), Kind: event.KindSuggestion, Title: "Read it", Priority: event.PriorityNormal}
	if err := a.bus.PublishSuggestion(ctx, s); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("suggestion never reached the terminal notifier")
	}

	stopped := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stopped <- a.Stop(sctx)
	}()
	// Wait until Stop holds the lock and has had time to stop the watchers.
	for a.mu.TryLock() {
		a.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	close(w.release)
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}

	b, err := bus.Open(ctx, busConfig(cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	store, err := b.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := getRecord(ctx, store, s.ID)
	if err != nil {
		t.Fatalf("delivery in progress at stop was not recorded: %v", err)
	}
	if rec.Status != event.StatusDelivered {
		t.Fatalf("status = %q, want %q", rec.Status, event.StatusDelivered)
	}
}

func TestStartOnce(t *testing.T) {
	a, err := New(Options{Config: testConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "already started") {
		t.Fatalf("second Start: %v", err)
	}
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := a.Stop(context.Background()); err != nil {
		t.Fatalf("Stop must be idempotent: %v", err)
	}
	if err := a.Start(t.Context()); err == nil {
		t.Fatal("Start after Stop must fail")
	}
}
