package notifiers_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
)

// recorder is a notifier that keeps what it was given; it can be told to
// fail its first calls.
type recorder struct {
	name string

	mu       sync.Mutex
	got      []event.Suggestion
	calls    int
	failures int  // how many of the first calls fail
	retry    bool // whether those failures are temporary
}

func newRecorder(name string) *recorder { return &recorder{name: name} }

func (r *recorder) Name() string { return r.name }

func (r *recorder) Notify(ctx context.Context, ss ...event.Suggestion) (bool, error) {
	if err := ctx.Err(); err != nil {
		return true, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.calls <= r.failures {
		return r.retry, fmt.Errorf("%s: scripted failure %d", r.name, r.calls)
	}
	r.got = append(r.got, ss...)
	return false, nil
}

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.got {
		out = append(out, s.ID)
	}
	return out
}

func (r *recorder) callCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// suggestion returns a suggestion with an id derived from key.
func suggestion(key, kind, priority string) event.Suggestion {
	return event.Suggestion{
		SpecVersion: event.SpecVersion,
		ID:          event.ID("test", key),
		Kind:        kind,
		Title:       "Title " + key,
		Priority:    priority,
		Created:     time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC),
		About:       []event.About{{Source: "feed:go-blog", Type: event.TypeFeedItem, Ref: key}},
		Rule:        "test",
		Why:         "because " + key,
	}
}

// fixedClock is a settable clock.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// sleeps records the waits asked for and returns at once.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

// delivered is a handler that reports every delivery as delivered and counts
// calls, the innermost piece when testing one stage.
type delivered struct {
	mu    sync.Mutex
	calls int
}

func (h *delivered) handle(context.Context, notifiers.Delivery) (notifiers.Result, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	return notifiers.Result{Outcome: notifiers.Delivered, Attempts: 1}, nil
}

var errScripted = errors.New("scripted")
