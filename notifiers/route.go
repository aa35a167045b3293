package notifiers

import (
	"context"
	"fmt"
	"slices"

	"github.com/agentd/agentd/event"
)

// Route says which suggestions a target takes.
type Route struct {
	// MinPriority is the lowest priority delivered; empty takes all.
	MinPriority string
	// Kinds lists the suggestion kinds delivered; empty takes all.
	Kinds []string
	// QuietHours makes the target hold back non-urgent suggestions during
	// the user's quiet hours.
	QuietHours bool
}

// Allows reports whether the route takes s. No route takes a Quiet
// suggestion: it is for the digest only.
func (r Route) Allows(s event.Suggestion) bool {
	if s.Quiet {
		return false
	}
	if len(r.Kinds) > 0 && !slices.Contains(r.Kinds, s.Kind) {
		return false
	}
	if r.MinPriority != "" && event.PriorityRank(s.Priority) < event.PriorityRank(r.MinPriority) {
		return false
	}
	return true
}

// Validate reports an unknown priority or kind, which would otherwise be
// read as "normal" or silently match nothing.
func (r Route) Validate() error {
	switch r.MinPriority {
	case "", event.PriorityLow, event.PriorityNormal, event.PriorityHigh, event.PriorityUrgent:
	default:
		return fmt.Errorf("route: unknown min priority %q (want low, normal, high or urgent)", r.MinPriority)
	}
	for _, k := range r.Kinds {
		switch k {
		case event.KindReminder, event.KindSuggestion, event.KindDraft:
		default:
			return fmt.Errorf("route: unknown kind %q (want reminder, suggestion or draft)", k)
		}
	}
	return nil
}

// RouteStage passes on only the suggestions the target's route takes.
func RouteStage() Stage {
	return func(next Handler) Handler {
		return func(ctx context.Context, d Delivery) (Result, error) {
			if !d.Target.Route.Allows(d.Suggestion) {
				return Result{Outcome: NotRouted}, nil
			}
			return next(ctx, d)
		}
	}
}
