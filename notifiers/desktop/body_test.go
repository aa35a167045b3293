package desktop

import (
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
)

func TestBodyMarksLateReminders(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Paris")
	due := time.Date(2026, 11, 28, 9, 50, 0, 0, loc)
	s := event.Suggestion{Kind: event.KindReminder, Title: "In 10 min: Stand-up", Due: due, Why: "starts at 10:00"}
	cases := map[string]struct {
		now  time.Time
		want string
	}{
		"on time":     {due.Add(2 * time.Second), "Due Sat 28 Nov 09:50\n"},
		"late":        {due.Add(25 * time.Minute), "Due Sat 28 Nov 09:50 (late by 25 min)\n"},
		"hours late":  {due.Add(125 * time.Minute), "(late by 2 h 5 min)"},
		"whole hours": {due.Add(3 * time.Hour), "(late by 3 h)"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := body(s, loc, tc.now); !strings.Contains(got, tc.want) {
				t.Fatalf("body = %q, want it to contain %q", got, tc.want)
			}
		})
	}
}
