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

// TestPlanInterestsMeanWhatPeopleMean: feed items that speak of an
// interest in other words (word forms, words near each other, the user's
// synonyms) are suggested; an item about something else is not.
func TestPlanInterestsMeanWhatPeopleMean(t *testing.T) {
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	item := func(guid, title string) string {
		return fmt.Sprintf("<item><title>%s</title><guid>%s</guid><pubDate>Tue, 10 Mar 2026 08:00:00 +0000</pubDate></item>", title, guid)
	}
	feed := `<rss version="2.0"><channel><title>news</title>` +
		item("1", "Cyclists demand safer lanes") +
		item("2", "Cheaper EV charging at night") +
		item("3", "Les vélos électriques en ville") +
		item("4", "Vehicles that are fully electric sell out") +
		item("5", "Stock markets close higher") +
		`</channel></rss>`
	if err := os.WriteFile(filepath.Join(dir, "f.xml"), []byte(feed), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`user:
  email: me@example.com
  timezone: Europe/Berlin
  interests:
    - cycling
    - {topic: electric vehicles, also: [EV, home charging]}
bus: {data_dir: %s}
sources:
  feeds: [{name: f, url: "file:f.xml"}]
notify: {terminal: {}}
`, filepath.Join(dir, "data"))
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: time.Hour})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	var titles []string
	for _, s := range ss {
		titles = append(titles, s.Title)
	}
	got := strings.Join(titles, "\n")
	for _, want := range []string{"Cyclists demand", "Cheaper EV charging", "Les vélos électriques", "Vehicles that are fully electric"} {
		if !strings.Contains(got, "Read: "+want) {
			t.Errorf("no suggestion for %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Stock markets") {
		t.Errorf("an item about something else is suggested:\n%s", got)
	}
}
