package watchers

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// stuckStore answers no write while stuck is set: the write waits for its
// deadline, as against a bus whose damaged store keeps it busy.
type stuckStore struct {
	state.Store
	stuck atomic.Bool
}

func (s *stuckStore) Put(ctx context.Context, key string, value []byte) error {
	if s.stuck.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	return s.Store.Put(ctx, key, value)
}

// saver saves its state after each event, giving each write 2 s, and
// fails when it cannot (as the watchers do).
type saver struct{ store state.Store }

func (saver) Name() string                  { return "mail:saver" }
func (saver) Connect(context.Context) error { return nil }
func (saver) Close(context.Context) error   { return nil }
func (s saver) Run(ctx context.Context, publish Publish) error {
	for {
		if err := publish(ctx, event.Event{ID: "x"}); err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := s.store.Put(wctx, "cursor", []byte("1"))
		cancel()
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}

// TestStateWritesMakeSourceUnhealthy: state writes that time out left the
// source "back" in the log at every reconnect. Now the source is unhealthy
// while they fail, its health says why, the log says it once and never
// "source is back"; once writes work, it is healthy again.
func TestStateWritesMakeSourceUnhealthy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var logs syncBuffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		sw := NewStateWrites(logger, nil)
		store := &stuckStore{Store: state.NewMemory()}
		store.stuck.Store(true)
		r := NewRunner(logger, WithBackoff(time.Second, time.Second), WithStateWrites(sw))
		r.Start(ctx, []Watcher{saver{store: sw.Wrap(store)}}, func(context.Context, event.Event) error { return nil })

		time.Sleep(30 * time.Second)
		synctest.Wait()
		h := r.Health()
		if h[0].OK || !strings.Contains(h[0].LastError, "cannot save its state") || !strings.Contains(h[0].LastError, "deadline exceeded") {
			t.Errorf("health while writes time out = %+v, want failing, saying why", h[0])
		}
		text := logs.String()
		if strings.Contains(text, "source is back") {
			t.Errorf("log says the source is back while it cannot save its state:\n%s", text)
		}
		if n := strings.Count(text, "state writes fail"); n != 1 {
			t.Errorf("%d lines say state writes fail, want 1:\n%s", n, text)
		}
		if !strings.Contains(text, "agentd repair") {
			t.Errorf("log does not name the repair:\n%s", text)
		}

		store.stuck.Store(false)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if h := r.Health(); !h[0].OK {
			t.Errorf("health once writes work = %+v, want ok", h[0])
		}
		if !strings.Contains(logs.String(), "state writes work again") {
			t.Errorf("recovery not logged:\n%s", logs.String())
		}
		cancel()
		r.Wait()
	})
}
