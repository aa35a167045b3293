package notifiers

import (
	"context"
	"time"

	"github.com/agentd/agentd/event"
)

// QuietFunc reports whether t falls in the user's quiet hours and, if so,
// when they end.
type QuietFunc func(t time.Time) (inQuiet bool, endsAt time.Time)

// Window is a window of wall-clock times that recurs every day, such as
// the user's quiet hours (config.DailyWindow).
type Window interface {
	// Contains reports whether t falls in the window, read in loc.
	Contains(t time.Time, loc *time.Location) bool
	// NextEnd is the first end of the window after t, in t's location.
	NextEnd(t time.Time) time.Time
}

// QuietHoursIn returns the QuietFunc of w read in the user's zone loc. On a
// daylight-saving change the window keeps its wall-clock times, so it is an
// hour shorter or longer that night.
func QuietHoursIn(w Window, loc *time.Location) QuietFunc {
	return func(t time.Time) (bool, time.Time) {
		if !w.Contains(t, loc) {
			return false, time.Time{}
		}
		return true, w.NextEnd(t.In(loc))
	}
}

// What happens to a non-urgent push during quiet hours (notify.outside_hours).
const (
	OutsideHoursWait   = "wait"   // held back until they end (the default)
	OutsideHoursDigest = "digest" // not pushed: the digest shows it
)

// WithOutsideHours sets what quiet hours do to non-urgent suggestions:
// OutsideHoursWait (the default) or OutsideHoursDigest.
func WithOutsideHours(mode string) Option { return func(d *Dispatcher) { d.outsideHours = mode } }

// QuietHoursStage holds back deliveries during quiet hours on targets whose
// route respects them; urgent suggestions go through. A nil quiet means no
// quiet hours.
func QuietHoursStage(quiet QuietFunc, now func() time.Time) Stage {
	return QuietHoursStageMode(quiet, now, OutsideHoursWait)
}

// QuietHoursStageMode is QuietHoursStage with what happens to a non-urgent
// suggestion during quiet hours: with OutsideHoursDigest it is not pushed
// (DigestOnly) instead of waiting.
func QuietHoursStageMode(quiet QuietFunc, now func() time.Time, mode string) Stage {
	return func(next Handler) Handler {
		return func(ctx context.Context, d Delivery) (Result, error) {
			if quiet == nil || !d.Target.Route.QuietHours ||
				event.PriorityRank(d.Suggestion.Priority) >= event.PriorityRank(event.PriorityUrgent) {
				return next(ctx, d)
			}
			t := now()
			in, ends := quiet(t)
			// An end that is not ahead gives the caller no time to come
			// back at; delivering beats holding the suggestion forever.
			if !in || !ends.After(t) {
				return next(ctx, d)
			}
			if mode == OutsideHoursDigest {
				return Result{Outcome: DigestOnly, Reason: "quiet hours"}, nil
			}
			return Result{Outcome: Deferred, DeferUntil: ends}, nil
		}
	}
}
