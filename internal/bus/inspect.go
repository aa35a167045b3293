package bus

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Messages returns how many messages stream holds on subject, which may
// hold wildcards.
func (b *Bus) Messages(ctx context.Context, stream, subject string) (uint64, error) {
	s, err := b.js.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("bus: stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return 0, fmt.Errorf("bus: stream %s, subject %s: %w", stream, subject, err)
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n, nil
}

// Backlog returns how many messages the durable consumer on stream has
// still to deliver (pending) and how many it delivered that were not
// answered yet (unacked). The consumer learns of new messages a moment
// after they are stored.
func (b *Bus) Backlog(ctx context.Context, stream, durable string) (pending, unacked uint64, err error) {
	c, err := b.js.Consumer(ctx, stream, durable)
	if err != nil {
		return 0, 0, fmt.Errorf("bus: consumer %s on %s: %w", durable, stream, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("bus: consumer %s on %s: %w", durable, stream, err)
	}
	return info.NumPending, uint64(info.NumAckPending), nil
}
