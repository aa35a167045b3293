package notifiers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// defaultPushChannels are the channels that interrupt the user: the ones
// the interruption budget counts by default.
func defaultPushChannels() []string { return []string{"desktop", "ntfy", "webhook"} }

// Budget is the interruption budget: at most Max suggestions pushed per
// day in the user's zone (notify.max_interruptions). Past it, non-urgent
// suggestions are not pushed and wait in the digest.
type Budget struct {
	// Max is the number of suggestions pushed per day; 0 = no budget.
	Max int
	// Channels are the notifier names that count as pushes; empty =
	// desktop, ntfy and webhook.
	Channels []string
	// Location is the user's zone: the day starts at its midnight.
	Location *time.Location
}

// WithBudget sets the interruption budget.
func WithBudget(b Budget) Option { return func(d *Dispatcher) { d.budget = b } }

// budgetDay is what the delivery log keeps for one day of the budget: the
// suggestions pushed, so a suggestion pushed on several channels or
// redelivered counts once, and a restart keeps the count.
type budgetDay struct {
	IDs []string `json:"ids"`
}

func budgetKey(day string) string { return "budget." + day }

// BudgetCount returns how many suggestions the budget counted on the day
// of t in loc.
func BudgetCount(ctx context.Context, store state.Store, t time.Time, loc *time.Location) (int, error) {
	bd, err := loadBudgetDay(ctx, store, budgetKey(t.In(loc).Format(time.DateOnly)))
	return len(bd.IDs), err
}

func loadBudgetDay(ctx context.Context, store state.Store, key string) (budgetDay, error) {
	var bd budgetDay
	raw, err := store.Get(ctx, key)
	if errors.Is(err, state.ErrNotFound) {
		return bd, nil
	}
	if err != nil {
		return bd, fmt.Errorf("interruption budget: read %s: %w", key, err)
	}
	if err := json.Unmarshal(raw, &bd); err != nil {
		return budgetDay{}, fmt.Errorf("interruption budget: decode %s: %w", key, err)
	}
	return bd, nil
}

// BudgetStage enforces b on the push channels: a suggestion is counted
// when it is first handed to one (before the send, so a failed send that
// is retried counts once), and once the day's Max is reached non-urgent
// suggestions new to the count are DigestOnly. Urgent ones are counted
// and always go through. The count lives in store (the delivery log).
func BudgetStage(b Budget, store state.Store, now func() time.Time, logger *slog.Logger) Stage {
	channels := b.Channels
	if len(channels) == 0 {
		channels = defaultPushChannels()
	}
	loc := b.Location
	if loc == nil {
		loc = time.Local
	}
	var mu sync.Mutex
	return func(next Handler) Handler {
		if b.Max <= 0 {
			return next
		}
		return func(ctx context.Context, d Delivery) (Result, error) {
			if !slices.Contains(channels, d.Target.Notifier.Name()) {
				return next(ctx, d)
			}
			key := budgetKey(now().In(loc).Format(time.DateOnly))
			id := deliveryKey(d.Suggestion)
			urgent := event.PriorityRank(d.Suggestion.Priority) >= event.PriorityRank(event.PriorityUrgent)

			mu.Lock()
			bd, err := loadBudgetDay(ctx, store, key)
			if err != nil {
				mu.Unlock()
				return Result{Outcome: Failed}, &DeliveryError{Notifier: d.Target.Notifier.Name(), Suggestion: id, Retry: true, Err: err}
			}
			if !slices.Contains(bd.IDs, id) {
				if len(bd.IDs) >= b.Max && !urgent {
					mu.Unlock()
					return Result{Outcome: DigestOnly, Reason: "interruption budget"}, nil
				}
				bd.IDs = append(bd.IDs, id)
				raw, err := json.Marshal(bd)
				if err == nil {
					err = store.Put(ctx, key, raw)
				}
				if err != nil {
					mu.Unlock()
					return Result{Outcome: Failed}, &DeliveryError{Notifier: d.Target.Notifier.Name(), Suggestion: id, Retry: true,
						Err: fmt.Errorf("interruption budget: record %s: %w", key, err)}
				}
				if len(bd.IDs) == 1 {
					pruneBudget(ctx, store, key, logger)
				}
				if len(bd.IDs) == b.Max {
					logger.Info("interruption budget reached: the rest of today's non-urgent suggestions wait in the digest", "max", b.Max)
				}
			}
			mu.Unlock()
			return next(ctx, d)
		}
	}
}

// pruneBudget deletes the counts of days before the one of key: only
// today's matters.
func pruneBudget(ctx context.Context, store state.Store, key string, logger *slog.Logger) {
	keys, err := store.Keys(ctx, budgetKey(""))
	if err != nil {
		logger.Debug("interruption budget: listing old days", "err", err)
		return
	}
	for _, k := range keys {
		if k < key {
			if err := store.Delete(ctx, k); err != nil {
				logger.Debug("interruption budget: deleting an old day", "key", k, "err", err)
			}
		}
	}
}
