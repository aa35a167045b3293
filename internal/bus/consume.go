package bus

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Handler handles one message and decides its fate: Ack once its effect is
// stored, Nak/NakWithDelay to retry, Term to give up. A message neither
// acked nor naked is redelivered after the consumer's back-off.
type Handler func(ctx context.Context, m jetstream.Msg)

// redeliveryBackOff is how long the server waits for an ack before it
// delivers a message again, by delivery attempt; the last value repeats.
var redeliveryBackOff = []time.Duration{
	30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour,
}

// stopTimeout bounds how long stop waits for the client to unsubscribe;
// it always waits for a running handler.
const stopTimeout = 5 * time.Second

// Consume runs h on every message of stream matching subjects (all of the
// stream if none) through the durable pull consumer named durable, created
// or updated as needed. Messages are handled one at a time. Consuming stops
// when ctx is done or stop is called; stop waits for a running handler to
// return, is safe to call more than once, and must not be called from h.
// h gets ctx. Messages of other processes' consumers with the same durable
// name are shared between them (a work queue).
func (b *Bus) Consume(ctx context.Context, stream, durable string, subjects []string, h Handler) (stop func(), err error) {
	cfg := jetstream.ConsumerConfig{
		Durable:        durable,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        redeliveryBackOff[0], // the server sets it to BackOff[0] anyway
		MaxDeliver:     -1,
		BackOff:        redeliveryBackOff,
		FilterSubjects: subjects,
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("bus: consumer %s on %s: %w", durable, stream, err)
	}
	logger := b.logger.With("stream", stream, "consumer", durable)

	var (
		mu       sync.Mutex
		stopped  bool
		inflight sync.WaitGroup
		lastErr  string
	)
	handle := func(m jetstream.Msg) {
		mu.Lock()
		if stopped {
			// Not acked: the server delivers it again to the next consumer.
			mu.Unlock()
			return
		}
		inflight.Add(1)
		mu.Unlock()
		defer inflight.Done()
		h(ctx, m)
	}
	onErr := jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		// Missed heartbeats repeat every few seconds while the server is
		// away: log each distinct error once.
		mu.Lock()
		repeat := err.Error() == lastErr
		lastErr = err.Error()
		mu.Unlock()
		if !repeat {
			logger.Warn("bus consume", "err", err)
		}
	})
	cc, err := cons.Consume(handle, onErr)
	if err != nil {
		return nil, fmt.Errorf("bus: consume %s on %s: %w", durable, stream, err)
	}

	done := make(chan struct{})
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(done)
			mu.Lock()
			stopped = true
			mu.Unlock()
			cc.Stop()
			select {
			case <-cc.Closed():
			case <-time.After(stopTimeout):
				logger.Warn("bus consume: unsubscribe did not finish", "timeout", stopTimeout)
			}
			inflight.Wait()
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-done:
		}
	}()
	return stop, nil
}
