// Package watchers holds the contract every source implements and the runner
// that owns reconnect, backoff and health for all of them.
package watchers

import (
	"context"

	"github.com/agentd/agentd/event"
)

// Publish hands an event to the bus. It returns once the event is stored
// (JetStream ack); a watcher records progress only after that.
type Publish func(ctx context.Context, ev event.Event) error

// Watcher is one source: one feed, one mail account, one calendar.
type Watcher interface {
	// Name is "feed:<name>", "mail:<account>" or "calendar:<name>".
	Name() string
	// Connect prepares the source (dial, log in). The runner retries it
	// with backoff.
	Connect(ctx context.Context) error
	// Run watches until ctx is done or an error occurs, publishing each new
	// thing once. An error makes the runner reconnect after a backoff.
	Run(ctx context.Context, publish Publish) error
	// Close releases what Connect took. Safe to call more than once.
	Close(ctx context.Context) error
}

// Syncer is implemented by watchers that can do one bounded pass over their
// source, for `agentd plan` and `agentd check`.
type Syncer interface {
	SyncOnce(ctx context.Context, publish Publish) error
}
