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

// TestPlanLeaveByForOffSiteEvents: an in-person event away from the usual
// place is reminded when it is time to leave: start − the trip its text
// gives − 10 min, else start − planner.leave_before; meetings in a room or
// online keep their usual reminder.
func TestPlanLeaveByForOffSiteEvents(t *testing.T) {
	dir := t.TempDir()
	ev := func(uid, start, summary, location, desc string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20260301T000000Z\r\nDTSTART;TZID=Europe/Berlin:" + start +
			"\r\nDURATION:PT1H\r\nSUMMARY:" + summary + "\r\nLOCATION:" + location + "\r\nDESCRIPTION:" + desc + "\r\nEND:VEVENT\r\n"
	}
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n" +
		ev("dentist", "20260312T090000", "Dentist", "Dr Weber\\, Hauptstraße 12\\, Berlin", "Please arrive on time. 45 min door to door.") +
		ev("notaire", "20260312T140000", "Rendez-vous notaire", "Maître Dupont\\, 8 rue de la Paix", "") +
		ev("sync", "20260312T110000", "Team sync", "Room 4", "") +
		ev("call", "20260312T160000", "Call with Bob", "https://zoom.us/j/123", "") +
		"END:VCALENDAR\r\n"
	file := filepath.Join(dir, "personal.ics")
	if err := os.WriteFile(file, []byte(ics), 0o600); err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	plan := func(extra string) string {
		t.Helper()
		yaml := fmt.Sprintf("user: {email: me@example.com, timezone: Europe/Berlin}\nbus: {data_dir: %s}\n"+
			"sources:\n  calendars:\n    - {name: personal, path: %s}\nnotify: {terminal: {}}\n%s", filepath.Join(dir, "data"), file, extra)
		cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: time.Date(2026, 3, 12, 6, 0, 0, 0, berlin), Horizon: 24 * time.Hour})
		if err != nil || len(failed) > 0 {
			t.Fatalf("plan: %v %v", err, failed)
		}
		return listed(ss, berlin)
	}
	got := plan("")
	for _, want := range []string{
		"reminder [normal] due Thu 12 08:05: Leave by 08:15 for Dentist",
		"reminder [normal] due Thu 12 13:15: Leave by 13:15 for Rendez-vous notaire",
		"due Thu 12 10:50: In 10 min: Team sync",
		"due Thu 12 15:50: In 10 min: Call with Bob",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	for _, noise := range []string{"In 10 min: Dentist", "In 10 min: Rendez-vous notaire", "Leave by 10", "for Team sync", "for Call with Bob"} {
		if strings.Contains(got, noise) {
			t.Errorf("%q in\n%s", noise, got)
		}
	}
	// planner.leave_before sets the lead when nothing gives the trip.
	got = plan("planner: {leave_before: 1h}\n")
	if !strings.Contains(got, "due Thu 12 13:00: Leave by 13:00 for Rendez-vous notaire") || !strings.Contains(got, "due Thu 12 08:05: Leave by 08:15 for Dentist") {
		t.Errorf("planner.leave_before: 1h not honoured:\n%s", got)
	}
}
