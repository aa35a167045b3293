package app

import (
	"log/slog"
	"time"

	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/ntfy"
	"github.com/agentd/agentd/notifiers/webhook"
)

// channelTargets builds the push channels: ntfy and the webhook. The
// config has checked their URLs; one New still refuses is logged and left
// out, so the other channels work.
func channelTargets(cfg *config.Config, logger *slog.Logger, now func() time.Time) []notifiers.Target {
	var ts []notifiers.Target
	if n := cfg.Notify.Ntfy; n != nil {
		c := ntfy.Config{URL: n.URL, Location: cfg.User.Location}
		if n.Token.IsSet() {
			c.Token = newSecretOnce(n.Token, logger.With("notifier", "ntfy")).Resolve
		}
		nt, err := ntfy.New(c, logger.With("notifier", "ntfy"), ntfy.WithClock(now))
		if err != nil {
			logger.Error("ntfy notifier not started", "err", err)
		} else {
			quiet := n.QuietHours == nil || *n.QuietHours
			ts = append(ts, notifiers.Target{Notifier: nt, Route: notifiers.Route{MinPriority: n.MinPriority, Kinds: n.Kinds, QuietHours: quiet}})
		}
	}
	if w := cfg.Notify.Webhook; w != nil {
		wh, err := webhook.New(webhook.Config{URL: w.URL, Secret: newSecretOnce(w.Secret, logger.With("notifier", "webhook")).Resolve}, logger.With("notifier", "webhook"), webhook.WithClock(now))
		if err != nil {
			logger.Error("webhook notifier not started", "err", err)
		} else {
			ts = append(ts, notifiers.Target{Notifier: wh, Route: notifiers.Route{MinPriority: w.MinPriority, Kinds: w.Kinds}})
		}
	}
	return ts
}
