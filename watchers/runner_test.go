package watchers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
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

// The runner's backoff is timers and channels only: the tests run in a
// synctest bubble, where the waits pass on a fake clock, instantly.

func TestRunnerReconnectsAndRecordsHealth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := NewRunner(slog.New(slog.NewTextHandler(io.Discard, nil)), WithBackoff(time.Second, 4*time.Second))
		w := &flaky{failures: 3}
		published := make(chan struct{}, 10)
		r.Start(ctx, []Watcher{w}, func(context.Context, event.Event) error {
			published <- struct{}{}
			return nil
		})
		for i := range 2 {
			select {
			case <-published:
			case <-time.After(time.Minute):
				t.Fatalf("publish %d never happened", i+1)
			}
		}
		// The second Run is now waiting for ctx.
		synctest.Wait()
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
	})
}

func TestRunnerHealthWhileFailing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		r := NewRunner(slog.New(slog.NewTextHandler(io.Discard, nil)), WithBackoff(time.Second, time.Second))
		w := &flaky{failures: 1 << 30}
		r.Start(ctx, []Watcher{w}, func(context.Context, event.Event) error { return nil })
		// Waits of 0.5 to 1 s: at least 4 connects in 3 s.
		time.Sleep(3 * time.Second)
		synctest.Wait()
		h := r.Health()
		if h[0].Failures < 3 || h[0].OK || h[0].LastError != "connection refused" {
			t.Fatalf("failing health = %+v, want 3+ failures", h[0])
		}
		cancel()
		r.Wait()
	})
}

// leaky fails Connect with an error that names its URL, credentials and all.
type leaky struct{}

func (leaky) Name() string { return "mail:leaky" }
func (leaky) Connect(context.Context) error {
	return &url.Error{Op: "Get", URL: "https://bob:hunter2@dav.example/private-0a1b2c3d4e5f6a7b8c9d/basic.ics?token=t0psecret", Err: errors.New("connection refused")}
}
func (leaky) Run(ctx context.Context, _ Publish) error { <-ctx.Done(); return nil }
func (leaky) Close(context.Context) error              { return nil }

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunnerRedactsSourceErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var logs syncBuffer
		r := NewRunner(slog.New(slog.NewTextHandler(&logs, nil)), WithBackoff(time.Second, time.Second))
		r.Start(ctx, []Watcher{leaky{}}, func(context.Context, event.Event) error { return nil })
		time.Sleep(2 * time.Second)
		synctest.Wait()
		h := r.Health()
		cancel()
		r.Wait()
		if !strings.Contains(logs.String(), "source failed") || h[0].OK {
			t.Fatalf("no failure logged or recorded: %s %+v", logs.String(), h[0])
		}
		for what, text := range map[string]string{"logs": logs.String(), "health": h[0].LastError} {
			for _, s := range []string{"bob", "hunter2", "0a1b2c3d4e5f6a7b8c9d", "t0psecret"} {
				if strings.Contains(text, s) {
					t.Errorf("%s show %q: %s", what, s, text)
				}
			}
		}
	})
}
