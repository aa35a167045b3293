package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/watchers"
)

// PlanOptions set up one dry planning pass.
type PlanOptions struct {
	At         time.Time
	Horizon    time.Duration
	Logger     *slog.Logger
	HTTPClient *http.Client
}

// SourceError is a source that could not be read during Plan or Check.
type SourceError struct {
	Source string
	Err    error
}

func (e SourceError) Error() string { return e.Source + ": " + e.Err.Error() }
func (e SourceError) Unwrap() error { return e.Err }

// Plan syncs every source once into memory, runs the planner as of
// opts.At and returns what the user should see then: every suggestion open
// at that moment and every reminder due within the horizon. It sends
// nothing and saves no state; events dated after At have not arrived yet.
// Sources that fail are returned as SourceErrors beside the suggestions.
func Plan(ctx context.Context, cfg *config.Config, opts PlanOptions) ([]event.Suggestion, []SourceError, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	at := opts.At
	clock := func() time.Time { return at }
	ws, err := Watchers(ctx, cfg, memoryStores(), opts.Logger, opts.HTTPClient, clock)
	if err != nil {
		return nil, nil, err
	}
	events, failed := syncAll(ctx, ws)
	p, err := Planner(cfg, opts.Logger, clock, state.NewMemory(), planner.WithBackfillListed())
	if err != nil {
		return nil, failed, err
	}
	// Oldest first, as they would have arrived.
	sort.SliceStable(events, func(i, j int) bool { return eventTime(events[i]).Before(eventTime(events[j])) })
	// Later events update or withdraw what earlier ones made, as in the
	// daemon; what is left pending is what the user would have at At.
	book := suggestions.New(state.NewMemory(), &suggestions.MemoryOutbox{}, clock)
	for _, ev := range events {
		if eventTime(ev).After(at) {
			continue
		}
		res, err := p.Handle(ctx, ev)
		if err != nil {
			opts.Logger.Warn("planning", "event", ev.ID, "source", ev.Source, "err", err)
		}
		for _, id := range res.Withdraw {
			if err := book.Withdraw(ctx, id); err != nil {
				return nil, failed, err
			}
		}
		for _, s := range res.Suggestions {
			if m, ok := draftMail(cfg, s, ev); ok {
				// With a model, this thread gets a reply draft: list what
				// would be written, asking no model and writing nothing.
				s = draftPreview(cfg, s, m)
			} else if keepDraft(ctx, book, s) {
				continue
			}
			if _, err := book.Offer(ctx, s); err != nil {
				return nil, failed, err
			}
		}
	}
	made, err := book.List(ctx, suggestions.Filter{Statuses: []string{event.StatusPending}})
	if err != nil {
		return nil, failed, err
	}
	var out []event.Suggestion
	for _, r := range made {
		if visibleAt(r.Suggestion, at, opts.Horizon) {
			out = append(out, r.Suggestion)
		}
	}
	return out, failed, nil
}

// visibleAt: a reminder is listed when it fires within the horizon, or
// when it fired before At and is still open (the daemon delivered it then,
// or late after a restart, and the user still has it in front of them); a
// suggestion meant for a later moment (a birthday morning) when that moment
// is within the horizon; any other suggestion while it is open.
func visibleAt(s event.Suggestion, at time.Time, horizon time.Duration) bool {
	if s.Kind == event.KindReminder || s.Due.After(at) {
		if s.Due.Before(at) {
			return !s.Expires.IsZero() && s.OpenAt(at)
		}
		return !s.Due.After(at.Add(horizon))
	}
	return s.OpenAt(at)
}

func eventTime(ev event.Event) time.Time {
	if ev.Time.IsZero() {
		return ev.Seen
	}
	return ev.Time
}

// syncAll runs one pass of every watcher concurrently and collects events.
func syncAll(ctx context.Context, ws []watchers.Watcher) ([]event.Event, []SourceError) {
	var (
		mu     sync.Mutex
		events []event.Event
		failed []SourceError
		wg     sync.WaitGroup
	)
	collect := func(_ context.Context, ev event.Event) error {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		return nil
	}
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := syncOnce(ctx, w, collect)
			if err != nil {
				mu.Lock()
				failed = append(failed, SourceError{Source: w.Name(), Err: err})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Slice(failed, func(i, j int) bool { return failed[i].Source < failed[j].Source })
	return events, failed
}

func syncOnce(ctx context.Context, w watchers.Watcher, publish watchers.Publish) error {
	s, ok := w.(watchers.Syncer)
	if !ok {
		return fmt.Errorf("%s cannot do a single pass", w.Name())
	}
	if err := w.Connect(ctx); err != nil {
		return err
	}
	defer w.Close(context.WithoutCancel(ctx))
	return s.SyncOnce(ctx, publish)
}
