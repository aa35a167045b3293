package notifiers

import (
	"context"
	"errors"
	"math"
	"time"
)

// RetryPolicy bounds the retries of one delivery within one Deliver call.
// Retries beyond it are the bus's job: Deliver reports the failure and the
// message comes back later.
type RetryPolicy struct {
	// Attempts is the number of Notify calls in all (1 = no retry).
	Attempts int
	// Base is the wait after the first failure; it doubles after each.
	Base time.Duration
	// Max caps a single wait.
	Max time.Duration
}

// DefaultRetry is a handful of quick retries: enough to ride out a
// notification server restarting, short enough not to hold up a delivery.
var DefaultRetry = RetryPolicy{Attempts: 3, Base: time.Second, Max: 30 * time.Second}

// Backoff returns the wait after failed attempt n (1-based).
func (p RetryPolicy) Backoff(n int) time.Duration {
	d := p.Base
	for i := 1; i < n && d < math.MaxInt64/2; i++ {
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		return p.Max
	}
	return d
}

// SleepContext waits for d or until ctx is done.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryAfter is the wait a failure asks for (a server's Retry-After, see
// HTTPStatusError); zero if it asks for none.
func retryAfter(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}

// RetryStage calls next again after a temporary failure, waiting with
// exponential backoff, up to p.Attempts calls. A failure that asks for a
// wait (a RetryAfter() time.Duration method, as HTTPStatusError has) waits
// at least that long, or, when that is longer than p.Max, ends the retries.
// A permanent failure is returned at once.
func RetryStage(p RetryPolicy, sleep func(ctx context.Context, d time.Duration) error) Stage {
	attempts := max(p.Attempts, 1)
	return func(next Handler) Handler {
		return func(ctx context.Context, d Delivery) (Result, error) {
			var (
				r     Result
				err   error
				calls int
			)
			for n := 1; ; n++ {
				r, err = next(ctx, d)
				calls += r.Attempts
				if err == nil || !IsTemporary(err) || n >= attempts {
					break
				}
				wait := p.Backoff(n)
				if ra := retryAfter(err); ra > 0 {
					if p.Max > 0 && ra > p.Max {
						// Longer than one Deliver should wait: the bus
						// brings the message back later.
						break
					}
					wait = max(wait, ra)
				}
				if serr := sleep(ctx, wait); serr != nil {
					break
				}
			}
			r.Attempts = calls
			var de *DeliveryError
			if errors.As(err, &de) {
				de.Attempts = calls
			}
			return r, err
		}
	}
}
