package agenda

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

type xstep struct {
	src, typ string
	ce       event.CalendarEvent
}

// TestAgendaSameAfterRestart (issue 9, section 5: "after a restart, the
// Today agenda listed 1 of 2 meetings"): for sequences of calendar events
// (two meetings on one day, series, one occurrence, mail copies,
// cancellations, answers pending), an enricher restarted on the same store
// before any step makes the same agenda as one that ran throughout.
func TestAgendaSameAfterRestart(t *testing.T) {
	loc := paris(t)
	ctx := context.Background()
	day := time.Date(2026, 6, 11, 0, 0, 0, 0, time.UTC)
	a := meeting("a@x", "Team sync", day.Add(8*time.Hour), time.Hour)
	b := meeting("b@x", "Review", day.Add(13*time.Hour), time.Hour)
	c := meeting("c@x", "Other", day.Add(37*time.Hour), time.Hour)
	ser := weekly("s@x", "Weekly", day.Add(11*time.Hour).AddDate(0, 0, -7), 4)
	inst := meeting("s@x", "Weekly moved", day.Add(12*time.Hour), 30*time.Minute)
	inst.Instance = true
	inst.Recurring = true
	inst.Occurrences[0].RecurrenceID = day.Add(11 * time.Hour).UTC().Format(time.RFC3339)
	mailA := a
	mailA.Method = "REQUEST"
	mailA.Sequence = 1
	tent := b
	tent.Attendees = []event.Person{{Email: me, PartStat: "TENTATIVE"}}
	needs := b
	needs.Attendees = []event.Person{{Email: me, PartStat: "NEEDS-ACTION"}}
	ch, cn := event.TypeCalendarChanged, event.TypeCalendarCanceled
	W := "calendar:work"
	seqs := map[string][]xstep{
		"plain":       {{W, ch, a}, {W, ch, b}, {W, ch, c}},
		"series":      {{W, ch, a}, {W, ch, ser}, {W, ch, c}},
		"instance":    {{W, ch, a}, {W, ch, ser}, {W, ch, inst}, {W, ch, c}},
		"mail copy":   {{W, ch, a}, {W, ch, b}, {"mail:me", ch, mailA}, {W, ch, c}},
		"cancel c":    {{W, ch, a}, {W, ch, b}, {W, ch, c}, {W, cn, c}},
		"tentative":   {{W, ch, a}, {W, ch, tent}, {W, ch, c}},
		"needs":       {{W, ch, a}, {W, ch, needs}, {W, ch, c}},
		"a again":     {{W, ch, a}, {W, ch, b}, {W, ch, a}},
		"b again":     {{W, ch, a}, {W, ch, b}, {W, ch, b}},
		"other cal b": {{W, ch, a}, {"calendar:home", ch, b}, {W, ch, a}},
	}
	times := []time.Time{day.Add(-6 * time.Hour), day.Add(-2 * time.Hour), day.Add(4 * time.Hour)}
	for name, seq := range seqs {
		for cut := 1; cut < len(seq); cut++ {
			var got [2]string
			for mode := range 2 {
				store := state.NewMemory()
				cfg := Config{Me: []string{me}, Location: loc}
				e := New(cfg, store, slog.New(slog.DiscardHandler))
				var last string
				for i, s := range seq {
					if mode == 1 && i == cut {
						e = New(cfg, store, slog.New(slog.DiscardHandler))
					}
					now := times[min(i, len(times)-1)]
					if i >= cut {
						now = times[len(times)-1]
					}
					units, _, err := e.EnrichCalendar(ctx, s.src, s.typ, s.ce, now)
					if err != nil {
						t.Fatal(err)
					}
					for _, u := range units {
						if u.Facts["kind"] == KindAgenda && u.Facts["day"] == "2026-06-11" {
							last = fmt.Sprint(u.Facts["events"])
						}
					}
				}
				got[mode] = last
			}
			if got[0] != got[1] {
				t.Errorf("%s cut %d: continuous %s, restarted %s", name, cut, got[0], got[1])
			}
		}
	}
}
