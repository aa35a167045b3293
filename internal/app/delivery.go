package app

import (
	"context"
	"time"

	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/desktop"
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

// notificationAction answers what a notification showed: its suggestion,
// or each suggestion of a grouped one ("3 new items from go-blog"). On a
// grouped one only Done, Dismiss and the snoozes count: closing the
// summary is no verdict on each item, and Open has no one link to open.
func (a *App) notificationAction(ctx context.Context, d *notifiers.Dispatcher, book *suggestions.Book, loc *time.Location, id, action string) {
	ids, grouped := []string{id}, false
	if d != nil {
		ids, grouped = d.Members(id)
	}
	if grouped {
		switch action {
		case desktop.ActionDone, desktop.ActionDismiss, desktop.ActionSnooze, desktop.ActionSnoozeTomorrow:
		default:
			return
		}
	}
	for _, id := range ids {
		a.feedback(ctx, book, loc, id, action)
	}
}
