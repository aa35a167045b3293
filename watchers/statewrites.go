package watchers

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/agentd/agentd/internal/redact"
	"github.com/agentd/agentd/internal/state"
)

// StateWrites follows the writes to the stores watchers keep their state
// in. While they fail (a damaged or overloaded bus answers a write with a
// timeout), no source can save its progress, so none is healthy, whatever
// its server says: the Runner's Health says why, and a reconnect is not
// logged as "source is back". Safe for concurrent use.
type StateWrites struct {
	logger *slog.Logger
	now    func() time.Time

	mu    sync.Mutex
	err   error     // the last write's error; nil once a write works
	since time.Time // when writes began to fail
}

// NewStateWrites returns a StateWrites that logs to logger when writes
// begin to fail and when they work again; now nil means time.Now.
func NewStateWrites(logger *slog.Logger, now func() time.Time) *StateWrites {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &StateWrites{logger: logger, now: now}
}

// Wrap returns s with its writes (Put, Delete) followed.
func (w *StateWrites) Wrap(s state.Store) state.Store {
	if s == nil {
		return nil
	}
	return &followedStore{Store: s, w: w}
}

// Failing says since when and why state writes fail now; err is nil if
// the last one worked.
func (w *StateWrites) Failing() (since time.Time, err error) {
	if w == nil {
		return time.Time{}, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.since, w.err
}

func (w *StateWrites) record(err error) {
	w.mu.Lock()
	was := w.err
	switch {
	case err == nil:
		w.err = nil
	case was == nil:
		w.err, w.since = fmt.Errorf("cannot save its state: %w", redact.Error(err)), w.now()
	default:
		w.err = fmt.Errorf("cannot save its state: %w", redact.Error(err))
	}
	now := w.err
	since := w.since
	w.mu.Unlock()
	switch {
	case was == nil && now != nil:
		w.logger.Error("state writes fail: sources cannot save their progress (if this lasts, the store may be damaged: stop agentd and run `agentd repair`)", "err", err)
	case was != nil && now == nil:
		w.logger.Info("state writes work again", "after", w.now().Sub(since).Round(time.Second))
	}
}

type followedStore struct {
	state.Store
	w *StateWrites
}

func (s *followedStore) Put(ctx context.Context, key string, value []byte) error {
	err := s.Store.Put(ctx, key, value)
	s.note(ctx, err)
	return err
}

func (s *followedStore) Delete(ctx context.Context, key string) error {
	err := s.Store.Delete(ctx, key)
	s.note(ctx, err)
	return err
}

// note records err, unless the caller gave up (stopping is no failure).
func (s *followedStore) note(ctx context.Context, err error) {
	if err != nil && ctx.Err() == context.Canceled {
		return
	}
	s.w.record(err)
}

// WithStateWrites makes the Runner's Health show every source failing
// while w sees state writes fail.
func WithStateWrites(w *StateWrites) RunnerOption {
	return func(r *Runner) { r.state = w }
}

// withState overlays the state writes' failure on h.
func (r *Runner) withState(h Health) Health {
	since, err := r.state.Failing()
	if err == nil {
		return h
	}
	h.OK, h.LastError = false, err.Error()
	if h.Since.Before(since) {
		h.Since = since
	}
	h.Failures = max(h.Failures, 1)
	return h
}
