// Package notifiers holds the Notifier contract and the stages composed
// around every notifier: routing, quiet hours, dedup through a delivery log,
// and retry with backoff.
package notifiers

import (
	"context"

	"github.com/agentd/agentd/event"
)

// Notifier delivers suggestions on one channel. retry reports whether a
// failure is temporary and worth retrying.
type Notifier interface {
	Name() string
	Notify(ctx context.Context, s ...event.Suggestion) (retry bool, err error)
}

// Checker is implemented by notifiers that can tell whether they can deliver
// right now (for `agentd check`), without sending anything.
type Checker interface {
	Check(ctx context.Context) error
}
