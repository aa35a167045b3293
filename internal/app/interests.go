package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/planner/assist"
	"github.com/agentd/agentd/planner/llm"
)

// Feed interests in meaning (llm.feed_interests). New feed items the
// rules did not match wait in a short list in the model's bucket; every
// interestEvery, or as soon as interestBatch are waiting, one call asks
// the model which of them match an interest in meaning ("urban cycling"
// and an article on protected bike lanes). Off by default: unlike drafts
// and judgement it costs calls on a quiet day.

const (
	interestEvery   = 15 * time.Minute
	interestBatch   = 30
	interestMaxWait = 200
	interestKey     = "interest.pending"
	ruleFeedMeaning = "model-feed-interest"
)

// pendingItem is one feed item waiting for the model.
type pendingItem struct {
	Source  string    `json:"source"`
	Ref     string    `json:"ref"`
	Title   string    `json:"title"`
	Summary string    `json:"summary,omitempty"`
	Link    string    `json:"link,omitempty"`
	At      time.Time `json:"at"`
}

// interestSweeper batches feed items for the model.
type interestSweeper struct {
	cfg       *config.Config
	assistant *assist.Assistant
	store     state.Store
	book      *suggestions.Book
	log       *slog.Logger
	now       func() time.Time
	every     time.Duration

	mu   sync.Mutex // guards the pending list in store
	kick chan struct{}
}

func newInterestSweeper(cfg *config.Config, a *assist.Assistant, store state.Store, book *suggestions.Book, log *slog.Logger, now func() time.Time) *interestSweeper {
	if !cfg.LLM.FeedInterests || len(cfg.User.Interests) == 0 {
		return nil
	}
	return &interestSweeper{cfg: cfg, assistant: a, store: store, book: book, log: log.With("component", "interests"),
		now: now, every: interestEvery, kick: make(chan struct{}, 1)}
}

// add keeps a recent feed item the rules made nothing of.
func (z *interestSweeper) add(ctx context.Context, ev event.Event, made []event.Suggestion) error {
	if z == nil || ev.Type != event.TypeFeedItem || len(made) > 0 || sendFor(z.cfg, ev.Source) == config.SendNever {
		return nil
	}
	at := ev.Time
	if at.IsZero() {
		at = ev.Seen
	}
	if z.now().Sub(at) > time.Duration(z.cfg.Planner.FeedMaxAge) {
		return nil
	}
	var it event.FeedItem
	if err := ev.Decode(&it); err != nil {
		return nil
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	list, err := z.pending(ctx)
	if err != nil {
		return err
	}
	for _, p := range list {
		if p.Source == ev.Source && p.Ref == it.Ref() {
			return nil
		}
	}
	if len(list) >= interestMaxWait {
		list = list[1:] // the oldest goes: a flood must not grow the list
	}
	list = append(list, pendingItem{Source: ev.Source, Ref: it.Ref(), Title: it.Title, Summary: it.Summary, Link: it.Link, At: at})
	if err := z.save(ctx, list); err != nil {
		return err
	}
	if len(list) >= interestBatch {
		select {
		case z.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// run flushes the list every z.every or when it is full, until ctx ends.
func (z *interestSweeper) run(ctx context.Context) {
	t := time.NewTicker(z.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-z.kick:
		}
		if err := z.flush(ctx); err != nil && ctx.Err() == nil {
			z.log.Info("feed interests not matched this time", "err", err)
		}
	}
}

// flush asks the model about what waits and offers what matches. The
// list is kept when the model is away or out of budget.
func (z *interestSweeper) flush(ctx context.Context) error {
	z.mu.Lock()
	list, err := z.pending(ctx)
	z.mu.Unlock()
	if err != nil || len(list) == 0 {
		return err
	}
	if len(list) > interestBatch {
		list = list[:interestBatch]
	}
	items := make([]assist.InterestItem, len(list))
	byRef := map[string]pendingItem{}
	for i, p := range list {
		ref := p.Source + "/" + p.Ref
		items[i] = assist.InterestItem{Ref: ref, Title: p.Title, Summary: p.Summary, Send: sendFor(z.cfg, p.Source)}
		byRef[ref] = p
	}
	matches, err := z.assistant.MatchInterests(ctx, interestTopics(z.cfg), items)
	if err != nil {
		if retry, _ := llm.IsRetryable(err); retry {
			return err // kept for the next round
		}
		if !errors.Is(err, assist.ErrNotAllowed) {
			z.log.Info("feed interests: the model's answer was not usable; those items are dropped", "err", err)
		}
	}
	for _, m := range matches {
		p := byRef[m.Ref]
		why := "matches your interest " + m.Interest + " in meaning (the model's judgement)"
		if m.Why != "" {
			why += ": " + m.Why
		}
		s := event.Suggestion{
			SpecVersion: event.SpecVersion,
			ID:          event.ID(ruleFeedMeaning, p.Source, p.Ref),
			Kind:        event.KindSuggestion,
			Title:       "Read: " + excerpt(p.Title, 100),
			Priority:    event.PriorityLow,
			Created:     z.now(),
			Expires:     p.At.Add(time.Duration(z.cfg.Planner.FeedMaxAge)),
			About:       []event.About{{Source: p.Source, Type: event.TypeFeedItem, Ref: p.Ref}},
			Link:        p.Link,
			Rule:        ruleFeedMeaning,
			Why:         why,
			Status:      event.StatusPending,
		}
		if !s.Expires.After(z.now()) {
			continue
		}
		if _, err := z.book.Offer(ctx, s); err != nil {
			return err
		}
	}
	// Done with these: drop them from the list (new ones may have come).
	z.mu.Lock()
	defer z.mu.Unlock()
	now, err := z.pending(ctx)
	if err != nil {
		return err
	}
	keep := now[:0]
	for _, p := range now {
		if _, done := byRef[p.Source+"/"+p.Ref]; !done {
			keep = append(keep, p)
		}
	}
	return z.save(ctx, keep)
}

func (z *interestSweeper) pending(ctx context.Context) ([]pendingItem, error) {
	raw, err := z.store.Get(ctx, interestKey)
	if errors.Is(err, state.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("feed interests: %w", err)
	}
	var list []pendingItem
	if json.Unmarshal(raw, &list) != nil {
		return nil, nil // a damaged list only costs these items
	}
	return list, nil
}

func (z *interestSweeper) save(ctx context.Context, list []pendingItem) error {
	raw, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("feed interests: %w", err)
	}
	if err := z.store.Put(ctx, interestKey, raw); err != nil {
		return fmt.Errorf("feed interests: %w", err)
	}
	return nil
}

// interestTopics are the user's interests as the model is told them.
func interestTopics(cfg *config.Config) []string {
	return cfg.User.Interests
}
