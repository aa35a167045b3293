package notifiers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// Target is a notifier and the suggestions it takes. Notifier names must be
// unique among a dispatcher's targets: they key the delivery log.
type Target struct {
	Notifier Notifier
	Route    Route
}

// DefaultAttemptTimeout bounds one Notify call.
const DefaultAttemptTimeout = 30 * time.Second

// Option configures a Dispatcher.
type Option func(*Dispatcher)

// WithClock sets the clock used for expiry, quiet hours and the log; nil
// keeps time.Now.
func WithClock(now func() time.Time) Option {
	return func(d *Dispatcher) {
		if now != nil {
			d.now = now
		}
	}
}

// WithQuietHours sets the user's quiet hours; nil means none.
func WithQuietHours(quiet QuietFunc) Option { return func(d *Dispatcher) { d.quiet = quiet } }

// WithRetry sets how many Notify calls a delivery gets within one Deliver
// and the first backoff, which doubles after each failure.
func WithRetry(attempts int, base time.Duration) Option {
	return func(d *Dispatcher) { d.retry.Attempts, d.retry.Base = attempts, base }
}

// WithSleep replaces the wait between retries (tests make it instant).
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(d *Dispatcher) { d.sleep = sleep }
}

// WithAttemptTimeout bounds one Notify call; <= 0 leaves it to the caller's
// context.
func WithAttemptTimeout(t time.Duration) Option { return func(d *Dispatcher) { d.attemptTimeout = t } }

// Dispatcher delivers a suggestion to every target through the shared
// stages: expiry, routing, dedup via the delivery log, quiet hours, retry
// with backoff and a per-attempt timeout.
type Dispatcher struct {
	targets        []Target
	log            *DeliveryLog
	logger         *slog.Logger
	now            func() time.Time
	quiet          QuietFunc
	retry          RetryPolicy
	sleep          func(context.Context, time.Duration) error
	attemptTimeout time.Duration
	handler        Handler
	failures       *failureLog
	routes         Routes
	outsideHours   string
	budget         Budget
	grouping       Grouping
	groups         *grouper
}

// NewDispatcher delivers to targets and keeps the delivery log in store.
func NewDispatcher(targets []Target, store state.Store, logger *slog.Logger, opts ...Option) *Dispatcher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{
		targets:        append([]Target(nil), targets...),
		log:            NewDeliveryLog(store),
		logger:         logger,
		now:            time.Now,
		retry:          DefaultRetry,
		sleep:          SleepContext,
		attemptTimeout: DefaultAttemptTimeout,
		failures:       &failureLog{last: map[string]failure{}},
	}
	for _, o := range opts {
		o(d)
	}
	d.groups = newGrouper(d.grouping, d.now, logger)
	d.handler = Chain(Send,
		ExpiryStage(d.now),
		RouteTreeStage(d.routes, d.now),
		DedupStage(d.log, d.now, logger),
		QuietHoursStageMode(d.quiet, d.now, d.outsideHours),
		d.groups.stage(),
		BudgetStage(d.budget, d.log.store, d.now, logger),
		RetryStage(d.retry, d.sleep),
		TimeoutStage(d.attemptTimeout),
	)
	return d
}

// Deliver hands s to every target, concurrently. Targets that delivered it
// before are skipped, so calling Deliver again for the same suggestion
// (a redelivered message) only completes what is missing.
//
// deferUntil is non-zero when some target held s back for quiet hours: the
// earliest time to call Deliver again. err joins the temporary failures
// (IsTemporary reports true): call Deliver again later. A target's permanent
// failure is logged and does not fail Deliver, since trying again would not
// help; a suggestion without an id is a permanent error.
func (d *Dispatcher) Deliver(ctx context.Context, s event.Suggestion) (deferUntil time.Time, err error) {
	if s.ID == "" {
		return time.Time{}, fmt.Errorf("deliver suggestion %q: no id, cannot deduplicate", s.Title)
	}
	type outcome struct {
		res Result
		err error
	}
	outs := make([]outcome, len(d.targets))
	var wg sync.WaitGroup
	for i, t := range d.targets {
		wg.Go(func() {
			r, err := d.handler(ctx, Delivery{Target: t, Suggestion: s})
			outs[i] = outcome{r, err}
		})
	}
	wg.Wait()

	var errs []error
	for i, t := range d.targets {
		name := t.Notifier.Name()
		r, err := outs[i].res, outs[i].err
		logger := d.logger.With("notifier", name, "suggestion", s.ID)
		if err != nil {
			temporary := IsTemporary(err)
			d.failures.failed(ctx, logger, name, temporary, err)
			if temporary {
				errs = append(errs, err)
			}
			continue
		}
		switch r.Outcome {
		case Delivered:
			d.failures.succeeded(logger, name)
			// A first-try delivery is routine (the notifier itself shows
			// it); one that needed retries is worth a line.
			level := slog.LevelDebug
			if r.Attempts > 1 {
				level = slog.LevelInfo
			}
			logger.Log(ctx, level, "suggestion delivered", "kind", s.Kind, "attempts", r.Attempts)
		case Deferred:
			logger.Info("suggestion held for quiet hours", "until", r.DeferUntil)
			if deferUntil.IsZero() || r.DeferUntil.Before(deferUntil) {
				deferUntil = r.DeferUntil
			}
		case Expired:
			logger.Debug("suggestion expired, dropped", "expires", s.Expires)
		case Duplicate:
			logger.Debug("suggestion already delivered", "at", r.At)
		case DigestOnly:
			logger.Debug("suggestion not pushed, digest only", "reason", r.Reason)
		case Grouped:
			logger.Debug("suggestion held for a grouped notification")
		case NotRouted:
			logger.Debug("suggestion not routed to this notifier", "kind", s.Kind, "priority", s.Priority)
		}
	}
	return deferUntil, errors.Join(errs...)
}

// failureLog logs a notifier's failure once and then only counts repeats of
// it, so a desktop without a session bus does not fill the log with one line
// per suggestion.
type failureLog struct {
	mu   sync.Mutex
	last map[string]failure
}

type failure struct {
	msg   string
	count int
}

func (f *failureLog) failed(ctx context.Context, log *slog.Logger, notifier string, temporary bool, err error) {
	f.mu.Lock()
	prev := f.last[notifier]
	// The message without the suggestion id is the same for each repeat.
	msg := err.Error()
	var de *DeliveryError
	if errors.As(err, &de) && de.Err != nil {
		msg = de.Err.Error()
	}
	repeat := prev.msg == msg
	f.last[notifier] = failure{msg: msg, count: prev.count + 1}
	count := prev.count + 1
	f.mu.Unlock()

	level := slog.LevelError
	text := "delivery failed permanently"
	if temporary {
		level, text = slog.LevelWarn, "delivery failed, will retry"
	}
	if repeat {
		log.Debug(text+" (repeated)", "failures", count, "err", err)
		return
	}
	log.Log(ctx, level, text, "failures", count, "err", err)
}

func (f *failureLog) succeeded(log *slog.Logger, notifier string) {
	f.mu.Lock()
	prev, ok := f.last[notifier]
	delete(f.last, notifier)
	f.mu.Unlock()
	if ok {
		log.Info("notifier recovered", "failures", prev.count)
	}
}
