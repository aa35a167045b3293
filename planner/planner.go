// Package planner turns events into suggestions: enrichers compute facts
// about an event (which of the user's interests a feed item mentions, how
// old it is …), then the rules decide what, if anything, to suggest.
package planner

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/rules"
)

// DefaultFeedMaxAge is how old a feed item may be and still be suggested,
// when the config does not say (planner.feed_max_age).
const DefaultFeedMaxAge = 72 * time.Hour

// Config is what the planner needs to know about the user.
type Config struct {
	// Interests are words or phrases; see Matcher for how they match.
	Interests []string
	// Location is the user's time zone (default time.Local): rules see now
	// in it.
	Location *time.Location
	// FeedMaxAge is settings.feed_max_age for rules (default DefaultFeedMaxAge).
	FeedMaxAge time.Duration
	UserName   string
	UserEmail  string
}

// Planner turns events into suggestions. It is safe for concurrent use.
type Planner struct {
	cfg       Config
	rules     *rules.Set
	logger    *slog.Logger
	now       func() time.Time
	interests *Matcher

	mu sync.Mutex
	// failures counts run-time failures per rule: the first one is logged
	// as a warning, the rest only counted, so a broken rule does not flood
	// the log with one line per event.
	failures map[string]int
}

// Option changes a Planner built by New.
type Option func(*Planner)

// WithClock sets the clock the planner reads "now" from (default time.Now);
// `agentd plan --at` and tests use it.
func WithClock(now func() time.Time) Option {
	return func(p *Planner) { p.now = now }
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
	p := &Planner{
		cfg:      cfg,
		rules:    set,
		logger:   logger,
		now:      time.Now,
		failures: make(map[string]int),
	}
	for _, o := range opts {
		o(p)
	}
	m, unusable := NewMatcher(cfg.Interests)
	for _, in := range unusable {
		p.logger.Warn("interest has no letters or digits and can never match; ignored", "interest", in)
	}
	p.interests = m
	return p
}

var suggestionActions = []string{"open", "dismiss", "snooze"}

// Plan returns the suggestions the rules make of ev as of the planner's
// clock. An event dated after now has not happened yet as far as the
// planner knows (`agentd plan --at` in the past) and gives nothing.
//
// A rule that fails is logged and skipped; the error Plan returns means the
// event itself is unusable (its data does not decode), which retrying will
// not fix.
func (p *Planner) Plan(ctx context.Context, ev event.Event) ([]event.Suggestion, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := p.now()
	at := ev.Time
	if at.IsZero() {
		at = ev.Seen
	}
	if at.After(now) {
		return nil, nil
	}
	en, err := p.enrich(ev, at, now)
	if err != nil {
		return nil, fmt.Errorf("plan event %s (%s from %s): %w", ev.ID, ev.Type, ev.Source, err)
	}

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
		Facts: en.facts,
		User: rules.UserEnv{
			Name:      p.cfg.UserName,
			Email:     p.cfg.UserEmail,
			Interests: p.cfg.Interests,
		},
		Settings: rules.Settings{FeedMaxAge: p.cfg.FeedMaxAge},
		Now:      now.In(p.cfg.Location),
	}
	out, err := p.rules.Evaluate(env)
	if err != nil {
		p.noteRuleFailures(ev, err)
	}
	if out.Muted {
		p.logger.Debug("event muted", "event", ev.ID, "rule", out.MutedBy)
		return nil, nil
	}

	var sugs []event.Suggestion
	for _, c := range out.Candidates {
		s := event.Suggestion{
			SpecVersion: event.SpecVersion,
			ID:          event.ID(c.Rule, en.about.Source, en.about.Ref, en.about.RecurrenceID),
			Kind:        c.Kind,
			Title:       c.Title,
			Body:        c.Body,
			Priority:    c.Priority,
			Due:         c.Due,
			Created:     now,
			About:       []event.About{en.about},
			Link:        en.link,
			Actions:     actions(en.link != ""),
			Rule:        c.Rule,
			Why:         c.Why,
			Status:      event.StatusPending,
		}
		if out.Priority != "" {
			s.Priority = out.Priority
		}
		if c.Expires > 0 {
			s.Expires = at.Add(c.Expires)
			if !s.Expires.After(now) {
				// Stale before it is made: nobody would see it.
				continue
			}
		}
		sugs = append(sugs, s)
	}
	if len(sugs) > 0 {
		p.logger.Debug("event planned", "event", ev.ID, "suggestions", len(sugs))
	}
	return sugs, nil
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
