package notifiers

import (
	"context"
	"time"
)

// ExpiryStage drops a suggestion whose Expires has passed: a nudge about a
// meeting that already happened is noise, however late the bus delivers it.
func ExpiryStage(now func() time.Time) Stage {
	return func(next Handler) Handler {
		return func(ctx context.Context, d Delivery) (Result, error) {
			if !d.Suggestion.OpenAt(now()) {
				return Result{Outcome: Expired}, nil
			}
			return next(ctx, d)
		}
	}
}
