package notifiers

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
)

// Grouping gathers a burst of related suggestions (the same rule and
// source) on a channel into one notification: the first is shown at once,
// the ones that follow within Window wait and are shown together at its
// end ("3 new items from go-blog"). Reminders and urgent suggestions are
// never held.
type Grouping struct {
	// Window is how long after a notification related ones are gathered;
	// 0 = no grouping.
	Window time.Duration
	// Channels are the notifier names that group; empty = desktop and
	// ntfy.
	Channels []string
}

// WithGrouping sets the grouping of bursts.
func WithGrouping(g Grouping) Option { return func(d *Dispatcher) { d.grouping = g } }

// groupFlushTimeout bounds sending one grouped notification.
const groupFlushTimeout = 2 * time.Minute

type grouper struct {
	cfg    Grouping
	now    func() time.Time
	logger *slog.Logger

	mu     sync.Mutex
	groups map[string]*group
	closed bool
	// members maps the ids of recent grouped notifications to the
	// suggestions they showed, oldest first in shown, for Members.
	members map[string][]string
	shown   []string
}

// keepMembers is how many grouped notifications Members remembers.
const keepMembers = 256

type group struct {
	last    time.Time // when the last notification of the group was shown
	pending []event.Suggestion
	timer   *time.Timer
}

func newGrouper(cfg Grouping, now func() time.Time, logger *slog.Logger) *grouper {
	if len(cfg.Channels) == 0 {
		cfg.Channels = []string{"desktop", "ntfy"}
	}
	return &grouper{cfg: cfg, now: now, logger: logger, groups: map[string]*group{}, members: map[string][]string{}}
}

// groupKey is the burst a delivery belongs to; "" = never grouped.
func (g *grouper) groupKey(d Delivery) string {
	s := d.Suggestion
	if g.cfg.Window <= 0 || s.Kind == event.KindReminder || s.Rule == "" ||
		event.PriorityRank(s.Priority) >= event.PriorityRank(event.PriorityUrgent) ||
		!slices.Contains(g.cfg.Channels, d.Target.Notifier.Name()) {
		return ""
	}
	return d.Target.Notifier.Name() + "\x00" + s.Rule + "\x00" + firstSource(s)
}

func firstSource(s event.Suggestion) string {
	if len(s.About) == 0 {
		return ""
	}
	return s.About[0].Source
}

// stage is the grouping Stage.
func (g *grouper) stage() Stage {
	return func(next Handler) Handler {
		if g.cfg.Window <= 0 {
			return next
		}
		return func(ctx context.Context, d Delivery) (Result, error) {
			key := g.groupKey(d)
			if key == "" {
				return next(ctx, d)
			}
			now := g.now()
			g.mu.Lock()
			if g.closed {
				g.mu.Unlock()
				return next(ctx, d)
			}
			gr := g.groups[key]
			if gr == nil || (len(gr.pending) == 0 && now.Sub(gr.last) >= g.cfg.Window) {
				g.sweep(now)
				g.groups[key] = &group{last: now}
				g.mu.Unlock()
				return next(ctx, d)
			}
			gr.pending = append(gr.pending, d.Suggestion)
			if gr.timer == nil {
				wait := max(gr.last.Add(g.cfg.Window).Sub(now), 0)
				target := d.Target
				gr.timer = time.AfterFunc(wait, func() { g.flush(key, target, next) })
			}
			g.mu.Unlock()
			return Result{Outcome: Grouped}, nil
		}
	}
}

// sweep forgets groups whose window is over; g.mu is held.
func (g *grouper) sweep(now time.Time) {
	for k, gr := range g.groups {
		if len(gr.pending) == 0 && now.Sub(gr.last) >= g.cfg.Window {
			delete(g.groups, k)
		}
	}
}

// flush shows the suggestions gathered for key as one notification.
func (g *grouper) flush(key string, target Target, next Handler) {
	g.mu.Lock()
	gr := g.groups[key]
	if g.closed || gr == nil {
		g.mu.Unlock()
		return
	}
	pending := gr.pending
	gr.pending, gr.timer, gr.last = nil, nil, g.now()
	g.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	s := GroupSuggestion(pending)
	if len(pending) > 1 {
		g.remember(s.ID, pending)
	}
	ctx, cancel := context.WithTimeout(context.Background(), groupFlushTimeout)
	defer cancel()
	r, err := next(ctx, Delivery{Target: target, Suggestion: s})
	log := g.logger.With("notifier", target.Notifier.Name(), "suggestion", s.ID, "items", len(pending))
	if err != nil {
		// The items are in the digest and `agentd suggestions` all the
		// same.
		log.Warn("grouped notification failed", "err", err)
		return
	}
	log.Debug("grouped notification", "outcome", r.Outcome)
}

// remember keeps which suggestions the grouped notification id shows.
func (g *grouper) remember(id string, ss []event.Suggestion) {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.members[id]; !ok {
		g.shown = append(g.shown, id)
	}
	g.members[id] = ids
	if len(g.shown) > keepMembers {
		delete(g.members, g.shown[0])
		g.shown = g.shown[1:]
	}
}

// Close drops the groups not yet shown (their suggestions stay in the
// digest) and stops their timers.
func (g *grouper) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for _, gr := range g.groups {
		if gr.timer != nil {
			gr.timer.Stop()
		}
	}
	clear(g.groups)
}

// GroupSuggestion is the one notification for related suggestions ss (at
// least one): ss[0] alone, or "3 new items from go-blog" with their titles
// as the body, the highest priority among them and ss[0]'s rule.
func GroupSuggestion(ss []event.Suggestion) event.Suggestion {
	if len(ss) == 1 {
		return ss[0]
	}
	first := ss[0]
	from := first.Rule
	if src := firstSource(first); src != "" {
		_, name, _ := strings.Cut(src, ":")
		from = name
	}
	g := event.Suggestion{
		SpecVersion: first.SpecVersion,
		ID:          "group-" + first.ID,
		Kind:        first.Kind,
		Title:       fmt.Sprintf("%d new items from %s", len(ss), from),
		Priority:    first.Priority,
		Created:     first.Created,
		Rule:        first.Rule,
		Why:         first.Why,
	}
	const shown = 5
	var body strings.Builder
	for i, s := range ss {
		if event.PriorityRank(s.Priority) > event.PriorityRank(g.Priority) {
			g.Priority = s.Priority
		}
		g.About = append(g.About, s.About...)
		if i < shown {
			fmt.Fprintf(&body, "• %s\n", s.Title)
		}
	}
	if len(ss) > shown {
		fmt.Fprintf(&body, "and %d more (agentd suggestions)\n", len(ss)-shown)
	}
	g.Body = strings.TrimSuffix(body.String(), "\n")
	return g
}

// Close stops the dispatcher's timers: bursts gathered for a grouped
// notification and not yet shown are dropped (they wait in the digest).
func (d *Dispatcher) Close() { d.groups.Close() }

// Members returns the suggestions a notification with suggestion id id
// shows: the members of a grouped notification, id itself for any other.
// grouped reports a grouped one.
func (d *Dispatcher) Members(id string) (ids []string, grouped bool) {
	d.groups.mu.Lock()
	defer d.groups.mu.Unlock()
	if m, ok := d.groups.members[id]; ok {
		return slices.Clone(m), true
	}
	return []string{id}, false
}
