package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/config"
)

// TestPlanStoryOnce: a story a feed publishes twice under different GUIDs,
// and a second feed carries, is suggested once by `agentd plan`.
func TestPlanStoryOnce(t *testing.T) {
	dir := t.TempDir()
	item := func(guid, link, date string) string {
		return fmt.Sprintf(`<item><title>Heat pumps for flats: what changes in 2027</title><guid isPermaLink="false">%s</guid><link>%s</link><pubDate>%s</pubDate><description>Heat pumps news.</description></item>`, guid, link, date)
	}
	one := `<rss version="2.0"><channel><title>Energy</title>` +
		item("energy-1001", "https://news.example.com/2026/12/heat-pumps-flats", "Mon, 07 Dec 2026 07:00:00 +0000") +
		item("energy-1001-update", "https://news.example.com/2026/12/heat-pumps-flats?utm_source=rss", "Mon, 07 Dec 2026 08:00:00 +0000") +
		`</channel></rss>`
	two := `<rss version="2.0"><channel><title>Digest</title>` +
		item("digest-77", "http://www.news.example.com/2026/12/heat-pumps-flats/", "Mon, 07 Dec 2026 08:30:00 +0000") +
		`</channel></rss>`
	for name, body := range map[string]string{"one.xml": one, "two.xml": two} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	yaml := fmt.Sprintf("user: {email: me@example.com, timezone: Europe/Paris, interests: [heat pumps]}\nbus: {data_dir: %s}\n"+
		"sources:\n  feeds: [{name: one, url: \"file:one.xml\"}, {name: two, url: \"file:two.xml\"}]\nnotify: {terminal: {}}\n", filepath.Join(dir, "data"))
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), Horizon: 24 * time.Hour})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	var got []string
	for _, s := range ss {
		if strings.Contains(s.Title, "Heat pumps") {
			got = append(got, s.Title)
		}
	}
	if len(got) != 1 {
		t.Fatalf("the story is suggested %d times, want once: %q", len(got), got)
	}
}
