package notifiers

import (
	"context"
	"fmt"
	"time"

	"github.com/agentd/agentd/event"
)

// QuietFunc reports whether t falls in the user's quiet hours and, if so,
// when they end.
type QuietFunc func(t time.Time) (inQuiet bool, endsAt time.Time)

// DailyQuietHours returns the QuietFunc of a window that recurs every day
// from start to end ("22:00", "07:00") as wall-clock times in loc. A window
// whose end is not after its start runs across midnight. On a daylight-saving
// change the window keeps its wall-clock times, so it is an hour shorter or
// longer that night.
func DailyQuietHours(start, end string, loc *time.Location) (QuietFunc, error) {
	s, err := parseClock(start)
	if err != nil {
		return nil, fmt.Errorf("quiet hours start: %w", err)
	}
	e, err := parseClock(end)
	if err != nil {
		return nil, fmt.Errorf("quiet hours end: %w", err)
	}
	if s == e {
		return nil, fmt.Errorf("quiet hours %s-%s: start and end are the same", start, end)
	}
	if loc == nil {
		return nil, fmt.Errorf("quiet hours %s-%s: no time zone", start, end)
	}
	return func(t time.Time) (bool, time.Time) {
		lt := t.In(loc)
		// The window containing t, if any, started today or yesterday.
		for _, back := range []int{0, -1} {
			y, m, d := lt.AddDate(0, 0, back).Date()
			from := time.Date(y, m, d, s.hour, s.min, 0, 0, loc)
			endDay := d
			if e.minutes() <= s.minutes() {
				endDay++
			}
			until := time.Date(y, m, endDay, e.hour, e.min, 0, 0, loc)
			if !t.Before(from) && t.Before(until) {
				return true, until
			}
		}
		return false, time.Time{}
	}, nil
}

type clock struct{ hour, min int }

func (c clock) minutes() int { return c.hour*60 + c.min }

// parseClock reads "HH:MM".
func parseClock(s string) (clock, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return clock{}, fmt.Errorf("%q is not a time of day like 22:30: %w", s, err)
	}
	return clock{t.Hour(), t.Minute()}, nil
}

// QuietHoursStage holds back deliveries during quiet hours on targets whose
// route respects them; urgent suggestions go through. A nil quiet means no
// quiet hours.
func QuietHoursStage(quiet QuietFunc, now func() time.Time) Stage {
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
			return Result{Outcome: Deferred, DeferUntil: ends}, nil
		}
	}
}
