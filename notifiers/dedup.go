package notifiers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// LogEntry is what the delivery log keeps per notifier and suggestion.
type LogEntry struct {
	At time.Time `json:"at"`
	// Attempt is the Notify call that succeeded (1 = the first).
	Attempt int `json:"attempt"`
}

// DeliveryLog records which suggestions each notifier has delivered, so a
// redelivered message (a restart, a Nak after quiet hours, another target's
// failure) never shows the same nudge twice. Keys are
// "<notifier>.<suggestion id>[@<due unix time>]"; in the daemon the store is a JetStream KV
// bucket and survives restarts.
type DeliveryLog struct {
	store state.Store
}

// NewDeliveryLog keeps the log in store.
func NewDeliveryLog(store state.Store) *DeliveryLog { return &DeliveryLog{store: store} }

func logKey(notifier, suggestionID string) string { return notifier + "." + suggestionID }

// Lookup returns the entry for a delivery. found is true whenever the key
// exists, also when its value cannot be decoded (err then says why): a
// record that exists means the delivery happened.
func (l *DeliveryLog) Lookup(ctx context.Context, notifier, suggestionID string) (e LogEntry, found bool, err error) {
	key := logKey(notifier, suggestionID)
	raw, err := l.store.Get(ctx, key)
	if errors.Is(err, state.ErrNotFound) {
		return LogEntry{}, false, nil
	}
	if err != nil {
		return LogEntry{}, false, fmt.Errorf("delivery log: look up %s: %w", key, err)
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return LogEntry{}, true, fmt.Errorf("delivery log: decode %s: %w", key, err)
	}
	return e, true, nil
}

// Record stores a delivery.
func (l *DeliveryLog) Record(ctx context.Context, notifier, suggestionID string, e LogEntry) error {
	key := logKey(notifier, suggestionID)
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("delivery log: encode %s: %w", key, err)
	}
	if err := l.store.Put(ctx, key, raw); err != nil {
		return fmt.Errorf("delivery log: record %s: %w", key, err)
	}
	return nil
}

// recordTimeout bounds writing the log after a delivery, which happens even
// when the caller's context has just been cancelled: the notification is
// already on screen and forgetting that would show it again.
const recordTimeout = 5 * time.Second

// deliveryKey is what one delivery is: the suggestion, and for a reminder
// the moment it is for. A meeting moved to the afternoon after its morning
// reminder went out is reminded again at its new time; an edit that keeps
// the time (a new room, one more meeting on the day's agenda) is not sent
// twice. A reply draft is news of its own: the suggestion that became
// kind draft is delivered again, once per mail the draft answers.
func deliveryKey(s event.Suggestion) string {
	if s.Kind == event.KindDraft && s.Draft != nil {
		return s.ID + "#draft-" + event.ID(s.Draft.InReplyTo)
	}
	if s.Due.IsZero() {
		return s.ID
	}
	return s.ID + "@" + strconv.FormatInt(s.Due.Unix(), 10)
}

// DedupStage skips deliveries the log already holds and records the ones
// that succeed.
func DedupStage(log *DeliveryLog, now func() time.Time, logger *slog.Logger) Stage {
	return func(next Handler) Handler {
		return func(ctx context.Context, d Delivery) (Result, error) {
			name, id := d.Target.Notifier.Name(), deliveryKey(d.Suggestion)
			prev, found, err := log.Lookup(ctx, name, id)
			if found {
				if err != nil {
					logger.Warn("unreadable delivery log entry, counting it as delivered",
						"notifier", name, "suggestion", id, "err", err)
				}
				return Result{Outcome: Duplicate, At: prev.At}, nil
			}
			if err != nil {
				// Without the log we cannot tell a first delivery from a
				// repeat; wait for it rather than risk a duplicate.
				return Result{Outcome: Failed}, &DeliveryError{Notifier: name, Suggestion: id, Retry: true, Err: err}
			}
			r, err := next(ctx, d)
			if err != nil || (r.Outcome != Delivered && r.Outcome != Grouped) {
				return r, err
			}
			// A Grouped suggestion is the grouper's to show: recorded as
			// handed over, so a redelivery does not show it alone.
			r.At = now()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
			defer cancel()
			if err := log.Record(rctx, name, id, LogEntry{At: r.At, Attempt: r.Attempts}); err != nil {
				// Delivered all the same. Reporting a failure would make the
				// caller redeliver and show it twice; the cost of not
				// reporting is a duplicate only if the planner sends this
				// very suggestion again.
				logger.Error("delivered but not recorded in the delivery log",
					"notifier", name, "suggestion", id, "err", err)
			}
			return r, nil
		}
	}
}
