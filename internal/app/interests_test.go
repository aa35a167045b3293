package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

// TestFeedInterestsInMeaning: with llm.feed_interests, feed items no rule
// matched go to the model in one batch; a match becomes a suggestion.
// Without the key, or for items a mute rule silenced, no call.
func TestFeedInterestsInMeaning(t *testing.T) {
	for _, tc := range []struct{ on, muted bool }{{true, false}, {false, false}, {true, true}} {
		on := tc.on && !tc.muted
		srv := llmtest.New(t, llmtest.Config{Models: []string{"m"}, Responder: func(req llmtest.ChatRequest) string {
			user := req.Messages[len(req.Messages)-1].Content
			for _, line := range strings.Split(user, "\n") {
				if i, rest, ok := strings.Cut(line, ": "); ok && strings.HasPrefix(i, "i") && strings.Contains(rest, "bike lanes") {
					return `{"matches":[{"item":"` + i + `","interest":"urban cycling","why":"protected bike lanes make city cycling safer"}]}`
				}
			}
			return `{"matches":[]}`
		}})
		dir := t.TempDir()
		pub := time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z)
		rss := `<rss version="2.0"><channel><title>City news</title>` +
			`<item><title>Council approves 20 km of protected bike lanes</title><guid>n1</guid><link>https://city.example/n1</link><pubDate>` + pub + `</pubDate></item>` +
			`<item><title>Library opening hours change</title><guid>n2</guid><link>https://city.example/n2</link><pubDate>` + pub + `</pubDate></item>` +
			`<item><title>New tram line to the airport</title><guid>n3</guid><link>https://city.example/n3</link><pubDate>` + pub + `</pubDate></item>` +
			`</channel></rss>`
		feed := filepath.Join(dir, "city.xml")
		os.WriteFile(feed, []byte(rss), 0o600)
		llm := "llm: {url: " + srv.BaseURL() + ", model: m}\n"
		if tc.muted {
			llm += "rules:\n  - {name: mute-city, when: 'event.type == \"feed.item\"', action: mute}\n"
		}
		if tc.on {
			llm = strings.Replace(llm, "model: m}", "model: m, feed_interests: true}", 1)
		}
		yaml := "user: {name: Alice, email: alice@example.com, timezone: UTC, interests: [urban cycling]}\nbus: {data_dir: " + filepath.Join(dir, "data") + "}\n" +
			"sources:\n  feeds:\n    - {name: city, url: \"file://" + feed + "\"}\n" + llm + "notify: {terminal: {}}\n"
		cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		var out syncBuffer
		a, err := New(Options{Config: cfg, Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		a.interestEvery = 300 * time.Millisecond
		if err := a.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		if on {
			waitUntil(t, "the model's match", func() bool { return strings.Contains(out.String(), "protected bike lanes") })
		} else {
			time.Sleep(time.Second)
		}
		if err := a.Stop(t.Context()); err != nil {
			t.Fatal(err)
		}
		if !on {
			if srv.Calls() != 0 {
				t.Errorf("feed_interests %v, muted %v: %d calls", tc.on, tc.muted, srv.Calls())
			}
			continue
		}
		if srv.Calls() != 1 {
			t.Errorf("calls %d, want one batch", srv.Calls())
		}
		rec := suggestionRecord(t, cfg, func(r suggestions.Record) bool { return r.Suggestion.Rule == ruleFeedMeaning })
		if rec.Suggestion.About[0].Ref != "n1" || rec.Suggestion.Link != "https://city.example/n1" || !strings.Contains(rec.Suggestion.Why, "urban cycling") {
			t.Errorf("suggestion %+v", rec.Suggestion)
		}
	}
}
