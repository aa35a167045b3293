package notifiers

import (
	"context"
	"path"
	"slices"
	"time"

	"github.com/agentd/agentd/event"
)

// Working-hours conditions of a RouteRule.
const (
	HoursAny     = ""        // any time
	HoursWorking = "working" // within the user's working hours
	HoursOff     = "off"     // outside the user's working hours
)

// RouteRule is one entry of the route tree (notify.routes): the
// suggestions it matches and the channels they go to. Empty conditions
// match everything.
type RouteRule struct {
	Kinds       []string
	MinPriority string
	// Source is a path.Match pattern over the suggestion's sources
	// (About[].Source, e.g. "mail:*" or "feed:go-blog"); it matches when
	// any source does.
	Source string
	// Hours is HoursAny, HoursWorking or HoursOff.
	Hours string
	// Channels are the notifier names the suggestion goes to; empty
	// sends it to none (the digest only).
	Channels []string
	// Continue goes on to the next rules after a match; the channels of
	// all matching rules add up.
	Continue bool
}

// Matches reports whether the rule takes s at t; working reports whether
// t falls in the user's working hours (nil: never).
func (r RouteRule) Matches(s event.Suggestion, t time.Time, working func(time.Time) bool) bool {
	if len(r.Kinds) > 0 && !slices.Contains(r.Kinds, s.Kind) {
		return false
	}
	if r.MinPriority != "" && event.PriorityRank(s.Priority) < event.PriorityRank(r.MinPriority) {
		return false
	}
	if r.Source != "" && !slices.ContainsFunc(s.About, func(a event.About) bool {
		ok, _ := path.Match(r.Source, a.Source)
		return ok
	}) {
		return false
	}
	switch r.Hours {
	case HoursWorking, HoursOff:
		in := working != nil && working(t)
		if in != (r.Hours == HoursWorking) {
			return false
		}
	}
	return true
}

// Routes is the route tree: rules evaluated in order, the first match
// wins unless it says Continue. A suggestion no rule matches goes where
// each target's own Route takes it.
type Routes struct {
	Rules []RouteRule
	// Working reports whether t is in the user's working hours; nil means
	// rules with Hours never match.
	Working func(t time.Time) bool
}

// Channels returns the channels the rules send s to at t; matched is
// false when no rule matches, and the targets' own routes decide.
func (rs Routes) Channels(s event.Suggestion, t time.Time) (channels []string, matched bool) {
	for _, r := range rs.Rules {
		if !r.Matches(s, t, rs.Working) {
			continue
		}
		matched = true
		for _, c := range r.Channels {
			if !slices.Contains(channels, c) {
				channels = append(channels, c)
			}
		}
		if !r.Continue {
			break
		}
	}
	return channels, matched
}

// WithRoutes sets the route tree; without it (or with no rules) each
// target's own Route decides.
func WithRoutes(r Routes) Option { return func(d *Dispatcher) { d.routes = r } }

// RouteTreeStage passes on the suggestions the route tree sends to the
// target; where no rule matches, the target's own Route decides. A Quiet
// suggestion goes to no target.
func RouteTreeStage(routes Routes, now func() time.Time) Stage {
	return func(next Handler) Handler {
		return func(ctx context.Context, d Delivery) (Result, error) {
			if len(routes.Rules) > 0 && !d.Suggestion.Quiet {
				if chans, ok := routes.Channels(d.Suggestion, now()); ok {
					if !slices.Contains(chans, d.Target.Notifier.Name()) {
						return Result{Outcome: NotRouted}, nil
					}
					return next(ctx, d)
				}
			}
			if !d.Target.Route.Allows(d.Suggestion) {
				return Result{Outcome: NotRouted}, nil
			}
			return next(ctx, d)
		}
	}
}
