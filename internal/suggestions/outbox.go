package suggestions

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
)

// MemoryOutbox is an Outbox that only collects what it is given: for
// `agentd plan`, which must send nothing, and for tests. It is safe for
// concurrent use.
type MemoryOutbox struct {
	mu        sync.Mutex
	published []event.Suggestion
	scheduled []event.Suggestion
	cancelled []string
}

// Publish collects s.
func (o *MemoryOutbox) Publish(_ context.Context, s event.Suggestion) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.published = append(o.published, s)
	return nil
}

// Schedule collects s.
func (o *MemoryOutbox) Schedule(_ context.Context, s event.Suggestion, _ time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.scheduled = append(o.scheduled, s)
	return nil
}

// Cancel collects id.
func (o *MemoryOutbox) Cancel(_ context.Context, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cancelled = append(o.cancelled, id)
	return nil
}

// Published returns what was published, in order.
func (o *MemoryOutbox) Published() []event.Suggestion {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.published)
}

// Scheduled returns what was scheduled, in order.
func (o *MemoryOutbox) Scheduled() []event.Suggestion {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.scheduled)
}

// Cancelled returns the ids cancelled, in order.
func (o *MemoryOutbox) Cancelled() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.cancelled)
}

var _ Outbox = (*MemoryOutbox)(nil)
