package watchers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
)

// flaky fails Connect a number of times, then publishes one event per Run.
type flaky struct {
	mu       sync.Mutex
	failures int
	connects int
	closes   int
	runs     int
}

func (f *flaky) Name() string { return "feed:flaky" }
func (f *flaky) Connect(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connects++
	if f.connects <= f.failures {
		return errors.New("connection refused")
	}
	return nil
}
func (f *flaky) Run(ctx context.Context, publish Publish) error {
	f.mu.Lock()
	f.runs++
	runs := f.runs
	f.mu.Unlock()
	if err := publish(ctx, event.Event{ID: "x"}); err != nil {
		return err
	}
	if runs == 1 {
		return errors.New("connection reset")
	}
	<-ctx.Done()
	return ctx.Err()
}
func (f *flaky) Close(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	return nil
}

func TestRunnerReconnectsAndRecordsHealth(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := NewRunner(slog.New(slog.NewTextHandler(io.Discard, nil)), WithBackoff(time.Millisecond, 4*time.Millisecond))
	w := &flaky{failures: 3}
	published := make(chan struct{}, 10)
	r.Start(ctx, []Watcher{w}, func(context.Context, event.Event) error {
		published <- struct{}{}
		return nil
	})
	for i := range 2 {
		select {
		case <-published:
		case <-time.After(5 * time.Second):
			t.Fatalf("publish %d never happened", i+1)
		}
	}
	h := r.Health()
	if len(h) != 1 || !h[0].OK || h[0].Failures != 0 || h[0].LastOK.IsZero() {
		t.Fatalf("health after recovery = %+v", h)
	}
	cancel()
	r.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.connects != 5 || w.runs != 2 {
		t.Fatalf("connects=%d runs=%d, want 5 connects (3 failed) and 2 runs", w.connects, w.runs)
	}
	if w.closes != w.connects {
		t.Fatalf("closes=%d, want one per connect (%d)", w.closes, w.connects)
	}
}

func TestRunnerHealthWhileFailing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := NewRunner(slog.New(slog.NewTextHandler(io.Discard, nil)), WithBackoff(time.Millisecond, time.Millisecond))
	w := &flaky{failures: 1 << 30}
	r.Start(ctx, []Watcher{w}, func(context.Context, event.Event) error { return nil })
	deadline := time.Now().Add(5 * time.Second)
	for {
		h := r.Health()
		if h[0].Failures >= 3 {
			if h[0].OK || h[0].LastError != "connection refused" {
				t.Fatalf("failing health = %+v", h[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failures recorded: %+v", h)
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	r.Wait()
}
