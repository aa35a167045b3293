package app

import (
	"time"

	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/notifiers"
)

// deliveryOptions are the dispatcher's delivery policy from notify: the
// route tree (working hours read in the user's zone), what quiet hours do
// to non-urgent suggestions, the daily interruption budget and the
// grouping of bursts.
func deliveryOptions(cfg *config.Config) []notifiers.Option {
	n := cfg.Notify
	routes := notifiers.Routes{Working: func(t time.Time) bool {
		return cfg.User.WorkingHours.Contains(t, cfg.User.Location)
	}}
	for _, r := range n.Routes {
		routes.Rules = append(routes.Rules, notifiers.RouteRule{
			Kinds: r.Kinds, MinPriority: r.MinPriority, Source: r.Source, Hours: r.Hours,
			Channels: r.Channels, Continue: r.Continue,
		})
	}
	mode := notifiers.OutsideHoursWait
	if n.OutsideHours == config.OutsideHoursDigest {
		mode = notifiers.OutsideHoursDigest
	}
	return []notifiers.Option{
		notifiers.WithRoutes(routes),
		notifiers.WithOutsideHours(mode),
		notifiers.WithBudget(notifiers.Budget{Max: n.MaxInterruptions, Location: cfg.User.Location}),
		notifiers.WithGrouping(notifiers.Grouping{Window: time.Duration(n.GroupWindow)}),
	}
}
