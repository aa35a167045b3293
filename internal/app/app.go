// Package app builds every component of agentd from the config, starts them
// in order and stops them in reverse. It is the only package that knows them
// all; cmd/agentd only parses flags and handles signals.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/control"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/watchers"
)

// Options are what the daemon needs from its caller.
type Options struct {
	Config *config.Config
	Logger *slog.Logger
	// Stdout receives the terminal notifier's lines.
	Stdout io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient is used by the feed watchers; nil means a default client.
	HTTPClient *http.Client
}

// App is a running agentd.
type App struct {
	opts   Options
	logger *slog.Logger
	now    func() time.Time

	mu       sync.Mutex
	cfg      *config.Config
	bus      *bus.Bus
	watchers *watchers.Runner
	// control is the control socket (nil when it could not be opened);
	// it lives as long as the bus.
	control *control.Server
	// stops holds the cleanups of the pipeline (consumers, watchers), run
	// in reverse order by stopPipeline; the bus outlives a reload.
	stops   []func()
	cancel  context.CancelFunc
	stopped bool
	trim    *memoryTrimmer
	// interestEvery overrides how often feed items wait for the model
	// (llm.feed_interests); tests shorten it.
	interestEvery time.Duration
	// opener opens a link for the desktop's Open button; nil: xdg-open.
	opener func(link string) error
	// stopGrace is how long Stop waits for the pipeline after its
	// context ended and it cancelled the pipeline's context.
	stopGrace time.Duration
}

// stopGrace: see App.stopGrace.
const stopGrace = 5 * time.Second

// New checks the options; it starts nothing.
func New(opts Options) (*App, error) {
	if opts.Config == nil {
		return nil, errors.New("app: no config")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &App{opts: opts, logger: opts.Logger, now: opts.Now, cfg: opts.Config, trim: newMemoryTrimmer(), stopGrace: stopGrace}, nil
}

// Start opens the bus and starts the pipeline: notifiers first, then the
// planner, then the watchers, so nothing is produced before its consumer is
// there. Then it opens the control socket, through which agentd's commands
// (ledger, suggestions) reach the daemon; without it the daemon still runs.
// If a step fails, what was started is stopped again.
func (a *App) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped || a.bus != nil {
		return errors.New("start: agentd was already started (an App starts once)")
	}
	cfg := a.cfg
	b, err := bus.Open(ctx, busConfig(cfg), a.logger.With("component", "bus"))
	if err != nil {
		return fmt.Errorf("start bus: %w", err)
	}
	a.bus = b
	if err := a.startPipeline(ctx, cfg); err != nil {
		if cerr := b.Close(); cerr != nil {
			a.logger.Warn("closing bus after failed start", "err", cerr)
		}
		a.bus = nil
		return err
	}
	a.control = a.openControl(ctx, cfg, b)
	a.logger.Info("agentd started", "feeds", len(cfg.Sources.Feeds), "bus", busDescription(b, cfg))
	return nil
}

// Reload swaps in a new config without losing state: the pipeline is
// stopped and rebuilt on the same bus. Bus settings need a restart.
func (a *App) Reload(ctx context.Context, cfg *config.Config) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped || a.bus == nil {
		return errors.New("reload: agentd is not running")
	}
	if busConfig(cfg) != busConfig(a.cfg) {
		a.logger.Warn("bus settings changed; they take effect at the next restart")
	}
	a.stopPipeline()
	if err := a.startPipeline(ctx, cfg); err != nil {
		a.logger.Error("reload failed, going back to the previous config", "err", err)
		if rerr := a.startPipeline(ctx, a.cfg); rerr != nil {
			return errors.Join(err, fmt.Errorf("restart with previous config: %w", rerr))
		}
		return err
	}
	a.cfg = cfg
	a.logger.Info("config reloaded", "path", cfg.Path, "feeds", len(cfg.Sources.Feeds))
	return nil
}

// Stop stops everything in reverse order of start, the bus last. It is
// idempotent. The pipeline drains (what is in hand is finished and acked)
// until ctx ends; then its context is cancelled, aborting what is in hand
// (not acked, so it comes back), and Stop waits a short grace more before
// it closes the bus. Stop never blocks for long: if the pipeline is still
// stuck after the grace, the bus is closed under it and Stop says so.
func (a *App) Stop(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped {
		return nil
	}
	a.stopped = true
	var errs []error
	if !awaitStop(ctx, a.stopPipeline, a.cancel, a.stopGrace, a.logger) {
		errs = append(errs, fmt.Errorf("stop: the pipeline did not stop within %s of cancelling it; closed the bus under it", a.stopGrace))
	}
	a.closeControl(ctx)
	if a.bus != nil {
		if err := a.bus.Close(); err != nil {
			errs = append(errs, fmt.Errorf("stop bus: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	a.logger.Info("agentd stopped")
	return nil
}

// awaitStop runs stop and waits for it to return. If ctx ends first, it
// calls cancel (nil is allowed) and waits at most grace more. It reports
// whether stop returned; if not, stop's goroutine is left to finish on its
// own, which is the best a process on its way out can do.
func awaitStop(ctx context.Context, stop, cancel func(), grace time.Duration, logger *slog.Logger) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		stop()
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
	}
	logger.Warn("stop timed out waiting for the pipeline to drain; cancelling what is in hand", "grace", grace)
	if cancel != nil {
		cancel()
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		logger.Error("pipeline still running after the grace; closing the bus under it", "grace", grace)
		return false
	}
}

// Health reports every watcher's health.
func (a *App) Health() []watchers.Health {
	a.mu.Lock()
	r := a.watchers
	a.mu.Unlock()
	if r == nil {
		return nil
	}
	return r.Health()
}

func (a *App) startPipeline(ctx context.Context, cfg *config.Config) (err error) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	a.stops = nil
	defer func() {
		if err != nil {
			a.stopPipeline()
		}
	}()
	b := a.bus
	// First in, so stopped last.
	a.stops = append(a.stops, a.trim.start(runCtx))
	watcherStore, err := b.Store(ctx, bus.BucketWatchers)
	if err != nil {
		return err
	}
	suggestionStore, err := b.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		return err
	}
	deliveryLog, err := b.Store(ctx, bus.BucketDelivery)
	if err != nil {
		return err
	}
	book := suggestions.New(suggestionStore, busOutbox{b}, a.now)

	// Notifiers: immediate suggestions and reminders that came due.
	// The callback runs on the desktop notifier's signal goroutine, which
	// Close waits for; it must not take a.mu, which Stop and Reload hold
	// while they close the notifiers.
	var d *notifiers.Dispatcher // set below, before any notification is shown
	targets := Notifiers(cfg, a.opts.Stdout, a.logger, a.now, func(id, action string) {
		a.logger.Info("notification action", "suggestion", id, "action", action)
		a.notificationAction(runCtx, d, book, cfg.User.Location, id, action)
	})
	opts := []notifiers.Option{notifiers.WithClock(a.now)}
	if q := QuietHours(cfg); q != nil {
		opts = append(opts, notifiers.WithQuietHours(q))
	}
	opts = append(opts, deliveryOptions(cfg)...)
	d = notifiers.NewDispatcher(targets, deliveryLog, a.logger.With("component", "notify"), opts...)
	a.stops = append(a.stops, func() {
		d.Close()
		for _, t := range targets {
			closeNotifier(t.Notifier)
		}
	})
	sum, err := a.newSummarizer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("start the model: %w", err)
	}
	deliver := a.deliverHandler(d, book, sum)
	stop, err := b.Consume(runCtx, bus.StreamSuggestions, "notify", []string{"agentd.suggestions.>"}, deliver)
	if err != nil {
		return fmt.Errorf("start notifiers: %w", err)
	}
	a.stops = append(a.stops, stop)
	stop, err = b.Consume(runCtx, bus.StreamSchedule, "notify-due", []string{"agentd.due.>"}, deliver)
	if err != nil {
		return fmt.Errorf("start reminders: %w", err)
	}
	a.stops = append(a.stops, stop)

	// Reply drafts, when a model is configured: their jobs wait on the
	// WORK stream, so a slow or absent model delays drafts, not the rest.
	dr, err := a.startDrafting(ctx, runCtx, cfg, book)
	if err != nil {
		return err
	}
	jd, err := a.startJudging(ctx, runCtx, cfg, book)
	if err != nil {
		return err
	}

	// Planner.
	plannerStore, err := b.Store(ctx, bucketPlanner)
	if err != nil {
		return err
	}
	p, err := Planner(cfg, a.logger, a.now, plannerStore)
	if err != nil {
		return err
	}
	stop, err = b.Consume(runCtx, bus.StreamEvents, "planner", []string{"agentd.events.>"}, a.planHandler(p, book, dr, jd),
		bus.MaxDeliver(maxPlanAttempts))
	if err != nil {
		return fmt.Errorf("start planner: %w", err)
	}
	a.stops = append(a.stops, stop)

	// Watchers last.
	feedSeen, err := b.Store(ctx, bus.BucketFeedSeen)
	if err != nil {
		return err
	}
	// State writes that fail (a damaged store times out) make every
	// source unhealthy, saying why.
	stateWrites := watchers.NewStateWrites(a.logger, a.now)
	ws, err := Watchers(ctx, cfg, Stores{Watchers: stateWrites.Wrap(watcherStore), FeedSeen: stateWrites.Wrap(feedSeen)}, a.logger, a.opts.HTTPClient, a.now)
	if err != nil {
		return err
	}
	publish, err := quarantine(ctx, b, a.logger, a.now) // no item stops a source
	if err != nil {
		return err
	}
	// Watchers get their own context: stopping them must not cancel what
	// the planner and notifiers are doing, so those drain (finish, store
	// and ack the message in hand) when their consumers stop in turn.
	watchCtx, stopWatching := context.WithCancel(runCtx)
	r := watchers.NewRunner(a.logger, watchers.WithClock(a.now), watchers.WithStateWrites(stateWrites))
	r.Start(watchCtx, ws, publish)
	a.watchers = r
	a.stops = append(a.stops, func() {
		stopWatching()
		r.Wait()
	})

	// The daily digest reads all of the above; stopped first.
	stop, err = startDigest(runCtx, cfg, digestDeps{book: book, health: r.Health, stores: b.Store, logger: a.logger, now: a.now, client: a.opts.HTTPClient})
	if err != nil {
		return fmt.Errorf("start digest: %w", err)
	}
	a.stops = append(a.stops, stop)
	return nil
}

// stopPipeline runs the cleanups in reverse: watchers, planner, notifiers,
// the memory trimmer; it returns once all of them have.
func (a *App) stopPipeline() {
	for i := len(a.stops) - 1; i >= 0; i-- {
		a.stops[i]()
	}
	a.stops = nil
	if a.cancel != nil {
		a.cancel()
	}
}

// maxPlanAttempts bounds how often one event is planned before it is
// given up on (dropped by the bus, logged as an error; it stays in the
// EVENTS stream for inspection).
const maxPlanAttempts = 20

// bucketPlanner is the planner's memory: scopes, threads, occurrences.
const bucketPlanner = "agentd_planner"

// planHandler turns one event into suggestions. A suggestion already made
// (by id) is not made again, also after a restart; the event is done only
// once every new suggestion is stored on the bus.
func (a *App) planHandler(p *planner.Planner, book *suggestions.Book, dr *drafting, jd *judging) bus.Handler {
	log := a.logger.With("component", "planner")
	return func(ctx context.Context, m bus.Message) error {
		a.trim.touch()
		var ev event.Event
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			return bus.Drop(fmt.Errorf("undecodable event: %w", err))
		}
		res, planErr := p.Handle(ctx, ev)
		if planErr != nil {
			// A state read or write that failed (a store still
			// recovering after a restart) must not ack the event: the
			// watcher does not announce it again, so a meeting would
			// be missing from the agenda for good. What Handle did
			// decide (withdrawals of scopes it replaced) is applied
			// below, then the event is planned again.
			log.Warn("planning", "event", ev.ID, "source", ev.Source, "err", planErr)
			if undecodable(planErr) {
				return bus.Drop(planErr)
			}
		}
		if err := dr.observe(ctx, ev); err != nil {
			log.Warn("style examples", "event", ev.ID, "err", err)
		}
		for _, id := range res.Withdraw {
			if err := dr.withdrawing(ctx, id); err != nil {
				return bus.RetryAfter(5*time.Second, fmt.Errorf("removing the draft of %s: %w", id, err))
			}
			if err := book.Withdraw(ctx, id); err != nil {
				return bus.RetryAfter(5*time.Second, fmt.Errorf("withdrawing suggestion %s: %w", id, err))
			}
		}
		for _, s := range res.Suggestions {
			// The draft made for a thread stands; else a suggestion
			// made before is not made twice (Offer).
			if !keepDraft(ctx, book, s) {
				offered, err := book.Offer(ctx, s)
				if err != nil {
					return bus.RetryAfter(5*time.Second, fmt.Errorf("storing suggestion %s: %w", s.ID, err))
				}
				if offered {
					log.Debug("suggestion", "id", s.ID, "kind", s.Kind, "title", s.Title, "rule", s.Rule)
				}
			}
			// Queued once the suggestion is stored: the job reads it.
			if err := dr.queue(ctx, s, ev); err != nil {
				return bus.RetryAfter(5*time.Second, fmt.Errorf("queueing a draft for %s: %w", s.ID, err))
			}
		}
		if planErr != nil {
			return bus.RetryAfter(planRetry, planErr)
		}
		if err := jd.queue(ctx, ev, res); err != nil {
			return bus.RetryAfter(5*time.Second, fmt.Errorf("queueing a judgement of %s: %w", ev.ID, err))
		}
		return nil
	}
}

// planRetry is how long a failed planning waits before the event is
// planned again (up to maxPlanAttempts times).
var planRetry = 5 * time.Second

// undecodable reports whether planning failed on the event's data itself,
// which no retry mends.
func undecodable(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ)
}

// deliverHandler hands a suggestion to the dispatcher; quiet hours and
// temporary failures redeliver the message later.
func (a *App) deliverHandler(d *notifiers.Dispatcher, book *suggestions.Book, sum *summarizer) bus.Handler {
	log := a.logger.With("component", "notify")
	return func(ctx context.Context, m bus.Message) error {
		a.trim.touch()
		var s event.Suggestion
		if err := json.Unmarshal(m.Data, &s); err != nil {
			return bus.Drop(fmt.Errorf("undecodable suggestion: %w", err))
		}
		if ok, err := book.ShouldDeliver(ctx, s.ID); err != nil {
			log.Warn("suggestion store", "suggestion", s.ID, "err", err)
		} else if !ok {
			return nil // withdrawn, or answered meanwhile
		}
		s = sum.enrich(ctx, s)
		until, err := d.Deliver(ctx, s)
		if err != nil {
			return bus.RetryAfter(30*time.Second, fmt.Errorf("delivering suggestion %s: %w", s.ID, err))
		}
		if !until.IsZero() {
			return bus.RetryAfter(max(until.Sub(a.now()), time.Second), nil) // quiet hours
		}
		status := event.StatusDelivered
		if !s.OpenAt(a.now()) {
			// The dispatcher dropped it: its moment is over.
			status = event.StatusExpired
		}
		if err := book.Delivered(ctx, s, status); err != nil {
			log.Warn("recording delivery", "suggestion", s.ID, "err", err)
		}
		return nil
	}
}

func busConfig(cfg *config.Config) bus.Config {
	dir := cfg.Bus.DataDir
	if dir == "" {
		dir = config.DefaultDataDir()
	}
	return bus.Config{URL: cfg.Bus.URL, Listen: cfg.Bus.Listen, DataDir: dir, CredentialsFile: cfg.Bus.CredentialsFile,
		NKeySeedFile: cfg.Bus.NKeySeedFile, TokenFile: cfg.Bus.TokenFile, TLS: busTLS(cfg)}
}

func busDescription(b *bus.Bus, cfg *config.Config) string {
	if b.Embedded() {
		if cfg.Bus.Listen != "" {
			return "embedded nats-server " + b.ServerVersion() + " listening on " + cfg.Bus.Listen
		}
		return "embedded nats-server " + b.ServerVersion() + " (in-process)"
	}
	return "external nats-server " + b.ServerVersion()
}
