package llm

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrBatcherClosed is returned by Add after Close.
var ErrBatcherClosed = errors.New("llm: batcher closed")

// BatcherConfig configures a Batcher.
type BatcherConfig[T any] struct {
	// Window is how long the first item of a batch waits for company;
	// default 2 s. It is not extended by later items, so no item waits
	// longer than Window plus the previous flush.
	Window time.Duration
	// MaxItems flushes a batch early when it is full; default 20. It keeps
	// prompts within the model's context.
	MaxItems int
	// Flush handles one batch. Batches are flushed one at a time, in
	// order, on Run's goroutine; Add blocks meanwhile, which is the
	// backpressure a single local model needs.
	Flush func(ctx context.Context, items []T)
	// After is the clock; default time.After. Tests may also run the
	// default under testing/synctest.
	After func(time.Duration) <-chan time.Time
}

// Batcher groups items that arrive within a short window so one LLM call
// handles them all (the planner sees mail in bursts: a sync brings ten
// messages at once).
type Batcher[T any] struct {
	cfg       BatcherConfig[T]
	in        chan T
	closing   chan struct{}
	closeOnce sync.Once
}

// NewBatcher returns a Batcher; call Run to start it.
func NewBatcher[T any](cfg BatcherConfig[T]) *Batcher[T] {
	if cfg.Window <= 0 {
		cfg.Window = 2 * time.Second
	}
	if cfg.MaxItems <= 0 {
		cfg.MaxItems = 20
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	return &Batcher[T]{cfg: cfg, in: make(chan T), closing: make(chan struct{})}
}

// Add hands item to the batcher. It blocks until Run takes it, ctx ends or
// the batcher closes.
func (b *Batcher[T]) Add(ctx context.Context, item T) error {
	select {
	case <-b.closing:
		return ErrBatcherClosed
	default:
	}
	select {
	case b.in <- item:
		return nil
	case <-b.closing:
		return ErrBatcherClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close asks Run to flush what it holds and return. It is idempotent.
func (b *Batcher[T]) Close() { b.closeOnce.Do(func() { close(b.closing) }) }

// Run collects and flushes batches until Close (after flushing the pending
// batch, returns nil) or until ctx ends (returns ctx.Err() and drops the
// pending batch: its items come from durable consumers and are not acked,
// so they are delivered again after a restart).
func (b *Batcher[T]) Run(ctx context.Context) error {
	var (
		batch []T
		timer <-chan time.Time
	)
	flush := func() {
		if len(batch) > 0 {
			b.cfg.Flush(ctx, batch)
		}
		batch, timer = nil, nil
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-b.closing:
			flush()
			return nil
		case it := <-b.in:
			batch = append(batch, it)
			if len(batch) == 1 {
				timer = b.cfg.After(b.cfg.Window)
			}
			if len(batch) >= b.cfg.MaxItems {
				flush()
			}
		case <-timer:
			flush()
		}
	}
}
