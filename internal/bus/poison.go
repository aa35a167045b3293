package bus

import (
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrPoison marks a message the bus refuses for good: sending it again
// cannot succeed, whatever the state of the server. Test for it with
// IsPermanent (or errors.Is); the error also says why.
var ErrPoison = errors.New("refused for good")

// PoisonError is a message the bus refuses for good. It matches ErrPoison.
type PoisonError struct {
	Subject string
	// Reason says why, in words: "1.8 MB, over the bus's limit of 1.0 MB".
	Reason string
	// Err is the underlying error, if any.
	Err error
}

func (e *PoisonError) Error() string {
	return fmt.Sprintf("message on %s refused for good: %s", e.Subject, e.Reason)
}

// Unwrap returns the underlying error.
func (e *PoisonError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrPoison) true.
func (e *PoisonError) Is(target error) bool { return target == ErrPoison }

// IsPermanent reports whether err means the message can never be
// published: it is too large for the server, cannot be encoded, or names
// no valid subject. Anything else (the server down, a timeout, a full
// disk) may pass later and is worth retrying.
func IsPermanent(err error) bool { return errors.Is(err, ErrPoison) }

// checkSize refuses, before sending, data the connection cannot carry;
// nats.go would refuse it too, with an error that does not say the sizes.
func (b *Bus) checkSize(subject string, data []byte) error {
	limit := b.nc.MaxPayload()
	if limit <= 0 || int64(len(data)) <= limit {
		return nil
	}
	return &PoisonError{Subject: subject, Reason: fmt.Sprintf("%s, over the bus's message limit of %s", byteSize(int64(len(data))), byteSize(limit))}
}

// classify turns a publish error that no retry can cure into a
// PoisonError; others are returned as they are.
func classify(subject string, size int, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, nats.ErrMaxPayload):
		return &PoisonError{Subject: subject, Reason: fmt.Sprintf("%s, over the bus's message limit", byteSize(int64(size))), Err: err}
	case errors.Is(err, jetstream.ErrStreamMessageExceedsMaximum):
		return &PoisonError{Subject: subject, Reason: fmt.Sprintf("%s, over the stream's message limit", byteSize(int64(size))), Err: err}
	case errors.Is(err, nats.ErrBadSubject), errors.Is(err, nats.ErrInvalidMsg):
		return &PoisonError{Subject: subject, Reason: err.Error(), Err: err}
	}
	return err
}

// byteSize writes n as "812 B", "41.3 KB" or "1.8 MB" (powers of 1024).
func byteSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
}
