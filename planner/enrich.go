package planner

import (
	"context"
	"time"

	"github.com/agentd/agentd/event"
)

// Unit is one thing the rules are evaluated for, with what the planner
// knows about it: a feed item, one occurrence of a meeting, a mail thread.
type Unit struct {
	// Facts are exposed to rules as facts.*. Values are data only.
	Facts map[string]any
	// About identifies the thing; suggestion ids derive from it.
	About event.About
	// Link is what a suggestion's "open" action opens.
	Link string
	// At is the unit's effective time; a rule's expires counts from it.
	At time.Time
	// Expires, when set, is when suggestions about the unit stop being
	// worth showing if the rule does not say otherwise (a meeting's end).
	Expires time.Time
	// Scope groups the units one event re-evaluates in full (a calendar
	// object, a mail thread): suggestions made earlier in the scope and not
	// made again are withdrawn. Empty: never withdrawn.
	Scope string
}

// Enricher turns an event into units. It may keep context in the store
// (threads, occurrences) and returns the scopes the event re-evaluated.
type Enricher interface {
	Enrich(ctx context.Context, ev event.Event, now time.Time) (units []Unit, scopes []string, err error)
}

// enrich computes the units of ev as of now; at is the event's effective
// time (its Time, else when it was seen).
func (p *Planner) enrich(ctx context.Context, ev event.Event, at, now time.Time) ([]Unit, []string, error) {
	if e, ok := p.enrichers[ev.Type]; ok {
		units, scopes, err := e.Enrich(ctx, ev, now)
		for i := range units {
			if units[i].Facts == nil {
				units[i].Facts = map[string]any{}
			}
			if units[i].At.IsZero() {
				units[i].At = at
			}
			if _, ok := units[i].Facts["age"]; !ok {
				units[i].Facts["age"] = now.Sub(units[i].At)
			}
		}
		return units, scopes, err
	}
	u := Unit{
		Facts: map[string]any{"age": now.Sub(at)},
		About: event.About{Source: ev.Source, Type: ev.Type, Ref: ev.ID},
		At:    at,
	}
	if ev.Type == event.TypeFeedItem {
		item, err := p.enrichFeedItem(ev, &u)
		if err != nil {
			return nil, nil, err
		}
		feed, _ := u.Facts["feed"].(string)
		repeated, err := p.repeatedStory(ctx, ev, feed, item, now)
		if err != nil {
			return nil, nil, err
		}
		if repeated {
			return nil, nil, nil
		}
	}
	return []Unit{u}, nil, nil
}

// enrichFeedItem adds the facts of a feed item: which interests it mentions
// (in the title alone, and anywhere), and its fields for templates.
func (p *Planner) enrichFeedItem(ev event.Event, en *Unit) (event.FeedItem, error) {
	var item event.FeedItem
	if err := ev.Decode(&item); err != nil {
		return item, err
	}
	title := item.Title
	if title == "" {
		title = ev.Subject
	}
	feed := item.Feed
	if feed == "" {
		feed = ev.SourceName()
	}

	var inTitle, anywhere []string
	if p.interests.Len() > 0 {
		hits := make([]bool, p.interests.Len())
		nTitle := p.interests.mark(title, hits)
		inTitle = p.interests.pick(hits, nTitle)
		n := nTitle + p.interests.mark(item.Summary, hits)
		for _, c := range item.Categories {
			n += p.interests.mark(c, hits)
		}
		anywhere = p.interests.pick(hits, n)
	}
	if inTitle == nil {
		inTitle = []string{}
	}
	if anywhere == nil {
		anywhere = []string{}
	}
	categories := item.Categories
	if categories == nil {
		categories = []string{}
	}
	authors := item.Authors
	if authors == nil {
		authors = []string{}
	}

	en.Facts["interests"] = anywhere
	en.Facts["interests_in_title"] = inTitle
	en.Facts["feed"] = feed
	en.Facts["feed_title"] = item.FeedTitle
	en.Facts["link"] = item.Link
	en.Facts["title"] = title
	en.Facts["summary"] = item.Summary
	en.Facts["categories"] = categories
	en.Facts["authors"] = authors
	if ref := item.Ref(); ref != "" {
		en.About.Ref = ref
	}
	en.Link = item.Link
	return item, nil
}
