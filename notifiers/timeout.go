package notifiers

import (
	"context"
	"time"
)

// TimeoutStage gives each call of next its own deadline, so one hung
// notifier (a D-Bus server that never answers) fails that attempt instead
// of holding the delivery until the caller gives up. Place it inside
// RetryStage so every attempt gets a fresh deadline. d <= 0 sets none.
func TimeoutStage(d time.Duration) Stage {
	return func(next Handler) Handler {
		if d <= 0 {
			return next
		}
		return func(ctx context.Context, dl Delivery) (Result, error) {
			ctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			return next(ctx, dl)
		}
	}
}
