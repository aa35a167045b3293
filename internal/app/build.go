package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/desktop"
	"github.com/agentd/agentd/notifiers/terminal"
	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/planner/agenda"
	"github.com/agentd/agentd/planner/correspondence"
	"github.com/agentd/agentd/rules"
)

// Planner builds the planner with the built-in rules merged with the user's.
func Planner(cfg *config.Config, logger *slog.Logger, now func() time.Time, store state.Store, opts ...planner.Option) (*planner.Planner, error) {
	builtin, err := rules.Builtin()
	if err != nil {
		return nil, fmt.Errorf("built-in rules: %w", err)
	}
	user := make([]rules.Rule, 0, len(cfg.Rules))
	for _, r := range cfg.Rules {
		user = append(user, rules.Rule{
			Name:        r.Name,
			Description: r.Description,
			When:        r.When,
			Action:      r.Action,
			Kind:        r.Kind,
			Title:       r.Title,
			Body:        r.Body,
			Priority:    r.Priority,
			At:          r.At,
			Before:      durationText(time.Duration(r.Before)),
			Expires:     durationText(time.Duration(r.Expires)),
			Why:         r.Why,
			Enabled:     r.Enabled,
			Origin:      fmt.Sprintf("%s:%d", cfg.Path, r.Line),
		})
	}
	set, err := rules.Compile(rules.Merge(builtin, user))
	if err != nil {
		return nil, err
	}
	me := append([]string{cfg.User.Email}, cfg.User.Aliases...)
	perCalendar := map[string]time.Duration{}
	for _, c := range cfg.Sources.Calendars {
		if c.RemindBefore > 0 {
			perCalendar[c.Name] = time.Duration(c.RemindBefore)
		}
	}
	cal := agenda.New(agenda.Config{
		Me:           me,
		Location:     cfg.User.Location,
		RemindBefore: time.Duration(cfg.Planner.RemindBefore),
		PerCalendar:  perCalendar,
		AgendaAt:     cfg.Planner.AgendaAt,
		LeaveBefore:  time.Duration(cfg.Planner.LeaveBefore),
	}, store, logger.With("enricher", "calendar"))
	mail := correspondence.New(correspondence.Config{
		Me:             me,
		Name:           cfg.User.Name,
		Location:       cfg.User.Location,
		FollowUpAfter:  time.Duration(cfg.Planner.FollowUpAfter),
		BackfillSettle: time.Duration(cfg.Planner.LookbackSettle),
	}, store, logger.With("enricher", "mail"))
	return planner.New(planner.Config{
		Interests:     cfg.User.Interests,
		InterestAlso:  cfg.User.InterestAlso,
		Location:      cfg.User.Location,
		FeedMaxAge:    time.Duration(cfg.Planner.FeedMaxAge),
		UserName:      cfg.User.Name,
		UserEmail:     cfg.User.Email,
		RemindBefore:  time.Duration(cfg.Planner.RemindBefore),
		AgendaAt:      cfg.Planner.AgendaAt,
		FollowUpAfter: time.Duration(cfg.Planner.FollowUpAfter),
		Drafts:        cfg.LLM.Enabled(),
		LeaveBefore:   time.Duration(cfg.Planner.LeaveBefore),
	}, set, logger.With("component", "planner"), append([]planner.Option{
		planner.WithClock(now),
		planner.WithStore(store),
		planner.WithEnricher(cal, event.TypeCalendarChanged, event.TypeCalendarCanceled),
		planner.WithEnricher(mailEnricher{mail: mail, calendar: cal}, event.TypeMailReceived, event.TypeMailSent),
	}, opts...)...), nil
}

// Notifiers builds the configured notifiers with their routes.
func Notifiers(cfg *config.Config, stdout io.Writer, logger *slog.Logger, now func() time.Time, onAction func(id, action string)) []notifiers.Target {
	var ts []notifiers.Target
	if t := cfg.Notify.Terminal; t != nil {
		ts = append(ts, notifiers.Target{
			Notifier: terminal.New(stdout, terminal.WithLocation(cfg.User.Location), terminal.WithClock(now)),
			Route:    notifiers.Route{MinPriority: t.MinPriority, Kinds: t.Kinds},
		})
	}
	if d := cfg.Notify.Desktop; d != nil {
		quiet := d.QuietHours == nil || *d.QuietHours
		ts = append(ts, notifiers.Target{
			Notifier: desktop.New(desktop.Config{AppName: "agentd", Location: cfg.User.Location, OnAction: onAction}, logger.With("notifier", "desktop"), desktop.WithClock(now)),
			Route:    notifiers.Route{MinPriority: d.MinPriority, Kinds: d.Kinds, QuietHours: quiet},
		})
	}
	return append(ts, channelTargets(cfg, logger, now)...)
}

// QuietHours returns the user's quiet-hours test, or nil when none is set.
func QuietHours(cfg *config.Config) notifiers.QuietFunc {
	if cfg.User.QuietHours == nil {
		return nil
	}
	return notifiers.QuietHoursIn(*cfg.User.QuietHours, cfg.User.Location)
}

// durationText gives a config duration to the rule language, which takes
// either a duration or an expression; zero stays empty (unset).
func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// mailEnricher reads a mail's thread facts and hands the invitations it
// carries (text/calendar parts) to the calendar enricher, so an invitation
// by mail updates the same view as one on a calendar server.
type mailEnricher struct {
	mail     *correspondence.Enricher
	calendar *agenda.Enricher
}

func (m mailEnricher) Enrich(ctx context.Context, ev event.Event, now time.Time) ([]planner.Unit, []string, error) {
	units, scopes, err := m.mail.Enrich(ctx, ev, now)
	if err != nil || ev.Type != event.TypeMailReceived {
		return units, scopes, err
	}
	var data event.Mail
	if err := ev.Decode(&data); err != nil {
		return units, scopes, err
	}
	for _, inv := range data.Invitations {
		typ := event.TypeCalendarChanged
		switch strings.ToUpper(inv.Method) {
		case "CANCEL":
			typ = event.TypeCalendarCanceled
			inv.Status = "CANCELLED"
		case "REQUEST", "PUBLISH", "ADD", "":
		default:
			continue // REPLY, COUNTER…: answers to the user's own invitations
		}
		u, s, err := m.calendar.EnrichCalendar(ctx, inv.Calendar, typ, inv, now)
		if err != nil {
			return units, scopes, err
		}
		units, scopes = append(units, u...), append(scopes, s...)
	}
	return units, scopes, nil
}
