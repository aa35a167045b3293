package notifiers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd/notifiers"
)

func TestTimeoutStage(t *testing.T) {
	waitForCancel := func(ctx context.Context, _ notifiers.Delivery) (notifiers.Result, error) {
		<-ctx.Done()
		return notifiers.Result{}, ctx.Err()
	}
	h := notifiers.TimeoutStage(10 * time.Millisecond)(waitForCancel)
	if _, err := h(t.Context(), notifiers.Delivery{}); !errors.Is(err, context.DeadlineExceeded) || !notifiers.IsTemporary(err) {
		t.Fatalf("hung notifier: err = %v, want a temporary deadline error", err)
	}

	hasDeadline := func(ctx context.Context, _ notifiers.Delivery) (notifiers.Result, error) {
		if _, ok := ctx.Deadline(); ok {
			return notifiers.Result{}, errors.New("deadline set")
		}
		return notifiers.Result{Outcome: notifiers.Delivered}, nil
	}
	if _, err := notifiers.TimeoutStage(0)(hasDeadline)(t.Context(), notifiers.Delivery{}); err != nil {
		t.Errorf("TimeoutStage(0): %v, want no deadline", err)
	}
}
