package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Raw is bare JetStream doing what the pipeline asks of it per event, with
// no agentd code around it: a publish awaiting the stream's ack (with a
// Nats-Msg-Id, as PublishEvent), delivery to a durable pull consumer, and
// an ack awaiting the server's confirmation (as Consume). Benchmarks run it
// beside the whole pipeline on the same server to report their ratio; only
// this package may touch NATS, hence a helper here.
//
// It works on its own file-stored stream, BENCH_RAW, removed by Close.
type Raw struct {
	b      *Bus
	cc     jetstream.ConsumeContext
	acked  chan struct{}
	prefix string
	seq    int
}

const (
	rawStream  = "BENCH_RAW"
	rawSubject = "agentd.bench.raw"
)

// Raw creates the benchmark stream and its consumer.
func (b *Bus) Raw(ctx context.Context) (*Raw, error) {
	s, err := b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       rawStream,
		Subjects:   []string{rawSubject},
		Storage:    jetstream.FileStorage,
		Duplicates: dedupWindow,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: raw benchmark stream: %w", err)
	}
	cons, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:   "raw",
		AckPolicy: jetstream.AckExplicitPolicy,
		AckWait:   ackWait,
	})
	if err != nil {
		_ = b.js.DeleteStream(context.WithoutCancel(ctx), rawStream)
		return nil, fmt.Errorf("bus: raw benchmark consumer: %w", err)
	}
	r := &Raw{b: b, acked: make(chan struct{}, 4096), prefix: strconv.FormatInt(time.Now().UnixNano(), 36)}
	r.cc, err = cons.Consume(func(m jetstream.Msg) {
		actx, cancel := context.WithTimeout(context.Background(), ackTimeout)
		defer cancel()
		if err := m.DoubleAck(actx); err != nil {
			b.logger.Warn("raw benchmark ack", "err", err)
			return
		}
		r.acked <- struct{}{}
	})
	if err != nil {
		_ = b.js.DeleteStream(context.WithoutCancel(ctx), rawStream)
		return nil, fmt.Errorf("bus: raw benchmark consume: %w", err)
	}
	return r, nil
}

// Run publishes n messages of payload and returns once all n were
// delivered and acked.
func (r *Raw) Run(ctx context.Context, n int, payload []byte) error {
	errc := make(chan error, 1)
	go func() {
		for range n {
			r.seq++
			if _, err := r.b.js.Publish(ctx, rawSubject, payload, jetstream.WithMsgID(r.prefix+"."+strconv.Itoa(r.seq))); err != nil {
				errc <- fmt.Errorf("bus: raw publish: %w", err)
				return
			}
		}
	}()
	for i := range n {
		select {
		case <-r.acked:
		case err := <-errc:
			return err
		case <-ctx.Done():
			return fmt.Errorf("bus: raw run: %d of %d messages acked: %w", i, n, ctx.Err())
		}
	}
	return nil
}

// Close stops the consumer and deletes the stream.
func (r *Raw) Close(ctx context.Context) error {
	r.cc.Stop()
	err := r.b.js.DeleteStream(ctx, rawStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		err = nil
	}
	return err
}
