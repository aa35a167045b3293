package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ackWait is how long the server waits for an answer before it delivers a
// message again. Consume answers every message it hands to a Handler, and
// tells the server a long-running handler is still at work, so this only
// matters when the process dies mid-message. There is deliberately no
// consumer BackOff: with one, the server adds it to every nak delay after
// the first redelivery (BackOff[n] - AckWait), so a RetryAfter(5s) would
// come back minutes later.
const ackWait = 30 * time.Second

// stopTimeout bounds how long stop waits for the client to unsubscribe;
// it always waits for a running handler.
const stopTimeout = 5 * time.Second

// ackTimeout bounds how long an ack waits for the server's confirmation.
const ackTimeout = 5 * time.Second

// ConsumeOption tunes Consume.
type ConsumeOption func(*consumeOptions)

type consumeOptions struct {
	maxDeliver int           // 0: no limit
	ackWait    time.Duration // tests shorten it
}

// MaxDeliver makes Consume give up on a message delivered more than n times
// (a poison message must not come back forever): it is dropped as if its
// handler had returned Drop, without calling the handler again. n <= 0
// means no limit, the default.
func MaxDeliver(n int) ConsumeOption {
	return func(o *consumeOptions) { o.maxDeliver = max(n, 0) }
}

// Consume runs h on every message of stream matching subjects (all of the
// stream if none) through the durable pull consumer named durable, created
// or updated as needed. Messages are handled one at a time, and h's error
// decides each message's fate (see Handler). Consuming stops when ctx is
// done or stop is called; stop waits for a running handler to return and
// answers its message, is safe to call more than once, and must not be
// called from h. h gets ctx. Messages of other processes' consumers with
// the same durable name are shared between them (a work queue).
func (b *Bus) Consume(ctx context.Context, stream, durable string, subjects []string, h Handler, opts ...ConsumeOption) (stop func(), err error) {
	o := consumeOptions{ackWait: ackWait}
	for _, opt := range opts {
		opt(&o)
	}
	cfg := jetstream.ConsumerConfig{
		Durable:        durable,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        o.ackWait,
		MaxDeliver:     -1, // MaxDeliver is checked here, to log what is given up
		FilterSubjects: subjects,
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, stream, cfg)
	if err != nil {
		if derr := b.consumerDamage(stream, durable, err); derr != nil {
			return nil, fmt.Errorf("bus: consumer %s on %s: %w", durable, stream, derr)
		}
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
		handleMsg(ctx, logger, o, h, m)
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

// handleMsg runs h on m, unless m was delivered too often, and answers the
// server as h's error says.
func handleMsg(ctx context.Context, logger *slog.Logger, o consumeOptions, h Handler, m jetstream.Msg) {
	msg := Message{Subject: m.Subject(), Data: m.Data(), Delivered: 1}
	if hdr := m.Headers(); len(hdr) > 0 {
		msg.Header = make(map[string][]string, len(hdr))
		for k, v := range hdr {
			msg.Header[k] = append([]string(nil), v...)
		}
	}
	if md, err := m.Metadata(); err == nil {
		msg.Delivered = int(min(md.NumDelivered, math.MaxInt32))
	}
	var err error
	if o.maxDeliver > 0 && msg.Delivered > o.maxDeliver {
		err = Drop(fmt.Errorf("delivered %d times, more than the limit of %d", msg.Delivered, o.maxDeliver))
	} else {
		err = runHandler(ctx, logger, o.ackWait/3, h, msg, m)
	}
	log := func(level slog.Level, text string, args ...any) {
		logger.Log(ctx, level, text, append([]any{"subject", msg.Subject, "delivered", msg.Delivered}, args...)...)
	}
	switch {
	case err == nil:
		// Wait for the server to confirm, so a message whose handler
		// returned before stop is not handled again after a restart. ctx
		// may be done (stopping): the answer is still owed.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
		defer cancel()
		if aerr := m.DoubleAck(actx); aerr != nil {
			log(slog.LevelWarn, "ack", "err", aerr)
		}
	case IsDrop(err):
		log(slog.LevelError, "dropping message", "err", err)
		if terr := m.Term(); terr != nil {
			log(slog.LevelWarn, "term", "err", terr)
		}
	default:
		delay, level, text := retryBackoff(msg.Delivered), slog.LevelWarn, "handler failed, will retry"
		var r *retryError
		if errors.As(err, &r) {
			delay = r.delay
			if r.err == nil {
				// A plain "later", such as quiet hours: no failure.
				level, text = slog.LevelDebug, "retry later"
			}
		}
		log(level, text, "retry_in", delay, "err", err)
		if nerr := m.NakWithDelay(delay); nerr != nil {
			log(slog.LevelWarn, "nak", "err", nerr)
		}
	}
}

// runHandler runs h, telling the server every progressEvery that the
// message is still being worked on, so a slow handler does not see it
// delivered again.
func runHandler(ctx context.Context, logger *slog.Logger, progressEvery time.Duration, h Handler, msg Message, m jetstream.Msg) error {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := m.InProgress(); err != nil {
					logger.Debug("in progress", "subject", msg.Subject, "err", err)
				}
			}
		}
	})
	defer wg.Wait()
	defer close(done)
	return h(ctx, msg)
}
