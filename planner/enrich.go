package planner

import (
	"time"

	"github.com/agentd/agentd/event"
)

// enrichment is what the planner knows about an event beyond its envelope.
type enrichment struct {
	// facts are exposed to rules as facts.*. Values are data only.
	facts map[string]any
	// about identifies the thing suggestions are about.
	about event.About
	// link is what a suggestion's "open" action opens.
	link string
}

// enrich computes the facts of ev as of now; at is the event's effective
// time (its Time, else when it was seen).
func (p *Planner) enrich(ev event.Event, at, now time.Time) (enrichment, error) {
	en := enrichment{
		facts: map[string]any{"age": now.Sub(at)},
		about: event.About{Source: ev.Source, Type: ev.Type, Ref: ev.ID},
	}
	if ev.Type == event.TypeFeedItem {
		if err := p.enrichFeedItem(ev, &en); err != nil {
			return enrichment{}, err
		}
	}
	return en, nil
}

// enrichFeedItem adds the facts of a feed item: which interests it mentions
// (in the title alone, and anywhere), and its fields for templates.
func (p *Planner) enrichFeedItem(ev event.Event, en *enrichment) error {
	var item event.FeedItem
	if err := ev.Decode(&item); err != nil {
		return err
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

	en.facts["interests"] = anywhere
	en.facts["interests_in_title"] = inTitle
	en.facts["feed"] = feed
	en.facts["feed_title"] = item.FeedTitle
	en.facts["link"] = item.Link
	en.facts["title"] = title
	en.facts["summary"] = item.Summary
	en.facts["categories"] = categories
	en.facts["authors"] = authors
	if ref := item.Ref(); ref != "" {
		en.about.Ref = ref
	}
	en.link = item.Link
	return nil
}
