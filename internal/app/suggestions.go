package app

import (
	"context"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/suggestions"
)

// busOutbox sends suggestions over the bus: published to the notifiers at
// once, or scheduled durably for their due time.
type busOutbox struct{ b *bus.Bus }

func (o busOutbox) Publish(ctx context.Context, s event.Suggestion) error {
	return o.b.PublishSuggestion(ctx, s)
}

func (o busOutbox) Schedule(ctx context.Context, s event.Suggestion, now time.Time) error {
	return o.b.ScheduleReminder(ctx, s, now)
}

func (o busOutbox) Cancel(ctx context.Context, id string) error {
	return o.b.CancelReminder(ctx, id)
}

// desktopAnswer maps what the user did with a desktop notification to an
// answer ("" for none); closing it unanswered dismisses it.
func desktopAnswer(action string) string {
	switch action {
	case "dismiss", "closed":
		return suggestions.ActionDismiss
	case "default", "open":
		return suggestions.ActionAccept
	case "snooze":
		return suggestions.ActionSnooze
	}
	return ""
}

// snoozeFor is how long the desktop's Snooze button snoozes.
const snoozeFor = time.Hour

// feedback records what the user did with a notification. It takes no lock:
// see startPipeline.
func (a *App) feedback(ctx context.Context, book *suggestions.Book, id, action string) {
	answer := desktopAnswer(action)
	if answer == "" {
		return
	}
	var until time.Time
	if answer == suggestions.ActionSnooze {
		until = a.now().Add(snoozeFor)
	}
	if err := book.Answer(ctx, id, answer, until); err != nil {
		a.logger.Warn("feedback", "suggestion", id, "action", action, "err", err)
	}
}
