package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
)

// TestAgendaAfterRestart: two meetings on one day in one calendar; the
// daemon is restarted on the same data dir before the agenda's time; the
// day's agenda still lists both (issue 9, section 5).
func TestAgendaAfterRestart(t *testing.T) {
	for name, tc := range map[string]struct {
		first, second time.Duration // the daemons' clocks, from the day's midnight
		bLater        bool
	}{
		"same morning":            {first: 5 * time.Hour, second: 6 * time.Hour},
		"evening before":          {first: -4 * time.Hour, second: 6 * time.Hour},
		"b added while down":      {first: 5 * time.Hour, second: 6 * time.Hour, bLater: true},
		"b added, evening before": {first: -4 * time.Hour, second: 6 * time.Hour, bLater: true},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, cal := reminderConfig(t, time.Minute)
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2)
			a := icsEvent{uid: "a@test", summary: "Standup", start: day.Add(9 * time.Hour), end: day.Add(9*time.Hour + 30*time.Minute)}
			b := icsEvent{uid: "b@test", summary: "Review", start: day.Add(14 * time.Hour), end: day.Add(15 * time.Hour)}
			if tc.bLater {
				cal.write(t, a)
			} else {
				cal.write(t, a, b)
			}
			a1, _ := startTestApp(t, cfg, func() time.Time { return day.Add(tc.first) })
			if tc.bLater {
				waitAgenda(t, a1, "Today: 1 event")
			} else {
				waitAgenda(t, a1, "Today: 2 events")
			}
			stopTestApp(t, a1)
			cal.write(t, a, b)
			a2, _ := startTestApp(t, cfg, func() time.Time { return day.Add(tc.second) })
			time.Sleep(3 * time.Second)
			rec := waitAgenda(t, a2, "Today:")
			if !strings.Contains(rec.Suggestion.Title, "2 events") {
				t.Errorf("after a restart the agenda is %q: %q", rec.Suggestion.Title, rec.Suggestion.Body)
			}
			// What the bus will deliver at the agenda's time.
			stream, err := a2.bus.JetStream().Stream(t.Context(), bus.StreamSchedule)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := stream.GetLastMsgForSubject(t.Context(), bus.ScheduleSubject(rec.Suggestion.ID))
			if err != nil {
				t.Fatalf("the agenda's schedule: %v", err)
			}
			var due event.Suggestion
			if err := json.Unmarshal(msg.Data, &due); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(due.Body, "Standup") || !strings.Contains(due.Body, "Review") {
				t.Errorf("after a restart the scheduled agenda is %q: %q", due.Title, due.Body)
			}
			stopTestApp(t, a2)
		})
	}
}

func waitAgenda(t *testing.T, a *App, title string) record {
	t.Helper()
	return waitReminder(t, a, "Today", "with "+title, func(r record) bool {
		return r.Suggestion.Rule == "calendar-agenda" && r.Status == event.StatusPending && strings.Contains(r.Suggestion.Title, title)
	})
}
