package planner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// One story, one suggestion: a feed that re-publishes an item under a new
// GUID, or a second feed carrying the same article, would otherwise make a
// second suggestion about it. The first item of a story claims the
// story's keys (its canonical link, and its title within its feed) in the
// planner's store, so `agentd plan` and the daemon agree; a later item with
// another reference that meets a claimed key makes nothing.
const (
	keyStory = "feed.story."
	// storyWindow is how long a claim holds; a story published again
	// after it is news again.
	storyWindow = 30 * 24 * time.Hour
	// storySweepEvery is how often old claims are looked for.
	storySweepEvery = 24 * time.Hour
	// minStoryTitle is the shortest normalized title that identifies a
	// story ("News" or "Update" does not).
	minStoryTitle = 12
	// storySummary is how much of the summary identifies a story beside
	// its title (runes, normalized).
	storySummary = 160
)

// storyClaim is the value of a story key: which item claimed it, when.
type storyClaim struct {
	Ref   string    `json:"ref"`
	At    time.Time `json:"at"`
	Title string    `json:"title,omitempty"` // normalized
}

// storyKeys are the keys that identify item's story: its canonical link,
// and its title with the start of its summary within its feed.
func storyKeys(feed string, item event.FeedItem) []string {
	var keys []string
	if l := canonicalLink(item.Link); l != "" {
		keys = append(keys, "link:"+l)
	}
	// A feed's recurring title ("Daily briefing") is many stories: the
	// title counts with the start of the summary.
	if t := normalizeTitle(item.Title); len(t) >= minStoryTitle {
		sum := []rune(normalizeTitle(item.Summary))
		if len(sum) > storySummary {
			sum = sum[:storySummary]
		}
		keys = append(keys, "title:"+feed+"\x00"+t+"\x00"+string(sum))
	}
	return keys
}

// canonicalLink is a link without what differs between two copies of one
// article: scheme, "www.", tracking parameters, a trailing slash. A link
// to a site's home page identifies no story: "".
func canonicalLink(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	path := strings.TrimRight(u.EscapedPath(), "/")
	if path == "" {
		return ""
	}
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "utm_") || lk == "ref" || lk == "source" || lk == "fbclid" || lk == "gclid" || lk == "mc_cid" || lk == "mc_eid" {
			q.Del(k)
		}
	}
	out := host + path
	if enc := q.Encode(); enc != "" {
		out += "?" + enc
	}
	if u.Fragment != "" {
		out += "#" + u.Fragment
	}
	return out
}

// normalizeTitle keeps the letters and digits of a title, lower-cased,
// one space between words.
func normalizeTitle(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	return strings.Join(f, " ")
}

// similarTitles: most words of the two titles are shared (Jaccard 0.6),
// or one title holds the other ("Go 1.30 is released" and "Go 1.30 is
// released!"); "v1.2 released" and "v1.3 released" are two stories.
func similarTitles(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	if strings.Contains(a, b) || strings.Contains(b, a) {
		return true
	}
	wa, wb := map[string]bool{}, map[string]bool{}
	for _, w := range strings.Fields(a) {
		wa[w] = true
	}
	for _, w := range strings.Fields(b) {
		wb[w] = true
	}
	shared := 0
	for w := range wa {
		if wb[w] {
			shared++
		}
	}
	union := len(wa) + len(wb) - shared
	return union > 0 && float64(shared)/float64(union) >= 0.6
}

// repeatedStory reports whether ev's item is a story another item already
// brought (within storyWindow); if not, the item claims its story.
func (p *Planner) repeatedStory(ctx context.Context, ev event.Event, feed string, item event.FeedItem, now time.Time) (bool, error) {
	keys := storyKeys(feed, item)
	if len(keys) == 0 {
		return false, nil
	}
	ref := ev.Source + "\x00" + item.Ref()
	title := normalizeTitle(item.Title)
	p.storyMu.Lock()
	defer p.storyMu.Unlock()
	if now.Sub(p.storySweep) >= storySweepEvery {
		p.storySweep = now
		if err := p.sweepStories(ctx, now); err != nil {
			p.logger.Warn("feed stories: sweeping old stories failed; retrying tomorrow", "err", err)
		}
	}
	for _, k := range keys {
		c, err := p.storyClaim(ctx, k)
		if err != nil {
			return false, err
		}
		// A page every item of a feed links to (a changelog) is many
		// stories: the same link is the same story when the titles agree.
		sameTitle := !strings.HasPrefix(k, "link:") || similarTitles(c.Title, title)
		if c.Ref != "" && c.Ref != ref && now.Sub(c.At) < storyWindow && sameTitle {
			p.logger.Debug("feed item repeats a story already planned", "event", ev.ID, "first", c.Ref)
			return true, nil
		}
	}
	raw, err := json.Marshal(storyClaim{Ref: ref, At: now, Title: title})
	if err != nil {
		return false, fmt.Errorf("feed story: %w", err)
	}
	for _, k := range keys {
		if err := p.store.Put(ctx, keyStory+event.Hash(k)[:20], raw); err != nil {
			return false, fmt.Errorf("feed story: %w", err)
		}
	}
	return false, nil
}

func (p *Planner) storyClaim(ctx context.Context, key string) (storyClaim, error) {
	var c storyClaim
	raw, err := p.store.Get(ctx, keyStory+event.Hash(key)[:20])
	if errors.Is(err, state.ErrNotFound) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("feed story: %w", err)
	}
	if json.Unmarshal(raw, &c) != nil {
		return storyClaim{}, nil // unreadable: as if unclaimed
	}
	return c, nil
}

// sweepStories forgets claims older than storyWindow.
func (p *Planner) sweepStories(ctx context.Context, now time.Time) error {
	keys, err := p.store.Keys(ctx, keyStory)
	if err != nil {
		return err
	}
	for _, k := range keys {
		raw, err := p.store.Get(ctx, k)
		if errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		var c storyClaim
		if json.Unmarshal(raw, &c) != nil || now.Sub(c.At) >= storyWindow {
			if err := p.store.Delete(ctx, k); err != nil {
				return err
			}
		}
	}
	return nil
}
