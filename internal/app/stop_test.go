package app

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentd/agentd/event"
)

// TestAwaitStop: Stop's wait is ordered and bounded. A pipeline that
// drains in time is not cancelled; one that needs cancelling is cancelled
// when ctx ends and waited for; one stuck even then is given up on after
// the grace.
func TestAwaitStop(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	const deadline, grace = 20 * time.Second, 5 * time.Second

	t.Run("drains in time", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancelCtx := context.WithTimeout(t.Context(), deadline)
			defer cancelCtx()
			var cancelled atomic.Bool
			start := time.Now()
			ok := awaitStop(ctx, func() { time.Sleep(3 * time.Second) }, func() { cancelled.Store(true) }, grace, logger)
			if !ok || cancelled.Load() || time.Since(start) != 3*time.Second {
				t.Errorf("ok=%v cancelled=%v after %s; want true, false, 3s", ok, cancelled.Load(), time.Since(start))
			}
		})
	})

	t.Run("stops once cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancelCtx := context.WithTimeout(t.Context(), deadline)
			defer cancelCtx()
			run, cancel := context.WithCancel(context.Background())
			start := time.Now()
			ok := awaitStop(ctx, func() { <-run.Done(); time.Sleep(time.Second) }, cancel, grace, logger)
			if !ok || time.Since(start) != deadline+time.Second {
				t.Errorf("ok=%v after %s; want true after %s", ok, time.Since(start), deadline+time.Second)
			}
		})
	})

	t.Run("stuck", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancelCtx := context.WithTimeout(t.Context(), deadline)
			defer cancelCtx()
			release := make(chan struct{})
			var cancelled atomic.Bool
			start := time.Now()
			ok := awaitStop(ctx, func() { <-release }, func() { cancelled.Store(true) }, grace, logger)
			if ok || !cancelled.Load() || time.Since(start) != deadline+grace {
				t.Errorf("ok=%v cancelled=%v after %s; want false, true, %s", ok, cancelled.Load(), time.Since(start), deadline+grace)
			}
			close(release) // let the bubble end
		})
	})
}

// TestStopBoundedWhenDeliveryHangs: a delivery that ignores cancellation
// (a terminal that takes no more lines) does not make Stop hang: after its
// deadline and the grace, Stop closes the bus and says the pipeline did
// not stop.
func TestStopBoundedWhenDeliveryHangs(t *testing.T) {
	ctx := t.Context()
	w := &blockingWriter{entered: make(chan struct{}), release: make(chan struct{})}
	a, err := New(Options{Config: testConfig(t), Stdout: w})
	if err != nil {
		t.Fatal(err)
	}
	a.stopGrace = 200 * time.Millisecond
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer close(w.release) // after Stop: the stuck delivery ends on a closed bus
	s := event.Suggestion{ID: event.ID("test", "hang"), Kind: event.KindSuggestion, Title: "Read it", Priority: event.PriorityNormal}
	if err := a.bus.PublishSuggestion(ctx, s); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("suggestion never reached the terminal notifier")
	}

	sctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- a.Stop(sctx) }()
	select {
	case err := <-stopped:
		if err == nil || !strings.Contains(err.Error(), "did not stop") {
			t.Errorf("Stop = %v, want an error saying the pipeline did not stop", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Stop hung on a stuck delivery")
	}
	if !a.bus.Conn().IsClosed() {
		t.Error("bus still open after Stop")
	}
}

// TestTrimmerOwned: the pipeline's memory trimmer runs once per pipeline,
// also across reloads, and is gone when Stop returns.
func TestTrimmerOwned(t *testing.T) {
	ctx := t.Context()
	cfg := testConfig(t)
	a, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if n := trimmerGoroutines(); n != 1 {
		t.Errorf("%d trimmer goroutines after Start, want 1", n)
	}
	for range 2 {
		if err := a.Reload(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	if n := trimmerGoroutines(); n != 1 {
		t.Errorf("%d trimmer goroutines after two reloads, want 1", n)
	}
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := trimmerGoroutines(); n != 0 {
		t.Errorf("%d trimmer goroutines after Stop, want 0", n)
	}
}

// trimmerGoroutines counts the goroutines running memoryTrimmer.run.
func trimmerGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "(*memoryTrimmer).run(")
		}
		buf = make([]byte, 2*len(buf))
	}
}
