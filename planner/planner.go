// Package planner turns events into suggestions: enrichers compute facts
// about an event (which of the user's interests a feed item mentions, how
// old it is …), then the rules decide what, if anything, to suggest.
package planner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/agentd/agentd/internal/state"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/rules"
)

// DefaultFeedMaxAge is how old a feed item may be and still be suggested,
// when the config does not say (planner.feed_max_age).
const DefaultFeedMaxAge = 72 * time.Hour

// DefaultLeaveBefore is settings.leave_before when the config does not say
// (planner.leave_before).
const DefaultLeaveBefore = 45 * time.Minute

// Config is what the planner needs to know about the user.
type Config struct {
	// Interests are words or phrases; see Matcher for how they match.
	Interests []string
	// InterestAlso maps an interest to other words or phrases that count as
	// mentioning it (user.interests' also).
	InterestAlso map[string][]string
	// Location is the user's time zone (default time.Local): rules see now
	// in it.
	Location *time.Location
	// FeedMaxAge is settings.feed_max_age for rules (default DefaultFeedMaxAge).
	FeedMaxAge time.Duration
	UserName   string
	UserEmail  string
	// RemindBefore, AgendaAt and FollowUpAfter are the tunables of the
	// calendar and mail rules (settings.remind_before, …).
	RemindBefore  time.Duration
	AgendaAt      time.Duration
	FollowUpAfter time.Duration
	// LeaveBefore is settings.leave_before (planner.leave_before).
	LeaveBefore time.Duration
	// ListBackfill lists look-back items one by one (settings.list_backfill).
	ListBackfill bool
	// Drafts: a model drafts replies (settings.drafts).
	Drafts bool
}

// Planner turns events into suggestions. It is safe for concurrent use.
type Planner struct {
	cfg       Config
	rules     *rules.Set
	logger    *slog.Logger
	now       func() time.Time
	interests *Matcher
	// store is the planner's memory across events and restarts: which
	// suggestions each scope holds, and what enrichers keep (threads,
	// occurrences).
	store     state.Store
	enrichers map[string]Enricher

	mu sync.Mutex
	// failures counts run-time failures per rule: the first one is logged
	// as a warning, the rest only counted, so a broken rule does not flood
	// the log with one line per event.
	failures map[string]int

	// storyMu orders the claims of feed stories (see repeatedStory);
	// storySweep is when old claims were last looked for.
	storyMu    sync.Mutex
	storySweep time.Time
}

// Option changes a Planner built by New.
type Option func(*Planner)

// WithClock sets the clock the planner reads "now" from (default time.Now);
// `agentd plan --at` and tests use it.
func WithClock(now func() time.Time) Option {
	return func(p *Planner) {
		if now != nil {
			p.now = now
		}
	}
}

// WithBackfillListed makes the rules list a new account's look-back items
// one by one (settings.list_backfill), as `agentd plan` shows them.
func WithBackfillListed() Option {
	return func(p *Planner) { p.cfg.ListBackfill = true }
}

// WithStore gives the planner its memory (a KV bucket in the daemon). The
// default is an in-memory store, right for `agentd plan` and tests.
func WithStore(s state.Store) Option {
	return func(p *Planner) { p.store = s }
}

// WithEnricher adds an enricher for the given event types.
func WithEnricher(e Enricher, types ...string) Option {
	return func(p *Planner) {
		for _, t := range types {
			p.enrichers[t] = e
		}
	}
}

// New builds a planner. Interests are compiled here, once.
func New(cfg Config, set *rules.Set, logger *slog.Logger, opts ...Option) *Planner {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.FeedMaxAge <= 0 {
		cfg.FeedMaxAge = DefaultFeedMaxAge
	}
	if cfg.LeaveBefore <= 0 {
		cfg.LeaveBefore = DefaultLeaveBefore
	}
	p := &Planner{
		cfg:       cfg,
		rules:     set,
		logger:    logger,
		now:       time.Now,
		failures:  make(map[string]int),
		store:     state.NewMemory(),
		enrichers: map[string]Enricher{},
	}
	for _, o := range opts {
		o(p)
	}
	m, unusable := NewMatcherAlso(cfg.Interests, cfg.InterestAlso)
	for _, in := range unusable {
		p.logger.Warn("interest has no letters or digits and can never match; ignored", "interest", in)
	}
	p.interests = m
	return p
}

var suggestionActions = []string{"open", "dismiss", "snooze"}

// Plan turns one event into suggestions, as of the planner's clock. Events
// dated after now have not arrived yet and produce nothing. See Handle for
// suggestions withdrawn by the event.
func (p *Planner) Plan(ctx context.Context, ev event.Event) ([]event.Suggestion, error) {
	r, err := p.Handle(ctx, ev)
	return r.Suggestions, err
}

// Result is what one event changes: new or updated suggestions, and the
// ids of earlier suggestions about the same things that no longer hold (a
// reply arrived, a meeting moved or was cancelled).
type Result struct {
	Suggestions []event.Suggestion
	Withdraw    []string
	// Muted is set when a mute rule silenced a unit of the event: nothing
	// else (the model included) should bring it up.
	Muted bool
}

// Handle plans one event: enrichers turn it into units (one per thing a
// suggestion can be about: a feed item, an occurrence, a thread), the rules
// run on each unit, and suggestions made earlier within a scope the event
// re-evaluated but did not make again are withdrawn.
func (p *Planner) Handle(ctx context.Context, ev event.Event) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	now := p.now()
	at := ev.Time
	if at.IsZero() {
		at = ev.Seen
	}
	if at.After(now) {
		return Result{}, nil
	}
	units, scopes, err := p.enrich(ctx, ev, at, now)
	if err != nil {
		return Result{}, fmt.Errorf("plan event %s (%s from %s): %w", ev.ID, ev.Type, ev.Source, err)
	}

	var res Result
	made := map[string][]string{} // scope -> ids made now
	for _, u := range units {
		sugs, muted := p.evaluate(ev, u, now)
		res.Muted = res.Muted || muted
		res.Suggestions = append(res.Suggestions, sugs...)
		if u.Scope != "" {
			for _, s := range sugs {
				made[u.Scope] = append(made[u.Scope], s.ID)
			}
		}
	}
	for _, scope := range scopes {
		gone, err := p.replaceScope(ctx, scope, made[scope])
		if err != nil {
			return res, fmt.Errorf("plan event %s: %w", ev.ID, err)
		}
		res.Withdraw = append(res.Withdraw, gone...)
	}
	if len(res.Suggestions)+len(res.Withdraw) > 0 {
		p.logger.Debug("event planned", "event", ev.ID, "suggestions", len(res.Suggestions), "withdrawn", len(res.Withdraw))
	}
	return res, nil
}

// evaluate runs the rules on one unit; muted says a mute rule silenced it.
func (p *Planner) evaluate(ev event.Event, u Unit, now time.Time) ([]event.Suggestion, bool) {
	env := rules.Env{
		Event: rules.EventEnv{
			ID:      ev.ID,
			Type:    ev.Type,
			Source:  ev.Source,
			Kind:    ev.SourceKind(),
			Name:    ev.SourceName(),
			Subject: ev.Subject,
			Time:    ev.Time,
			Seen:    ev.Seen,
		},
		Facts: u.Facts,
		User: rules.UserEnv{
			Name:      p.cfg.UserName,
			Email:     p.cfg.UserEmail,
			Interests: p.cfg.Interests,
		},
		Settings: p.settings(),
		Now:      now.In(p.cfg.Location),
	}
	out, err := p.rules.Evaluate(env)
	if err != nil {
		p.noteRuleFailures(ev, err)
	}
	if out.Muted {
		p.logger.Debug("event muted", "event", ev.ID, "rule", out.MutedBy)
		return nil, true
	}
	var sugs []event.Suggestion
	for _, c := range out.Candidates {
		about := u.About
		s := event.Suggestion{
			SpecVersion: event.SpecVersion,
			ID:          suggestionID(c.Rule, about),
			Kind:        c.Kind,
			Title:       c.Title,
			Body:        c.Body,
			Priority:    c.Priority,
			Due:         c.Due,
			Created:     now,
			About:       []event.About{about},
			Link:        u.Link,
			Actions:     actions(u.Link != ""),
			Rule:        c.Rule,
			Why:         c.Why,
			Status:      event.StatusPending,
		}
		if out.Priority != "" {
			s.Priority = out.Priority
		}
		switch {
		case c.Expires > 0:
			s.Expires = u.At.Add(c.Expires)
		case !u.Expires.IsZero():
			s.Expires = u.Expires
		}
		if !s.Expires.IsZero() && !s.Expires.After(now) {
			// Stale before it is made: nobody would see it.
			continue
		}
		if s.Kind == event.KindReminder && s.Due.IsZero() {
			continue
		}
		sugs = append(sugs, s)
	}
	return sugs, false
}

// suggestionID is deterministic from the rule and what the suggestion is
// about. A meeting is one meeting whichever calendar, or invitation mail,
// brought it: calendar ids leave the source out, so the same UID and
// occurrence seen twice is reminded once.
func suggestionID(rule string, about event.About) string {
	source := about.Source
	if strings.HasPrefix(about.Type, "calendar.") {
		source = "calendar"
	}
	return event.ID(rule, source, about.Ref, about.RecurrenceID)
}

// replaceScope records the ids a scope holds now and returns those it held
// before and does not any more.
func (p *Planner) replaceScope(ctx context.Context, scope string, ids []string) ([]string, error) {
	key := "scope." + scope
	var old []string
	raw, err := p.store.Get(ctx, key)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &old); err != nil {
			p.logger.Warn("forgetting unreadable scope", "scope", scope, "err", err)
			old = nil
		}
	case !errors.Is(err, state.ErrNotFound):
		return nil, err
	}
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	var gone []string
	for _, id := range old {
		if !keep[id] {
			gone = append(gone, id)
		}
	}
	if len(ids) == 0 {
		if len(old) > 0 {
			return gone, p.store.Delete(ctx, key)
		}
		return nil, nil
	}
	sort.Strings(ids)
	if slices.Equal(ids, old) {
		return nil, nil
	}
	raw, err = json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return gone, p.store.Put(ctx, key, raw)
}

func actions(hasLink bool) []string {
	if hasLink {
		return append([]string(nil), suggestionActions...)
	}
	return append([]string(nil), suggestionActions[1:]...)
}

// RuleFailures returns how often each rule has failed at run time, for
// `agentd check` and the dashboard.
func (p *Planner) RuleFailures() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.failures))
	for k, v := range p.failures {
		out[k] = v
	}
	return out
}

func (p *Planner) noteRuleFailures(ev event.Event, err error) {
	failed := rules.Errors(err)
	if len(failed) == 0 {
		p.logger.Warn("rules failed", "event", ev.ID, "err", err)
		return
	}
	for _, re := range failed {
		p.mu.Lock()
		p.failures[re.Rule]++
		n := p.failures[re.Rule]
		p.mu.Unlock()
		if n == 1 {
			p.logger.Warn("rule failed and was skipped; further failures of this rule are only counted",
				"rule", re.Rule, "origin", re.Origin, "event", ev.ID, "err", re.Err, "field", re.Field)
			continue
		}
		p.logger.Debug("rule failed and was skipped", "rule", re.Rule, "event", ev.ID, "err", re.Err, "failures", n)
	}
}

// settings are the config tunables rules refer to by name.
func (p *Planner) settings() rules.Settings {
	return rules.Settings{
		FeedMaxAge:    p.cfg.FeedMaxAge,
		RemindBefore:  p.cfg.RemindBefore,
		AgendaAt:      p.cfg.AgendaAt,
		FollowUpAfter: p.cfg.FollowUpAfter,
		LeaveBefore:   p.cfg.LeaveBefore,
		ListBackfill:  p.cfg.ListBackfill,
		Drafts:        p.cfg.Drafts,
	}
}
