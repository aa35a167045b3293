package notifiers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/agentd/agentd/event"
)

// Delivery is one suggestion on its way to one target.
type Delivery struct {
	Target     Target
	Suggestion event.Suggestion
}

// Outcome says what became of a Delivery.
type Outcome int

// Outcomes. Failed is the zero value, so a handler that returns an error
// without filling in a Result reads as a failure.
const (
	Failed     Outcome = iota // the notifier (or the delivery log) failed; see the error
	Delivered                 // the notifier took it
	Expired                   // the suggestion's Expires had passed: dropped
	NotRouted                 // the target's route does not take this kind or priority
	Duplicate                 // the delivery log says it was delivered before
	Deferred                  // held back for quiet hours until Result.DeferUntil
	DigestOnly                // not pushed (quiet hours, the day's interruption budget): the digest shows it
	Grouped                   // held for a grouped notification of a burst (see Grouping)
)

func (o Outcome) String() string {
	switch o {
	case Failed:
		return "failed"
	case Delivered:
		return "delivered"
	case Expired:
		return "expired"
	case NotRouted:
		return "not routed"
	case Duplicate:
		return "duplicate"
	case Deferred:
		return "deferred"
	case DigestOnly:
		return "digest only"
	case Grouped:
		return "grouped"
	default:
		return fmt.Sprintf("outcome(%d)", int(o))
	}
}

// Result is what became of a Delivery.
type Result struct {
	Outcome Outcome
	// DeferUntil is when a Deferred delivery is worth trying again.
	DeferUntil time.Time
	// Reason says why a delivery was DigestOnly ("quiet hours",
	// "interruption budget").
	Reason string
	// Attempts counts the Notify calls made.
	Attempts int
	// At is when the suggestion was delivered: now for Delivered, the
	// recorded time for a Duplicate.
	At time.Time
}

// Handler carries out a Delivery. A failure is returned as an error that
// says whether it is temporary (see IsTemporary).
type Handler func(ctx context.Context, d Delivery) (Result, error)

// Stage wraps a Handler: it may answer by itself (drop, skip, defer), pass
// the delivery on to next, or call next again.
type Stage func(next Handler) Handler

// Chain composes stages around h; the first stage is the outermost, the one
// that sees a delivery first.
func Chain(h Handler, stages ...Stage) Handler {
	for i := len(stages) - 1; i >= 0; i-- {
		h = stages[i](h)
	}
	return h
}

// Send is the innermost Handler: it hands the suggestion to the target's
// notifier, one Notify call.
func Send(ctx context.Context, d Delivery) (Result, error) {
	retry, err := d.Target.Notifier.Notify(ctx, d.Suggestion)
	if err != nil {
		return Result{Outcome: Failed, Attempts: 1}, &DeliveryError{
			Notifier:   d.Target.Notifier.Name(),
			Suggestion: d.Suggestion.ID,
			Retry:      retry,
			Attempts:   1,
			Err:        err,
		}
	}
	return Result{Outcome: Delivered, Attempts: 1}, nil
}

// DeliveryError is a failed delivery of one suggestion to one notifier.
type DeliveryError struct {
	Notifier   string
	Suggestion string
	// Retry reports a temporary failure: the same delivery may succeed later.
	Retry    bool
	Attempts int
	Err      error
}

func (e *DeliveryError) Error() string {
	kind := "permanent"
	if e.Retry {
		kind = "temporary"
	}
	return fmt.Sprintf("notify %s: suggestion %s: %s failure after %d attempt(s): %v",
		e.Notifier, e.Suggestion, kind, e.Attempts, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed.
func (e *DeliveryError) Temporary() bool { return e.Retry }

// IsTemporary reports whether err is worth retrying: a cancelled or timed-out
// context, or an error that says so through a Temporary() bool method.
// Anything else counts as permanent.
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	var t interface{ Temporary() bool }
	if errors.As(err, &t) {
		return t.Temporary()
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
