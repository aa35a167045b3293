package notifiers_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
)

func TestBackoff(t *testing.T) {
	p := notifiers.RetryPolicy{Attempts: 10, Base: time.Second, Max: 5 * time.Second}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := p.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := (notifiers.RetryPolicy{Base: time.Second}).Backoff(40); got <= 0 {
		t.Errorf("uncapped Backoff(40) = %v, want positive", got)
	}
}

func TestRetryStage(t *testing.T) {
	policy := notifiers.RetryPolicy{Attempts: 3, Base: 100 * time.Millisecond, Max: time.Second}
	tests := map[string]struct {
		failures   int
		retry      bool
		want       notifiers.Outcome
		wantErr    bool
		wantCalls  int
		wantSleeps []time.Duration
	}{
		"success at once":                  {0, true, notifiers.Delivered, false, 1, nil},
		"temporary failures then success":  {2, true, notifiers.Delivered, false, 3, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		"temporary failures exhaust":       {5, true, notifiers.Failed, true, 3, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		"permanent failure is not retried": {1, false, notifiers.Failed, true, 1, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rec := newRecorder("r")
			rec.failures, rec.retry = tc.failures, tc.retry
			var sl sleeps
			h := notifiers.RetryStage(policy, sl.sleep)(notifiers.Send)
			r, err := h(t.Context(), notifiers.Delivery{Target: notifiers.Target{Notifier: rec}, Suggestion: suggestion("a", event.KindSuggestion, event.PriorityNormal)})
			if (err != nil) != tc.wantErr || r.Outcome != tc.want {
				t.Fatalf("got %v, %v; want %v, error %v", r.Outcome, err, tc.want, tc.wantErr)
			}
			if rec.callCount() != tc.wantCalls || r.Attempts != tc.wantCalls {
				t.Errorf("Notify called %d times, result says %d; want %d", rec.callCount(), r.Attempts, tc.wantCalls)
			}
			if !slices.Equal(sl.d, tc.wantSleeps) {
				t.Errorf("slept %v, want %v", sl.d, tc.wantSleeps)
			}
			var de *notifiers.DeliveryError
			if err != nil {
				if !errors.As(err, &de) || de.Attempts != tc.wantCalls || de.Retry != tc.retry || notifiers.IsTemporary(err) != tc.retry {
					t.Errorf("error %v: want a DeliveryError with %d attempts, temporary %v", err, tc.wantCalls, tc.retry)
				}
			}
		})
	}
}

func TestRetryStageStopsWhenContextEnds(t *testing.T) {
	rec := newRecorder("r")
	rec.failures, rec.retry = 10, true
	ctx, cancel := context.WithCancel(t.Context())
	sleep := func(ctx context.Context, d time.Duration) error {
		cancel() // the daemon shuts down during the backoff
		return ctx.Err()
	}
	h := notifiers.RetryStage(notifiers.RetryPolicy{Attempts: 5, Base: time.Hour}, sleep)(notifiers.Send)
	_, err := h(ctx, notifiers.Delivery{Target: notifiers.Target{Notifier: rec}, Suggestion: suggestion("a", event.KindSuggestion, event.PriorityNormal)})
	if err == nil || !notifiers.IsTemporary(err) {
		t.Fatalf("err = %v, want the temporary failure", err)
	}
	if rec.callCount() != 1 {
		t.Errorf("Notify called %d times after the context ended, want 1", rec.callCount())
	}
}
