package notifiertest

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
)

// DeliverWithRetries delivers s to n alone through a dispatcher, so through
// the same retry stage as in the daemon, with the clock stopped at now and
// a backoff that returns at once. It returns the waits the retry stage
// asked for, in order, and Deliver's error. logger is the dispatcher's; a
// test that checks what is logged passes the logger its notifier has too.
func DeliverWithRetries(t *testing.T, n notifiers.Notifier, logger *slog.Logger, now time.Time, s event.Suggestion) ([]time.Duration, error) {
	t.Helper()
	var (
		mu     sync.Mutex
		sleeps []time.Duration
	)
	sleep := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		sleeps = append(sleeps, d)
		return nil
	}
	d := notifiers.NewDispatcher([]notifiers.Target{{Notifier: n}}, state.NewMemory(), logger,
		notifiers.WithSleep(sleep), notifiers.WithClock(func() time.Time { return now }))
	_, err := d.Deliver(t.Context(), s)
	mu.Lock()
	defer mu.Unlock()
	return sleeps, err
}
