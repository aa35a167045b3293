package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/rules"
)

var testNow = time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return testNow }

// feedEvent builds a feed.item event the way the feed watcher does.
func feedEvent(t testing.TB, item event.FeedItem, published time.Time) event.Event {
	t.Helper()
	item.Published = published
	ev, err := event.New("feed:"+item.Feed, event.TypeFeedItem, item.Ref(), item.Title, published, testNow, item)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func goItem() event.FeedItem {
	return event.FeedItem{
		Feed:       "go-blog",
		FeedTitle:  "The Go Blog",
		FeedURL:    "https://go.dev/blog/feed.atom",
		GUID:       "tag:go.dev,2026:blog/go1.30",
		Link:       "https://go.dev/blog/go1.30",
		Title:      "Go 1.30 is released",
		Summary:    "Today the Go team is happy to release Go 1.30, with faster builds for home-automation gadgets.",
		Categories: []string{"Release"},
	}
}

// compileRules merges the built-in rules with user rules written in YAML.
func compileRules(t testing.TB, userYAML string) *rules.Set {
	t.Helper()
	builtin, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var user []rules.Rule
	if userYAML != "" {
		if user, err = rules.Parse("config.yaml", []byte(userYAML)); err != nil {
			t.Fatal(err)
		}
	}
	set, err := rules.Compile(rules.Merge(builtin, user))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func newPlanner(t testing.TB, set *rules.Set, logger *slog.Logger) *Planner {
	t.Helper()
	cfg := Config{
		Interests: []string{"golang", "go", "home automation", "électricité"},
		Location:  time.UTC,
		UserName:  "Ada",
		UserEmail: "ada@example.org",
	}
	return New(cfg, set, logger, WithClock(fixedClock))
}

func TestPlanFeedItem(t *testing.T) {
	tests := map[string]struct {
		item      func() event.FeedItem
		published time.Time
		userRules string
		want      int
		priority  string
		why       string
	}{
		"matching and recent": {
			item: goItem, published: testNow.Add(-2 * time.Hour), want: 1, priority: "normal",
			why: `matches your interests "go", "home automation" (feed go-blog)`,
		},
		"matching only in summary": {
			item: func() event.FeedItem {
				it := goItem()
				it.Title = "Release notes"
				return it
			},
			published: testNow.Add(-2 * time.Hour), want: 1, priority: "low",
		},
		"matching by category": {
			item: func() event.FeedItem {
				it := goItem()
				it.Title, it.Summary, it.Categories = "Weekly news", "", []string{"Golang"}
				return it
			},
			published: testNow.Add(-time.Hour), want: 1, priority: "low",
			why: `matches your interest "golang" (feed go-blog)`,
		},
		"old item":            {item: goItem, published: testNow.Add(-73 * time.Hour)},
		"just within max age": {item: goItem, published: testNow.Add(-71 * time.Hour), want: 1, priority: "normal"},
		"not matching": {
			item: func() event.FeedItem {
				it := goItem()
				it.Title, it.Summary, it.Categories = "A good gopher", "Nothing of interest, going nowhere.", nil
				return it
			},
			published: testNow.Add(-time.Hour),
		},
		"future-dated item": {item: goItem, published: testNow.Add(time.Hour)},
		"muted by a user rule": {
			item: goItem, published: testNow.Add(-time.Hour),
			userRules: `
- name: mute-releases
  when: event.type == "feed.item" && "Release" in facts.categories
  action: mute
`,
		},
		"priority rule applied": {
			item: goItem, published: testNow.Add(-time.Hour), want: 1, priority: "urgent",
			userRules: `
- name: go-blog-urgent
  when: event.source == "feed:go-blog"
  action: priority
  priority: urgent
`,
		},
		"built-in disabled": {
			item: goItem, published: testNow.Add(-time.Hour),
			userRules: "- name: feed-interest\n  enabled: false\n",
		},
		"user max age override": {
			item: goItem, published: testNow.Add(-2 * time.Hour),
			userRules: `
- name: feed-interest
  when: event.type == "feed.item" && len(facts.interests) > 0 && facts.age < duration("1h")
  action: suggest
  title: "Read: {{.Event.Subject}}"
`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := newPlanner(t, compileRules(t, tc.userRules), nil)
			ev := feedEvent(t, tc.item(), tc.published)
			got, err := p.Plan(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want {
				t.Fatalf("got %d suggestions %+v, want %d", len(got), got, tc.want)
			}
			if tc.want == 0 {
				return
			}
			s := got[0]
			item := tc.item()
			if s.Priority != tc.priority {
				t.Errorf("Priority = %q, want %q", s.Priority, tc.priority)
			}
			if tc.why != "" && s.Why != tc.why {
				t.Errorf("Why = %q, want %q", s.Why, tc.why)
			}
			if s.Title != "Read: "+item.Title {
				t.Errorf("Title = %q", s.Title)
			}
			if !strings.HasSuffix(s.Body, item.Link) {
				t.Errorf("Body = %q, want it to end with the link", s.Body)
			}
			wantAbout := event.About{Source: "feed:go-blog", Type: event.TypeFeedItem, Ref: item.GUID}
			if len(s.About) != 1 || s.About[0] != wantAbout {
				t.Errorf("About = %+v, want %+v", s.About, wantAbout)
			}
			if want := event.ID("feed-interest", "feed:go-blog", item.GUID, ""); s.ID != want {
				t.Errorf("ID = %q, want %q", s.ID, want)
			}
			if want := tc.published.Add(72 * time.Hour); !s.Expires.Equal(want) {
				t.Errorf("Expires = %v, want %v", s.Expires, want)
			}
			if s.Kind != event.KindSuggestion || s.Rule != "feed-interest" || s.Link != item.Link ||
				!s.Created.Equal(testNow) || s.Status != event.StatusPending || s.SpecVersion != event.SpecVersion {
				t.Errorf("suggestion = %+v", s)
			}
			if !slices.Equal(s.Actions, []string{"open", "dismiss", "snooze"}) {
				t.Errorf("Actions = %v", s.Actions)
			}
			if !s.OpenAt(testNow) {
				t.Error("suggestion is not open when made")
			}
		})
	}
}

// The same item gives the same suggestion id in another planner (another
// process, a restart), so it is never delivered twice.
func TestPlanDeterministicID(t *testing.T) {
	ev := feedEvent(t, goItem(), testNow.Add(-time.Hour))
	var ids []string
	for range 2 {
		p := newPlanner(t, compileRules(t, ""), nil)
		got, err := p.Plan(context.Background(), ev)
		if err != nil || len(got) != 1 {
			t.Fatalf("Plan = %v, %v", got, err)
		}
		ids = append(ids, got[0].ID)
	}
	if ids[0] != ids[1] || ids[0] == "" {
		t.Errorf("ids = %q", ids)
	}

	// Without a GUID the link is the reference.
	item := goItem()
	item.GUID = ""
	p := newPlanner(t, compileRules(t, ""), nil)
	got, err := p.Plan(context.Background(), feedEvent(t, item, testNow.Add(-time.Hour)))
	if err != nil || len(got) != 1 {
		t.Fatalf("Plan = %v, %v", got, err)
	}
	if got[0].About[0].Ref != item.Link || got[0].ID == ids[0] {
		t.Errorf("suggestion without GUID: about %+v id %q", got[0].About, got[0].ID)
	}
}

func TestPlanZeroTimeUsesSeen(t *testing.T) {
	p := newPlanner(t, compileRules(t, ""), nil)
	ev := feedEvent(t, goItem(), time.Time{})
	ev.Seen = testNow.Add(-10 * time.Hour)
	got, err := p.Plan(context.Background(), ev)
	if err != nil || len(got) != 1 {
		t.Fatalf("Plan = %v, %v", got, err)
	}
	if want := ev.Seen.Add(72 * time.Hour); !got[0].Expires.Equal(want) {
		t.Errorf("Expires = %v, want %v (seen + max age)", got[0].Expires, want)
	}
	ev.Seen = testNow.Add(-80 * time.Hour)
	if got, _ := p.Plan(context.Background(), ev); len(got) != 0 {
		t.Errorf("an item seen 80h ago was suggested: %+v", got)
	}
}

// Feed text is data: a title that looks like a template or an expression
// is shown as it is.
func TestPlanUntrustedFeedText(t *testing.T) {
	for name, title := range map[string]string{
		"template":   "Golang {{.User.Email}} {{printf \"%s\" .User.Name}}",
		"expression": `Golang event.type == "feed.item" || user.email != ""`,
	} {
		t.Run(name, func(t *testing.T) {
			p := newPlanner(t, compileRules(t, ""), nil)
			item := goItem()
			item.Title, item.Summary = title, title
			got, err := p.Plan(context.Background(), feedEvent(t, item, testNow.Add(-time.Hour)))
			if err != nil || len(got) != 1 {
				t.Fatalf("Plan = %+v, %v", got, err)
			}
			if got[0].Title != "Read: "+title {
				t.Errorf("Title = %q, want the title verbatim", got[0].Title)
			}
			if !strings.HasPrefix(got[0].Body, title) {
				t.Errorf("Body = %q, want the summary verbatim", got[0].Body)
			}
			if strings.Contains(got[0].Title+got[0].Body, "ada@example.org") {
				t.Error("the user's address leaked")
			}
		})
	}
}

// A rule that fails at run time is skipped and logged once; the other rules
// still make their suggestions.
func TestPlanRuleFailure(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	set := compileRules(t, `
- name: broken
  when: facts.nope.deeper == 1
  action: suggest
  title: never
`)
	p := newPlanner(t, set, logger)
	for range 3 {
		got, err := p.Plan(context.Background(), feedEvent(t, goItem(), testNow.Add(-time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Rule != "feed-interest" {
			t.Fatalf("got %+v, want the feed-interest suggestion", got)
		}
	}
	if n := p.RuleFailures()["broken"]; n != 3 {
		t.Errorf("RuleFailures[broken] = %d, want 3", n)
	}
	var warnings int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["level"] == "WARN" && rec["rule"] == "broken" && rec["origin"] == "config.yaml:2" {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("got %d warnings for the broken rule, want 1; log:\n%s", warnings, logs.String())
	}
}

func TestPlanOtherEvents(t *testing.T) {
	set := compileRules(t, `
- name: mail-from-boss
  when: event.type == "mail.received" && event.subject contains "urgent" && facts.age < duration("1h")
  action: suggest
  title: "Answer: {{.Event.Subject}}"
  expires: 30m
`)
	p := newPlanner(t, set, nil)
	ev, err := event.New("mail:work", event.TypeMailReceived, "<m1@example.org>", "urgent: budget",
		testNow.Add(-10*time.Minute), testNow, map[string]any{"message_id": "<m1@example.org>"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Plan(context.Background(), ev)
	if err != nil || len(got) != 1 {
		t.Fatalf("Plan = %+v, %v", got, err)
	}
	s := got[0]
	if s.Title != "Answer: urgent: budget" || s.About[0].Ref != ev.ID || s.Link != "" {
		t.Errorf("suggestion = %+v", s)
	}
	if !slices.Equal(s.Actions, []string{"dismiss", "snooze"}) {
		t.Errorf("Actions = %v, want no open without a link", s.Actions)
	}
	// 30 minutes after a mail 40 minutes old, the suggestion is already
	// stale: it is not made at all.
	ev.Time = testNow.Add(-40 * time.Minute)
	if got, _ := p.Plan(context.Background(), ev); len(got) != 0 {
		t.Errorf("stale suggestion made: %+v", got)
	}
}

func TestPlanErrors(t *testing.T) {
	p := newPlanner(t, compileRules(t, ""), nil)
	ev := feedEvent(t, goItem(), testNow.Add(-time.Hour))
	ev.Data = []byte(`{"title": 3}`)
	if _, err := p.Plan(context.Background(), ev); err == nil || !strings.Contains(err.Error(), ev.ID) {
		t.Errorf("Plan on bad data: err = %v, want one naming the event", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Plan(ctx, feedEvent(t, goItem(), testNow)); err == nil {
		t.Error("Plan with a cancelled context succeeded")
	}
	// A planner without rules suggests nothing.
	fresh := feedEvent(t, goItem(), testNow.Add(-time.Hour))
	if got, err := New(Config{}, nil, nil, WithClock(fixedClock)).Plan(context.Background(), fresh); err != nil || got != nil {
		t.Errorf("nil rules: %v, %v", got, err)
	}
}

func TestPlanLocalNow(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris") // time/tzdata is linked in
	if err != nil {
		t.Fatal(err)
	}
	builtin, _ := rules.Builtin()
	user, err := rules.Parse("config.yaml", []byte(`
- name: lunch
  when: now.Hour() == 14
  action: suggest
  title: "local hour {{.Now.Hour}}"
`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Compile(rules.Merge(builtin, user))
	if err != nil {
		t.Fatal(err)
	}
	p := New(Config{Location: paris}, set, nil, WithClock(fixedClock)) // 12:00 UTC is 14:00 in Paris in June
	got, err := p.Plan(context.Background(), feedEvent(t, goItem(), testNow.Add(-time.Hour)))
	if err != nil || len(got) != 1 || got[0].Title != "local hour 14" {
		t.Fatalf("Plan = %+v, %v", got, err)
	}
}

func BenchmarkPlanFeedItem(b *testing.B) {
	set := compileRules(b, "")
	p := New(Config{Interests: benchInterests(20), Location: time.UTC}, set, nil, WithClock(fixedClock))
	item := goItem()
	item.Summary = benchText
	item.Categories = []string{"Release", "Go", "Tools"}
	ev := feedEvent(b, item, testNow.Add(-time.Hour))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		got, err := p.Plan(ctx, ev)
		if err != nil || len(got) != 1 {
			b.Fatalf("Plan = %v, %v", got, err)
		}
	}
}

// One planner serves every consumer goroutine.
func TestPlanConcurrent(t *testing.T) {
	p := newPlanner(t, compileRules(t, "- name: broken\n  when: facts.nope.x == 1\n  action: mute\n"), nil)
	ev := feedEvent(t, goItem(), testNow.Add(-time.Hour))
	want, err := p.Plan(context.Background(), ev)
	if err != nil || len(want) != 1 {
		t.Fatalf("Plan = %v, %v", want, err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 50 {
				got, err := p.Plan(context.Background(), ev)
				if err != nil {
					errs <- err
					return
				}
				if len(got) != 1 || got[0].ID != want[0].ID || got[0].Body != want[0].Body {
					errs <- fmt.Errorf("got %+v, want %+v", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := p.RuleFailures()["broken"]; n != 8*50+1 {
		t.Errorf("RuleFailures[broken] = %d, want %d", n, 8*50+1)
	}
}
