package agenda

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
)

// answerEnricher hands the user's own iTIP replies (carried here as the
// data of a mail.sent event) to the calendar enricher, as the app's mail
// enricher does for the REPLY parts of mail in the Sent folder.
type answerEnricher struct{ e *Enricher }

func (a answerEnricher) Enrich(ctx context.Context, ev event.Event, now time.Time) ([]planner.Unit, []string, error) {
	var ce event.CalendarEvent
	if err := ev.Decode(&ce); err != nil {
		return nil, nil, err
	}
	return a.e.EnrichAnswer(ctx, ce, now)
}

// itipHarness is a harness whose events may come from a mail account (an
// invitation, update or cancellation by mail) as well as from calendars.
func newITIPHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	if cfg.Location == nil {
		cfg.Location = paris(t)
	}
	if cfg.Me == nil {
		cfg.Me = []string{"Ada@Example.org"}
	}
	store := state.NewMemory()
	logger := slog.New(slog.DiscardHandler)
	e := New(cfg, store, logger)
	p := planner.New(planner.Config{Location: cfg.Location, UserEmail: me}, builtinRules(t), logger,
		planner.WithStore(store),
		planner.WithEnricher(e, event.TypeCalendarChanged, event.TypeCalendarCanceled),
		planner.WithEnricher(answerEnricher{e}, event.TypeMailSent),
		planner.WithClock(func() time.Time { return testNow }))
	return &harness{t: t, p: p, store: store, open: map[string]event.Suggestion{}}
}

// from plans one event from source ("mail:work", "calendar:work").
func (h *harness) from(source, typ string, ce event.CalendarEvent) {
	h.t.Helper()
	ev, err := event.New(source, typ, fmt.Sprint(source, ce.UID, ce.Sequence, ce.Method, len(ce.Occurrences)),
		ce.Summary, time.Time{}, testNow.Add(-time.Minute), ce)
	if err != nil {
		h.t.Fatal(err)
	}
	res, err := h.p.Handle(context.Background(), ev)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, id := range res.Withdraw {
		delete(h.open, id)
	}
	for _, s := range res.Suggestions {
		h.open[s.ID] = s
	}
}

// byMail is ce as an iTIP message carries it (method REQUEST or CANCEL).
func byMail(ce event.CalendarEvent, method string, seq int) event.CalendarEvent {
	ce.Calendar = "mail:work"
	ce.Method = method
	ce.Sequence = seq
	if method == "CANCEL" {
		ce.Status = "CANCELLED"
	}
	return ce
}

// reply is the user's own answer to ce, as their mail client sends it.
func reply(ce event.CalendarEvent, partStat string) event.CalendarEvent {
	r := ce
	r.Calendar = "mail:work"
	r.Method = "REPLY"
	r.Attendees = []event.Person{{Email: "ADA@example.org", Name: "Ada", PartStat: partStat}}
	return r
}

func moved(ce event.CalendarEvent, start time.Time) event.CalendarEvent {
	ce.Occurrences = []event.Occurrence{{
		RecurrenceID: start.UTC().Format(time.RFC3339), Start: start,
		End: start.Add(ce.Occurrences[0].End.Sub(ce.Occurrences[0].Start)),
	}}
	return ce
}

type step struct {
	source, typ string
	ce          event.CalendarEvent
}

func (h *harness) run(steps ...step) {
	h.t.Helper()
	for _, s := range steps {
		h.from(s.source, s.typ, s.ce)
	}
}

// bothOrders runs the steps as given and with the first two swapped: a
// calendar server is read when agentd syncs, so its stale copy may be
// planned before or after the mail that superseded it.
func bothOrders(t *testing.T, steps []step, check func(t *testing.T, h *harness)) {
	for _, order := range []string{"as sent", "swapped"} {
		t.Run(order, func(t *testing.T) {
			s := append([]step(nil), steps...)
			if order == "swapped" {
				s[0], s[1] = s[1], s[0]
			}
			h := newITIPHarness(t, Config{})
			h.run(s...)
			check(t, h)
		})
	}
}

func titles(sugs []event.Suggestion) string {
	var out []string
	for _, s := range sugs {
		out = append(out, s.Title)
	}
	return strings.Join(out, " | ")
}

// TestMailCancelSupersedesStaleCopy: a cancellation by mail wins over the
// server's copy that still shows the meeting: one cancellation note, no
// reminder, nothing in the agenda, no conflict.
func TestMailCancelSupersedesStaleCopy(t *testing.T) {
	start := time.Date(2026, 6, 11, 8, 0, 0, 0, time.UTC) // 10:00 in Paris
	server := meeting("budget@x", "Budget review", start, time.Hour)
	other := meeting("sync@x", "Team sync", start.Add(30*time.Minute), time.Hour)
	for _, name := range []string{"Bilanz", "Revue budgétaire"} {
		server.Summary = name
		bothOrders(t, []step{
			{"calendar:work", event.TypeCalendarChanged, server},
			{"mail:work", event.TypeCalendarCanceled, withPartStat(byMail(server, "CANCEL", 1), "NEEDS-ACTION")},
			{"calendar:work", event.TypeCalendarChanged, other},
		}, func(t *testing.T, h *harness) {
			if r := h.byRule("calendar-reminder"); len(r) != 1 || !strings.Contains(r[0].Title, "Team sync") {
				t.Errorf("reminders: %s, want Team sync's only", titles(r))
			}
			if c := h.byRule("calendar-cancelled"); len(c) != 1 || !strings.Contains(c[0].Title, name+" on Thu 11 Jun was cancelled") {
				t.Errorf("cancellation notes: %s", titles(c))
			}
			if c := h.byRule("calendar-conflict"); len(c) != 0 {
				t.Errorf("conflict with a cancelled meeting: %s", titles(c))
			}
			if a := h.byRule("calendar-agenda"); len(a) != 1 || strings.Contains(a[0].Body, name) {
				t.Errorf("agenda: %+v", a)
			}
		})
	}
}

// TestMailUpdateMovesStaleCopy: an update by mail with a higher SEQUENCE
// moves the meeting although the server still has the old time; a stale
// mail (a lower SEQUENCE than the server's) changes nothing.
func TestMailUpdateMovesStaleCopy(t *testing.T) {
	start := time.Date(2026, 6, 11, 8, 0, 0, 0, time.UTC)  // 10:00 in Paris
	later := time.Date(2026, 6, 11, 12, 0, 0, 0, time.UTC) // 14:00 in Paris
	server := meeting("budget@x", "Budget review", start, time.Hour)
	clash := meeting("sync@x", "Team sync", later.Add(30*time.Minute), time.Hour)
	update := withPartStat(byMail(moved(server, later), "REQUEST", 2), "NEEDS-ACTION")
	bothOrders(t, []step{
		{"calendar:work", event.TypeCalendarChanged, server},
		{"mail:work", event.TypeCalendarChanged, update},
		{"calendar:work", event.TypeCalendarChanged, clash},
	}, func(t *testing.T, h *harness) {
		var got []string
		for _, s := range h.byRule("calendar-reminder") {
			got = append(got, s.Due.UTC().Format("15:04")+" "+s.Title)
		}
		want := "11:50 In 10 min: Budget review (14:00, Room 4) 12:20 In 10 min: Team sync (14:30, Room 4)"
		if strings.Join(got, " ") != want {
			t.Errorf("reminders:\n%s\nwant\n%s", strings.Join(got, " "), want)
		}
		if c := h.byRule("calendar-conflict"); len(c) != 1 || !strings.Contains(c[0].Title, "(14:00)") {
			t.Errorf("conflicts at the new time: %s", titles(c))
		}
		if a := h.byRule("calendar-agenda"); len(a) != 1 || !strings.Contains(a[0].Body, "14:00–15:00 Budget review") || strings.Contains(a[0].Body, "10:00") {
			t.Errorf("agenda: %+v", a)
		}
		if inv := h.byRule("calendar-invitation"); len(inv) != 0 {
			t.Errorf("accepted on the server, asked again: %s", titles(inv))
		}
	})

	// A server copy ahead of the mail (the organizer updated it again).
	h := newITIPHarness(t, Config{})
	h.run(step{"mail:work", event.TypeCalendarChanged, update},
		step{"calendar:work", event.TypeCalendarChanged, func() event.CalendarEvent { c := server; c.Sequence = 3; return c }()})
	if r := h.byRule("calendar-reminder"); len(r) != 1 || r[0].Due.UTC().Format("15:04") != "07:50" {
		t.Errorf("reminders: %s, want 10:00's only", titles(r))
	}
}

// TestOwnAnswer: the user's answer, as a REPLY they sent or as their
// PARTSTAT on the server's copy, means no "answer the invitation".
func TestOwnAnswer(t *testing.T) {
	start := time.Date(2026, 6, 11, 8, 0, 0, 0, time.UTC)
	inv := withPartStat(meeting("budget@x", "Budget review", start, time.Hour), "NEEDS-ACTION")
	request := byMail(inv, "REQUEST", 0)
	t.Run("accepted on the server", func(t *testing.T) {
		bothOrders(t, []step{
			{"mail:work", event.TypeCalendarChanged, request},
			{"calendar:work", event.TypeCalendarChanged, withPartStat(inv, "ACCEPTED")},
		}, func(t *testing.T, h *harness) {
			if got := h.byRule("calendar-invitation"); len(got) != 0 {
				t.Errorf("answered, still asked: %s", titles(got))
			}
			if got := h.byRule("calendar-reminder"); len(got) != 1 {
				t.Errorf("reminders: %s", titles(got))
			}
		})
	})
	for _, tc := range []struct {
		partStat  string
		reminders int
	}{{"ACCEPTED", 1}, {"TENTATIVE", 1}, {"DECLINED", 0}} {
		t.Run("replied "+tc.partStat, func(t *testing.T) {
			bothOrders(t, []step{
				{"mail:work", event.TypeCalendarChanged, request},
				{"mail:work", event.TypeMailSent, reply(request, tc.partStat)},
			}, func(t *testing.T, h *harness) {
				if got := h.byRule("calendar-invitation"); len(got) != 0 {
					t.Errorf("answered, still asked: %s", titles(got))
				}
				if got := h.byRule("calendar-reminder"); len(got) != tc.reminders {
					t.Errorf("reminders: %s, want %d", titles(got), tc.reminders)
				}
			})
		})
	}
	// Not answered: asked, as before.
	h := newITIPHarness(t, Config{})
	h.run(step{"mail:work", event.TypeCalendarChanged, request})
	if got := h.byRule("calendar-invitation"); len(got) != 1 {
		t.Errorf("unanswered invitation: %s", titles(h.byRule("calendar-invitation")))
	}
}

// TestInvitationNamesOverlap: the question names the accepted meeting the
// invitation overlaps, in the user's time zone, whichever came first, and
// stops naming it when it moves away.
func TestInvitationNamesOverlap(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 6, 11, 14, 0, 0, 0, time.UTC) // 10:00 in New York
	sync := meeting("sync@x", "Team sync", start, time.Hour)
	inv := withPartStat(meeting("budget@x", "Revue budgétaire", start.Add(30*time.Minute), time.Hour), "NEEDS-ACTION")
	for _, first := range []string{"invitation", "meeting"} {
		t.Run(first+" first", func(t *testing.T) {
			h := newITIPHarness(t, Config{Location: ny})
			steps := []step{
				{"mail:work", event.TypeCalendarChanged, byMail(inv, "REQUEST", 0)},
				{"calendar:work", event.TypeCalendarChanged, sync},
			}
			if first == "meeting" {
				steps[0], steps[1] = steps[1], steps[0]
			}
			h.run(steps...)
			got := h.byRule("calendar-invitation")
			if len(got) != 1 || !strings.HasSuffix(got[0].Title, "overlaps Team sync 10:00–11:00") {
				t.Fatalf("invitation: %s", titles(got))
			}
			h.run(step{"calendar:work", event.TypeCalendarChanged, moved(sync, start.Add(3*time.Hour))})
			got = h.byRule("calendar-invitation")
			if len(got) != 1 || strings.Contains(got[0].Title, "overlaps") {
				t.Fatalf("after the meeting moved away: %s", titles(got))
			}
		})
	}
	// Tentative or declined meetings are no clash.
	h := newITIPHarness(t, Config{Location: ny})
	h.run(step{"calendar:work", event.TypeCalendarChanged, withPartStat(sync, "TENTATIVE")},
		step{"mail:work", event.TypeCalendarChanged, byMail(inv, "REQUEST", 0)})
	if got := h.byRule("calendar-invitation"); len(got) != 1 || strings.Contains(got[0].Title, "overlaps") {
		t.Fatalf("a tentative meeting named: %s", titles(got))
	}
}

// instance is ce's occurrence i alone, as an iTIP message about one
// occurrence of a series carries it (RECURRENCE-ID without the master).
func instance(ce event.CalendarEvent, i int, method string, seq int) event.CalendarEvent {
	one := byMail(ce, method, seq)
	one.Recurring, one.Instance = false, true
	one.Occurrences = ce.Occurrences[i : i+1]
	return one
}

// TestMailAboutOneOccurrence: a cancellation or update by mail of one
// occurrence of a series changes that occurrence only, whether the
// server's series came first or after.
func TestMailAboutOneOccurrence(t *testing.T) {
	series := weekly("weekly@x", "Weekly sync", time.Date(2026, 6, 11, 8, 0, 0, 0, time.UTC), 3) // Thursdays 10:00 Paris
	cancelled := withPartStat(instance(series, 1, "CANCEL", 1), "NEEDS-ACTION")
	movedOne := instance(series, 2, "REQUEST", 1)
	movedOne.Occurrences = []event.Occurrence{{RecurrenceID: series.Occurrences[2].RecurrenceID,
		Start: series.Occurrences[2].Start.Add(4 * time.Hour), End: series.Occurrences[2].End.Add(4 * time.Hour)}}
	for _, tc := range []struct {
		name string
		mail event.CalendarEvent
		typ  string
		want string
	}{
		{"cancelled", cancelled, event.TypeCalendarCanceled, "11 07:50 | 25 07:50"},
		{"moved", movedOne, event.TypeCalendarChanged, "11 07:50 | 18 07:50 | 25 11:50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bothOrders(t, []step{
				{"calendar:work", event.TypeCalendarChanged, series},
				{"mail:work", tc.typ, tc.mail},
			}, func(t *testing.T, h *harness) {
				var got []string
				for _, s := range h.byRule("calendar-reminder") {
					got = append(got, s.Due.UTC().Format("02 15:04"))
				}
				if strings.Join(got, " | ") != tc.want {
					t.Errorf("reminders %q, want %q", strings.Join(got, " | "), tc.want)
				}
				notes := h.byRule("calendar-cancelled")
				if tc.name == "cancelled" && (len(notes) != 1 || !strings.Contains(notes[0].Title, "Weekly sync on Thu 18 Jun was cancelled")) {
					t.Errorf("cancellation notes: %s", titles(notes))
				}
				if tc.name == "moved" && len(notes) != 0 {
					t.Errorf("cancellation notes: %s", titles(notes))
				}
			})
		})
	}
}

// TestITIPRestart: what the mail said (a cancellation, the user's reply)
// still holds after a restart, when the server's stale copy comes again.
func TestITIPRestart(t *testing.T) {
	store := state.NewMemory()
	ctx := context.Background()
	cfg := Config{Me: []string{me}, Location: paris(t)}
	start := time.Date(2026, 6, 11, 8, 0, 0, 0, time.UTC)
	server := meeting("budget@x", "Budget review", start, time.Hour)
	inv := withPartStat(meeting("inv@x", "Planning", start.Add(3*time.Hour), time.Hour), "NEEDS-ACTION")

	first := New(cfg, store, nil)
	for _, step := range []struct {
		source, typ string
		ce          event.CalendarEvent
	}{
		{"calendar:work", event.TypeCalendarChanged, server},
		{"mail:work", event.TypeCalendarCanceled, withPartStat(byMail(server, "CANCEL", 1), "NEEDS-ACTION")},
		{"mail:work", event.TypeCalendarChanged, byMail(inv, "REQUEST", 0)},
	} {
		if _, _, err := first.EnrichCalendar(ctx, step.source, step.typ, step.ce, testNow); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := first.EnrichAnswer(ctx, reply(inv, "DECLINED"), testNow); err != nil {
		t.Fatal(err)
	}

	second := New(cfg, store, nil)
	var kinds []string
	for _, step := range []struct {
		source string
		ce     event.CalendarEvent
	}{{"calendar:work", server}, {"calendar:work", inv}} {
		units, _, err := second.EnrichCalendar(ctx, step.source, event.TypeCalendarChanged, step.ce, testNow)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range units {
			if u.Facts["kind"] == KindOccurrence && u.Facts["attending"] == true || u.Facts["kind"] == KindInvitation || u.Facts["kind"] == KindAgenda {
				kinds = append(kinds, fmt.Sprint(u.Facts["kind"], " ", u.Facts["summary"]))
			}
		}
	}
	if len(kinds) != 0 {
		t.Errorf("after a restart, the stale copies still make %v", kinds)
	}
}

// TestReplyAboutOneOccurrence: declining one occurrence of a series by
// mail does not decline the series.
func TestReplyAboutOneOccurrence(t *testing.T) {
	series := withPartStat(weekly("weekly@x", "Weekly sync", time.Date(2026, 6, 11, 8, 0, 0, 0, time.UTC), 3), "NEEDS-ACTION")
	one := reply(series, "DECLINED")
	one.Recurring, one.Instance = false, true
	one.Occurrences = series.Occurrences[1:2]
	h := newITIPHarness(t, Config{})
	h.run(step{"mail:work", event.TypeCalendarChanged, byMail(series, "REQUEST", 0)},
		step{"mail:work", event.TypeMailSent, one})
	if got := h.byRule("calendar-reminder"); len(got) != 3 {
		t.Errorf("reminders: %s, want all three", titles(got))
	}
}
