package app

import (
	"context"
	"os/exec"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/redact"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/notifiers/desktop"
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
// answer and, for a snooze, until what (as the CLI takes it: see
// parseUntil); answer is "" for none. Closing a notification unanswered
// dismisses it.
func desktopAnswer(action string) (answer, until string) {
	switch action {
	case desktop.ActionDismiss, desktop.ActionClosed:
		return suggestions.ActionDismiss, ""
	case "default", desktop.ActionOpen:
		return suggestions.ActionAccept, ""
	case desktop.ActionDone:
		return suggestions.ActionDone, ""
	case desktop.ActionSnooze:
		return suggestions.ActionSnooze, snoozeFor.String()
	case desktop.ActionSnoozeTomorrow:
		return suggestions.ActionSnooze, "tomorrow"
	}
	return "", ""
}

// snoozeFor is how long the desktop's Snooze button snoozes, and a snooze
// without an until.
const snoozeFor = time.Hour

// feedback records what the user did with a notification, on the same
// path as `agentd suggestions` (answerSuggestion): "tomorrow" is the next
// morning in loc, the user's zone. It takes no lock: see startPipeline.
func (a *App) feedback(ctx context.Context, book *suggestions.Book, loc *time.Location, id, action string) {
	answer, until := desktopAnswer(action)
	if answer == "" {
		return
	}
	if loc == nil {
		loc = time.UTC
	}
	rec, err := answerSuggestion(ctx, book, id, answer, until, a.now().In(loc))
	if err != nil {
		a.logger.Warn("feedback", "suggestion", id, "action", action, "err", err)
		return
	}
	if answer == suggestions.ActionAccept && (action == "open" || action == "default") {
		a.openLink(rec.Suggestion.Link)
	}
}

// openLink opens a suggestion's link in the user's browser (xdg-open),
// the Open button's promise. Only http and https links: a link comes from
// a mail or a feed, and anything else (file:, a command) is not opened.
func (a *App) openLink(link string) {
	if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") {
		return
	}
	open := a.opener
	if open == nil {
		open = xdgOpen
	}
	if err := open(link); err != nil {
		a.logger.Info("could not open the link", "err", redact.Error(err))
	}
}

// xdgOpen hands link to xdg-open, without a shell; it does not wait.
func xdgOpen(link string) error {
	bin, err := exec.LookPath("xdg-open")
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, link)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reap it
	return nil
}
