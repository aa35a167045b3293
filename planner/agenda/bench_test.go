package agenda

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
)

// benchCalendar is 5,000 calendar objects over the year after testNow:
// 30% weekly series (52 occurrences each, expanded as the watcher sends
// them), the rest one-off meetings in working hours; most accepted, some
// unanswered, a few declined, spread over three calendars.
func benchCalendar(b *testing.B, loc *time.Location) []event.Event {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	calendars := []string{"work", "personal", "team"}
	var out []event.Event
	for i := range 5000 {
		day := testNow.AddDate(0, 0, rng.IntN(365))
		start := time.Date(day.Year(), day.Month(), day.Day(), 8+rng.IntN(10), 15*rng.IntN(4), 0, 0, loc)
		uid := fmt.Sprintf("bench-%05d@example.org", i)
		ce := meeting(uid, fmt.Sprintf("Meeting %d", i), start, time.Duration(30+30*rng.IntN(3))*time.Minute)
		if i%10 < 3 {
			ce = weekly(uid, fmt.Sprintf("Series %d", i), start, 52)
		}
		ce.Calendar = calendars[i%len(calendars)]
		switch i % 20 {
		case 0:
			ce = withPartStat(ce, "NEEDS-ACTION")
		case 1:
			ce = withPartStat(ce, "DECLINED")
		case 2, 3, 4:
			ce.Organizer, ce.Attendees = nil, nil
		}
		ev, err := event.New("calendar:"+ce.Calendar, event.TypeCalendarChanged, uid, ce.Summary, time.Time{}, testNow, ce)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// BenchmarkEnrich feeds the whole calendar into a fresh enricher (the
// first sync of a new calendar): ns/event is per calendar object, with
// conflicts and agendas computed against everything fed before it.
func BenchmarkEnrich(b *testing.B) {
	loc := paris(b)
	events := benchCalendar(b, loc)
	ctx := context.Background()
	cfg := Config{Me: []string{me}, Location: loc}
	logger := slog.New(slog.DiscardHandler)

	b.Run("enricher", func(b *testing.B) {
		units := 0
		b.ReportAllocs()
		for b.Loop() {
			e := New(cfg, state.NewMemory(), logger)
			for _, ev := range events {
				us, _, err := e.Enrich(ctx, ev, testNow)
				if err != nil {
					b.Fatal(err)
				}
				units += len(us)
			}
		}
		n := float64(b.N * len(events))
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/event")
		b.ReportMetric(float64(units)/n, "units/event")
	})

	// With the rules and the planner's scope bookkeeping: what a first
	// sync costs end to end, short of publishing.
	b.Run("planner", func(b *testing.B) {
		set := builtinRules(b)
		sugs := 0
		b.ReportAllocs()
		for b.Loop() {
			store := state.NewMemory()
			p := planner.New(planner.Config{Location: loc}, set, logger,
				planner.WithStore(store),
				planner.WithEnricher(New(cfg, store, logger), event.TypeCalendarChanged, event.TypeCalendarCanceled),
				planner.WithClock(func() time.Time { return testNow }))
			for _, ev := range events {
				res, err := p.Handle(ctx, ev)
				if err != nil {
					b.Fatal(err)
				}
				sugs += len(res.Suggestions)
			}
		}
		n := float64(b.N * len(events))
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/event")
		b.ReportMetric(float64(sugs)/n, "suggestions/event")
	})
}
