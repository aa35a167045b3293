package watchers

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/agentd/agentd/internal/redact"
)

// Runner runs watchers, reconnecting each with exponential backoff when it
// fails, and records their health. A failure that repeats is logged once.
type Runner struct {
	logger  *slog.Logger
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	minWait time.Duration
	maxWait time.Duration
	state   *StateWrites // nil: state writes are not followed

	mu     sync.Mutex
	health map[string]*Tracker
	wg     sync.WaitGroup
	ws     []Watcher
}

// RunnerOption configures a Runner.
type RunnerOption func(*Runner)

// WithClock sets the clock used for health timestamps; nil keeps time.Now.
func WithClock(now func() time.Time) RunnerOption {
	return func(r *Runner) {
		if now != nil {
			r.now = now
		}
	}
}

// WithRunnerClock sets the clock used for health timestamps.
//
// Deprecated: use WithClock, the name every agentd component uses.
func WithRunnerClock(now func() time.Time) RunnerOption { return WithClock(now) }

// WithBackoff sets the first and the longest wait between reconnects.
func WithBackoff(min, max time.Duration) RunnerOption {
	return func(r *Runner) { r.minWait, r.maxWait = min, max }
}

// NewRunner returns a runner; it starts nothing.
func NewRunner(logger *slog.Logger, opts ...RunnerOption) *Runner {
	r := &Runner{
		logger:  logger,
		now:     time.Now,
		sleep:   sleepCtx,
		minWait: time.Second,
		maxWait: 5 * time.Minute,
		health:  map[string]*Tracker{},
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Start runs every watcher in its own goroutine until ctx is done.
func (r *Runner) Start(ctx context.Context, ws []Watcher, publish Publish) {
	for _, w := range ws {
		r.mu.Lock()
		r.health[w.Name()] = NewTracker(w.Name(), r.now())
		r.ws = append(r.ws, w)
		r.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.loop(ctx, w, publish)
		}()
	}
}

// Wait blocks until every watcher has returned (after ctx is done).
func (r *Runner) Wait() { r.wg.Wait() }

// Health returns the health of every watcher, sorted by name. Watchers that
// report their own health override what the runner saw.
func (r *Runner) Health() []Health {
	r.mu.Lock()
	out := make([]Health, 0, len(r.health))
	for _, t := range r.health {
		out = append(out, t.Health())
	}
	ws := append([]Watcher(nil), r.ws...)
	r.mu.Unlock()
	for _, w := range ws {
		hr, ok := w.(HealthReporter)
		if !ok {
			continue
		}
		own := hr.Health()
		for i := range out {
			if out[i].Name == w.Name() && out[i].Connected {
				own.Name, own.Connected = out[i].Name, true
				out[i] = own
			}
		}
	}
	for i := range out {
		out[i] = r.withState(out[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (r *Runner) loop(ctx context.Context, w Watcher, publish Publish) {
	log := r.logger.With("watcher", w.Name())
	wait := r.minWait
	for ctx.Err() == nil {
		err := w.Connect(ctx)
		if err == nil {
			r.record(log, w.Name(), true, nil)
			wait = r.minWait
			err = w.Run(ctx, publish)
		}
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if cerr := w.Close(closeCtx); cerr != nil {
			log.Debug("close failed", "err", cerr)
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("watcher stopped without an error")
		}
		r.record(log, w.Name(), false, err)
		// Full jitter keeps many watchers of one server from reconnecting in step.
		d := wait/2 + rand.N(wait/2+1)
		if r.sleep(ctx, d) != nil {
			return
		}
		wait = min(wait*2, r.maxWait)
	}
}

func (r *Runner) record(log *slog.Logger, name string, connected bool, err error) {
	err = redact.Error(err) // health and logs show no URL credentials
	r.mu.Lock()
	t := r.health[name]
	r.mu.Unlock()
	changed, failures := t.Record(r.now(), err)
	t.SetConnected(connected)
	switch {
	case err == nil && changed:
		if _, serr := r.state.Failing(); serr != nil {
			// Reachable, but its progress cannot be saved: not back
			// (StateWrites logs that once).
			log.Debug("source reachable, but it "+serr.Error(), "after_failures", failures)
			break
		}
		log.Info("source is back", "after_failures", failures)
	case err != nil && changed:
		// Logged once per outage; the count is in Health.
		log.Warn("source failed, retrying with backoff", "err", err)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
