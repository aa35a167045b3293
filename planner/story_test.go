package planner

import (
	"context"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
)

// TestPlanStoryOnce: a story published twice under different GUIDs (a feed
// that re-publishes, or a second feed syndicating it) is suggested once;
// the same item seen again still plans as before.
func TestPlanStoryOnce(t *testing.T) {
	ctx := context.Background()
	first := goItem()
	second := goItem()
	second.GUID = "https://go.dev/blog/go1.30?republished=1"
	second.Link = "http://www.go.dev/blog/go1.30/?utm_source=rss&utm_medium=feed"
	second.Title = "Go 1.30 is released!"
	other := goItem()
	other.Feed = "golang-weekly"
	other.GUID = "weekly-9876"
	other.Link = "https://go.dev/blog/go1.30"
	sameTitle := goItem()
	sameTitle.GUID = "tag:go.dev,2026:blog/go1.30-again"
	sameTitle.Link = ""
	changelog := goItem()
	changelog.GUID = "tag:go.dev,2026:blog/go1.31-notes"
	changelog.Title = "Go 1.31 release notes"
	changelog.Summary = "What is new in 1.31."
	recurring := goItem()
	recurring.GUID = "tag:go.dev,2026:blog/go1.30-notes"
	recurring.Link = ""
	recurring.Summary = "Another day, other notes."
	different := goItem()
	different.GUID = "tag:go.dev,2026:blog/go1.31"
	different.Link = "https://go.dev/blog/go1.31"
	different.Title = "Go 1.31 is released"

	p := newPlanner(t, compileRules(t, ""), nil)
	steps := []struct {
		name string
		want int
		item event.FeedItem
		at   time.Time
	}{
		{"first", 1, first, testNow.Add(-3 * time.Hour)},
		{"first again", 1, first, testNow.Add(-3 * time.Hour)},
		{"new GUID, same link", 0, second, testNow.Add(-2 * time.Hour)},
		{"another feed, same link", 0, other, testNow.Add(-time.Hour)},
		{"same feed, same title, no link", 0, sameTitle, testNow.Add(-time.Hour)},
		{"same link, another title", 1, changelog, testNow.Add(-time.Hour)},
		{"same title, another summary", 1, recurring, testNow.Add(-time.Hour)},
		{"another story", 1, different, testNow.Add(-time.Hour)},
	}
	for _, s := range steps {
		sugg, err := p.Plan(ctx, feedEvent(t, s.item, s.at))
		n := len(sugg)
		if err != nil || n != s.want {
			t.Errorf("%s: %d suggestions (%v), want %d", s.name, n, err, s.want)
		}
	}
}
