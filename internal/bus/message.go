package bus

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Message is one message handed to a Handler: what was published and how
// often it has been delivered, without any NATS type.
type Message struct {
	Subject string
	Data    []byte
	// Header holds the message's headers as published (keys are
	// case-sensitive, as in NATS); nil if it had none.
	Header map[string][]string
	// Delivered counts deliveries of this message to its consumer,
	// this one included: 1 the first time.
	Delivered int
}

// HeaderValue returns the first value of header key, or "".
func (m Message) HeaderValue(key string) string {
	if v := m.Header[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Handler handles one message; its error decides the message's fate:
//
//   - nil: done, the message is acked;
//   - [RetryAfter](d, err): handled again after d (nak with delay);
//   - [Drop](err): never handled again (term), logged at Error once;
//   - any other error: handled again after a default back-off that grows
//     with Message.Delivered (5 s, 10 s, 20 s, … capped at 5 min).
//
// Retried errors are logged at Warn (at Debug when RetryAfter has no
// cause, such as a delivery held back by quiet hours).
type Handler func(ctx context.Context, m Message) error

// Default back-off for a handler error that does not say when to retry.
const (
	retryMin = 5 * time.Second
	retryMax = 5 * time.Minute
)

// retryBackoff is the delay before the next attempt of a message delivered
// n times whose handler failed without saying when to retry.
func retryBackoff(delivered int) time.Duration {
	d := retryMin << min(max(delivered-1, 0), 16)
	return min(d, retryMax)
}

// retryError asks for another attempt after delay.
type retryError struct {
	delay time.Duration
	err   error
}

func (e *retryError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("retry after %s", e.delay)
	}
	return fmt.Sprintf("retry after %s: %v", e.delay, e.err)
}

func (e *retryError) Unwrap() error { return e.err }

// dropError asks never to handle the message again.
type dropError struct{ err error }

func (e *dropError) Error() string {
	if e.err == nil {
		return "drop"
	}
	return "drop: " + e.err.Error()
}

func (e *dropError) Unwrap() error { return e.err }

// RetryAfter returns an error that makes Consume redeliver the message
// after d (at least a millisecond). err, which may be nil, says why.
func RetryAfter(d time.Duration, err error) error {
	return &retryError{delay: max(d, time.Millisecond), err: err}
}

// Drop returns an error that makes Consume give up on the message for
// good (it stays in its stream for inspection unless the stream is a
// work queue). err, which may be nil, says why.
func Drop(err error) error { return &dropError{err: err} }

// IsDrop reports whether err, or an error it wraps, came from Drop.
func IsDrop(err error) bool {
	var d *dropError
	return errors.As(err, &d)
}

// RetryDelay returns the delay asked for by RetryAfter in err or an error
// it wraps, and whether there was one.
func RetryDelay(err error) (time.Duration, bool) {
	var r *retryError
	if errors.As(err, &r) {
		return r.delay, true
	}
	return 0, false
}
