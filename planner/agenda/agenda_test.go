package agenda

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/rules"
)

// testNow is Wednesday 10 June 2026, 12:00 UTC (14:00 in Paris).
var testNow = time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)

const me = "ada@example.org"

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func builtinRules(t testing.TB) *rules.Set {
	t.Helper()
	builtin, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// Only this package's file: a problem in another source's rules is
	// the rules package's test to report, not a calendar failure.
	var mine []rules.Rule
	for _, r := range builtin {
		if strings.HasPrefix(r.Origin, rules.BuiltinFile+"/calendar.yaml:") {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		t.Fatal("no built-in calendar rules")
	}
	set, err := rules.Compile(rules.Merge(mine, nil))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// harness is a planner with the calendar enricher, as the daemon wires it.
type harness struct {
	t     *testing.T
	p     *planner.Planner
	store *state.Memory
	// open holds the suggestions made and not withdrawn, by id, as the
	// app's suggestion store would.
	open map[string]event.Suggestion
}

func newHarness(t *testing.T, cfg Config) *harness {
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
		planner.WithClock(func() time.Time { return testNow }))
	return &harness{t: t, p: p, store: store, open: map[string]event.Suggestion{}}
}

// feed plans one calendar event the way the watcher publishes it.
func (h *harness) feed(typ string, ce event.CalendarEvent) planner.Result {
	h.t.Helper()
	if ce.Calendar == "" {
		ce.Calendar = "work"
	}
	ev, err := event.New("calendar:"+ce.Calendar, typ, fmt.Sprint(ce.UID, ce.Sequence, len(ce.Occurrences)),
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
	return res
}

func (h *harness) changed(ce event.CalendarEvent) planner.Result {
	h.t.Helper()
	return h.feed(event.TypeCalendarChanged, ce)
}

// byRule returns the open suggestions of one rule, by due time then title.
func (h *harness) byRule(rule string) []event.Suggestion {
	var out []event.Suggestion
	for _, s := range h.open {
		if s.Rule == rule {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b event.Suggestion) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return strings.Compare(a.Title, b.Title)
	})
	return out
}

func rulesOf(sugs []event.Suggestion) []string {
	var out []string
	for _, s := range sugs {
		out = append(out, s.Rule)
	}
	slices.Sort(out)
	return out
}

// meeting is a one-off timed event in calendar work that Ada accepted.
func meeting(uid, summary string, start time.Time, d time.Duration) event.CalendarEvent {
	return event.CalendarEvent{
		Calendar:  "work",
		UID:       uid,
		Summary:   summary,
		Location:  "Room 4",
		Organizer: &event.Person{Email: "bob@example.org", Name: "Bob"},
		Attendees: []event.Person{
			{Email: "bob@example.org", Name: "Bob", PartStat: "ACCEPTED"},
			{Email: me, Name: "Ada", PartStat: "ACCEPTED"},
		},
		WindowStart: testNow.AddDate(0, 0, -1),
		WindowEnd:   testNow.AddDate(1, 0, 0),
		Occurrences: []event.Occurrence{{
			RecurrenceID: start.UTC().Format(time.RFC3339), Start: start, End: start.Add(d),
		}},
	}
}

// weekly is a recurring meeting with n weekly occurrences from start.
func weekly(uid, summary string, start time.Time, n int) event.CalendarEvent {
	ce := meeting(uid, summary, start, 30*time.Minute)
	ce.Recurring = true
	ce.Occurrences = nil
	for i := range n {
		s := start.AddDate(0, 0, 7*i)
		ce.Occurrences = append(ce.Occurrences, event.Occurrence{
			RecurrenceID: s.UTC().Format(time.RFC3339), Start: s, End: s.Add(30 * time.Minute),
		})
	}
	return ce
}

func withPartStat(ce event.CalendarEvent, ps string) event.CalendarEvent {
	ce.Attendees = slices.Clone(ce.Attendees)
	for i := range ce.Attendees {
		if ce.Attendees[i].Email == me {
			ce.Attendees[i].PartStat = ps
		}
	}
	return ce
}

func allDay(uid, summary string, y int, m time.Month, d int) event.CalendarEvent {
	start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return event.CalendarEvent{
		Calendar: "personal", UID: uid, Summary: summary, AllDay: true,
		Occurrences: []event.Occurrence{{
			RecurrenceID: start.Format(time.DateOnly), Start: start, End: start.AddDate(0, 0, 1), AllDay: true,
		}},
	}
}

func TestReminders(t *testing.T) {
	start := testNow.Add(2 * time.Hour) // 16:00 in Paris
	tests := map[string]struct {
		cfg      Config
		ce       event.CalendarEvent
		wantDue  time.Time // zero: no reminder
		title    string
		why      string
		wantRule []string // every rule that fires, sorted
	}{
		"default 10 minutes": {
			ce:      meeting("sync@x", "Team sync", start, 30*time.Minute),
			wantDue: start.Add(-10 * time.Minute),
			title:   "In 10 min: Team sync (16:00, Room 4)",
			why:     "starts at 16:00 (calendar work)",
		},
		"configured default": {
			cfg:     Config{RemindBefore: 5 * time.Minute},
			ce:      meeting("sync@x", "Team sync", start, 30*time.Minute),
			wantDue: start.Add(-5 * time.Minute),
			title:   "In 5 min: Team sync (16:00, Room 4)",
		},
		"per-calendar value": {
			cfg:     Config{PerCalendar: map[string]time.Duration{"work": 15 * time.Minute, "personal": time.Hour}},
			ce:      meeting("sync@x", "Team sync", start, 30*time.Minute),
			wantDue: start.Add(-15 * time.Minute),
			title:   "In 15 min: Team sync (16:00, Room 4)",
			why:     "starts at 16:00 (calendar work)",
		},
		"VALARM overrides the calendar's value": {
			cfg: Config{PerCalendar: map[string]time.Duration{"work": 15 * time.Minute}},
			ce: func() event.CalendarEvent {
				ce := meeting("sync@x", "Team sync", start, 30*time.Minute)
				ce.Alarms = []event.Alarm{
					{Before: time.Hour, Action: "EMAIL"}, // not for the user's screen
					{Before: 90 * time.Minute, Action: "DISPLAY"},
					{Before: 30 * time.Minute, Action: "DISPLAY"},
				}
				return ce
			}(),
			wantDue: start.Add(-30 * time.Minute),
			title:   "In 30 min: Team sync (16:00, Room 4)",
			why:     "starts at 16:00 (calendar work, its own alarm)",
		},
		"absolute VALARM": {
			ce: func() event.CalendarEvent {
				ce := meeting("sync@x", "Team sync", start, 30*time.Minute)
				ce.Alarms = []event.Alarm{{At: start.Add(-time.Hour - 30*time.Minute), Action: "DISPLAY"}}
				return ce
			}(),
			wantDue: start.Add(-90 * time.Minute),
			title:   "In 1 h 30 min: Team sync (16:00, Room 4)",
		},
		"EMAIL alarm alone is ignored": {
			ce: func() event.CalendarEvent {
				ce := meeting("sync@x", "Team sync", start, 30*time.Minute)
				ce.Alarms = []event.Alarm{{Before: time.Hour, Action: "EMAIL"}}
				return ce
			}(),
			wantDue: start.Add(-10 * time.Minute),
		},
		"my own event without attendees": {
			ce: func() event.CalendarEvent {
				ce := meeting("dentist@x", "Dentist", start, time.Hour)
				ce.Organizer, ce.Attendees, ce.Location = nil, nil, ""
				return ce
			}(),
			wantDue: start.Add(-10 * time.Minute),
			title:   "In 10 min: Dentist (16:00)",
		},
		"declined": {
			ce:       withPartStat(meeting("sync@x", "Team sync", start, 30*time.Minute), "DECLINED"),
			wantRule: nil,
		},
		"cancelled occurrence": {
			ce: func() event.CalendarEvent {
				ce := meeting("sync@x", "Team sync", start, 30*time.Minute)
				ce.Occurrences[0].Cancelled = true
				return ce
			}(),
		},
		"over": {
			ce: meeting("sync@x", "Team sync", testNow.Add(-2*time.Hour), time.Hour),
		},
		"going on now: reminder late, until it ends": {
			ce:      meeting("sync@x", "Team sync", testNow.Add(-5*time.Minute), time.Hour),
			wantDue: testNow.Add(-15 * time.Minute),
		},
		"all-day event: no reminder": {
			ce: allDay("offsite@x", "Offsite", 2026, 6, 12),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, tc.cfg)
			res := h.changed(tc.ce)
			var reminders []event.Suggestion
			for _, s := range res.Suggestions {
				if s.Rule == "calendar-reminder" {
					reminders = append(reminders, s)
				}
			}
			if tc.wantDue.IsZero() {
				if len(reminders) != 0 {
					t.Fatalf("reminders = %+v, want none", reminders)
				}
				if tc.wantRule == nil && len(res.Suggestions) != 0 && name != "all-day event: no reminder" {
					t.Fatalf("suggestions = %v, want none", rulesOf(res.Suggestions))
				}
				return
			}
			if len(reminders) != 1 {
				t.Fatalf("reminders = %+v, want 1", reminders)
			}
			r := reminders[0]
			if !r.Due.Equal(tc.wantDue) {
				t.Errorf("due = %v, want %v", r.Due, tc.wantDue)
			}
			if r.Kind != event.KindReminder {
				t.Errorf("kind = %q", r.Kind)
			}
			if end := tc.ce.Occurrences[0].End; !r.Expires.Equal(end) {
				t.Errorf("expires = %v, want the occurrence's end %v", r.Expires, end)
			}
			if tc.title != "" && r.Title != tc.title {
				t.Errorf("title = %q, want %q", r.Title, tc.title)
			}
			if tc.why != "" && r.Why != tc.why {
				t.Errorf("why = %q, want %q", r.Why, tc.why)
			}
			wantAbout := event.About{Source: "calendar:" + tc.ce.Calendar, Type: event.TypeCalendarChanged, Ref: tc.ce.UID}
			if len(r.About) != 1 || r.About[0] != wantAbout {
				t.Errorf("about = %+v, want %+v", r.About, wantAbout)
			}
		})
	}
}

func TestSeries(t *testing.T) {
	loc := paris(t)
	first := time.Date(2026, 6, 11, 10, 0, 0, 0, loc) // Thursday 10:00 Paris
	series := func() event.CalendarEvent { return weekly("weekly@x", "Weekly", first, 3) }
	moved := func() event.CalendarEvent {
		ce := series()
		o := &ce.Occurrences[1]
		o.Start, o.End = o.Start.Add(2*time.Hour), o.End.Add(2*time.Hour)
		return ce
	}
	cancelOne := func() event.CalendarEvent {
		ce := series()
		ce.Occurrences[1].Cancelled = true
		return ce
	}
	type step struct {
		typ   string
		ce    func() event.CalendarEvent
		check func(t *testing.T, h *harness, before map[string]event.Suggestion, res planner.Result)
	}
	reminderDues := func(h *harness) []time.Time {
		var out []time.Time
		for _, s := range h.byRule("calendar-reminder") {
			out = append(out, s.Due)
		}
		return out
	}
	tests := map[string][]step{
		"one reminder per occurrence": {{ce: series, check: func(t *testing.T, h *harness, _ map[string]event.Suggestion, res planner.Result) {
			got := h.byRule("calendar-reminder")
			if len(got) != 3 {
				t.Fatalf("reminders = %d, want 3", len(got))
			}
			for i, s := range got {
				want := first.AddDate(0, 0, 7*i).Add(-10 * time.Minute)
				if !s.Due.Equal(want) {
					t.Errorf("reminder %d due %v, want %v", i, s.Due, want)
				}
				if s.About[0].RecurrenceID != series().Occurrences[i].RecurrenceID {
					t.Errorf("reminder %d recurrence id = %q", i, s.About[0].RecurrenceID)
				}
			}
		}}},
		"moved occurrence: same id, new due": {
			{ce: series},
			{ce: moved, check: func(t *testing.T, h *harness, before map[string]event.Suggestion, res planner.Result) {
				if len(res.Withdraw) != 0 {
					t.Errorf("withdrawn %v, want nothing", res.Withdraw)
				}
				if len(h.byRule("calendar-reminder")) != 3 {
					t.Fatalf("reminders = %v", reminderDues(h))
				}
				want := first.AddDate(0, 0, 7).Add(2*time.Hour - 10*time.Minute)
				var found bool
				for id, s := range h.open {
					if s.Rule == "calendar-reminder" && s.Due.Equal(want) {
						found = true
						if _, ok := before[id]; !ok {
							t.Errorf("moved reminder has a new id %s", id)
						}
						if s.Title != "In 10 min: Weekly (12:00, Room 4)" {
							t.Errorf("title = %q", s.Title)
						}
					}
				}
				if !found {
					t.Errorf("no reminder due %v; dues %v", want, reminderDues(h))
				}
			}},
		},
		"cancelled occurrence: withdrawn, and told": {
			{ce: series},
			{ce: cancelOne, check: func(t *testing.T, h *harness, before map[string]event.Suggestion, res planner.Result) {
				// The occurrence's reminder, and the agenda of its day
				// (nothing else is on it).
				var withdrawn []string
				for _, id := range res.Withdraw {
					s := before[id]
					withdrawn = append(withdrawn, s.Rule)
					if !s.Due.Equal(first.AddDate(0, 0, 7).Add(-10*time.Minute)) && !s.Due.Equal(first.AddDate(0, 0, 7).Add(-150*time.Minute)) {
						t.Errorf("withdrew %+v", s)
					}
				}
				slices.Sort(withdrawn)
				if !slices.Equal(withdrawn, []string{"calendar-agenda", "calendar-reminder"}) {
					t.Fatalf("withdrawn %v, want the cancelled occurrence's reminder and agenda", withdrawn)
				}
				c := h.byRule("calendar-cancelled")
				if len(c) != 1 || c[0].Title != "Weekly on Thu 18 Jun was cancelled" || c[0].Priority != event.PriorityLow {
					t.Errorf("cancellation notices = %+v", c)
				}
			}},
			// Re-evaluating the same object again keeps the notice.
			{ce: cancelOne, check: func(t *testing.T, h *harness, _ map[string]event.Suggestion, res planner.Result) {
				if len(res.Withdraw) != 0 || len(h.byRule("calendar-cancelled")) != 1 {
					t.Errorf("withdrawn %v, notices %d", res.Withdraw, len(h.byRule("calendar-cancelled")))
				}
			}},
		},
		"object cancelled: everything withdrawn, one notice": {
			{ce: series},
			{typ: event.TypeCalendarCanceled, ce: func() event.CalendarEvent {
				return event.CalendarEvent{Calendar: "work", UID: "weekly@x"}
			}, check: func(t *testing.T, h *harness, before map[string]event.Suggestion, res planner.Result) {
				if got := h.byRule("calendar-reminder"); len(got) != 0 {
					t.Errorf("reminders left: %v", got)
				}
				if len(res.Withdraw) != 3+3 { // 3 reminders and the agendas of their days
					t.Errorf("withdrawn %d, want 6", len(res.Withdraw))
				}
				c := h.byRule("calendar-cancelled")
				if len(c) != 1 || c[0].Title != "Weekly on Thu 11 Jun was cancelled (3 occurrences in all)" {
					t.Errorf("cancellation notices = %+v", c)
				}
				if keys, _ := h.store.Keys(context.Background(), storePrefix); len(keys) != 1 {
					t.Errorf("stored %v, want only the notice's tombstone", keys)
				}
			}},
		},
		"declining withdraws": {
			{ce: series},
			{ce: func() event.CalendarEvent { return withPartStat(series(), "DECLINED") }, check: func(t *testing.T, h *harness, _ map[string]event.Suggestion, res planner.Result) {
				if len(h.open) != 0 {
					t.Errorf("open after declining: %v", rulesOf(slices.Collect(maps.Values(h.open))))
				}
			}},
		},
		"invitation, then accepted": {
			{ce: func() event.CalendarEvent { return withPartStat(series(), "NEEDS-ACTION") }, check: func(t *testing.T, h *harness, _ map[string]event.Suggestion, res planner.Result) {
				inv := h.byRule("calendar-invitation")
				if len(inv) != 1 {
					t.Fatalf("invitations = %+v, want 1", inv)
				}
				if want := "Answer the invitation from Bob: Weekly on Thu 11 Jun"; inv[0].Title != want {
					t.Errorf("title = %q, want %q", inv[0].Title, want)
				}
				if !inv[0].Due.IsZero() || inv[0].Kind != event.KindSuggestion {
					t.Errorf("invitation = %+v", inv[0])
				}
				if len(h.byRule("calendar-agenda")) != 0 {
					t.Errorf("an unanswered meeting is on the agenda")
				}
			}},
			{ce: series, check: func(t *testing.T, h *harness, before map[string]event.Suggestion, res planner.Result) {
				if len(h.byRule("calendar-invitation")) != 0 {
					t.Error("invitation still open after accepting")
				}
				var withdrawn []string
				for _, id := range res.Withdraw {
					withdrawn = append(withdrawn, before[id].Rule)
				}
				if !slices.Equal(withdrawn, []string{"calendar-invitation"}) {
					t.Errorf("withdrawn %v, want the invitation", withdrawn)
				}
				if len(h.byRule("calendar-reminder")) != 3 {
					t.Errorf("reminders = %d, want 3", len(h.byRule("calendar-reminder")))
				}
			}},
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Config{})
			for i, st := range steps {
				before := maps.Clone(h.open)
				typ := st.typ
				if typ == "" {
					typ = event.TypeCalendarChanged
				}
				res := h.feed(typ, st.ce())
				if st.check != nil {
					t.Run(fmt.Sprint("step", i), func(t *testing.T) { st.check(t, h, before, res) })
				}
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	loc := paris(t)
	at := func(h, m int) time.Time { return time.Date(2026, 6, 11, h, m, 0, 0, loc) }
	sync := func() event.CalendarEvent { return meeting("a-sync@x", "Team sync", at(10, 0), time.Hour) }
	dentist := func(start time.Time) event.CalendarEvent {
		ce := meeting("b-dentist@y", "Dentist", start, time.Hour)
		ce.Calendar, ce.Organizer, ce.Attendees, ce.Location = "personal", nil, nil, ""
		return ce
	}
	tests := map[string]struct {
		feed      []event.CalendarEvent
		conflicts int // open conflict suggestions after the last event
		title     string
		why       string
	}{
		"across two calendars: one suggestion": {
			feed:      []event.CalendarEvent{sync(), dentist(at(10, 30))},
			conflicts: 1,
			title:     "Conflict on Thu 11 Jun: Team sync (10:00) overlaps Dentist (10:30)",
			why:       "both accepted: Team sync (calendar work) and Dentist (calendar personal)",
		},
		"fed the other way round: the same one": {
			feed:      []event.CalendarEvent{dentist(at(10, 30)), sync()},
			conflicts: 1,
			title:     "Conflict on Thu 11 Jun: Team sync (10:00) overlaps Dentist (10:30)",
		},
		"both fed again: still one": {
			feed:      []event.CalendarEvent{sync(), dentist(at(10, 30)), sync(), dentist(at(10, 30))},
			conflicts: 1,
		},
		"moved away: withdrawn": {
			feed: []event.CalendarEvent{sync(), dentist(at(10, 30)), dentist(at(11, 0))},
		},
		"the leader moved away: withdrawn": {
			feed: []event.CalendarEvent{sync(), dentist(at(10, 30)), meeting("a-sync@x", "Team sync", at(8, 0), time.Hour)},
		},
		"leader cancelled: withdrawn": {
			feed: []event.CalendarEvent{sync(), dentist(at(10, 30)), func() event.CalendarEvent {
				ce := sync()
				ce.Status = "CANCELLED"
				return ce
			}()},
		},
		"back to back is no conflict": {
			feed: []event.CalendarEvent{sync(), dentist(at(11, 0))},
		},
		"transparent is no conflict": {
			feed: []event.CalendarEvent{sync(), func() event.CalendarEvent {
				ce := dentist(at(10, 30))
				ce.Transparent = true
				return ce
			}()},
		},
		"tentative is no conflict": {
			feed: []event.CalendarEvent{withPartStat(sync(), "TENTATIVE"), dentist(at(10, 30))},
		},
		"the same meeting in two calendars is no conflict": {
			feed: []event.CalendarEvent{sync(), func() event.CalendarEvent {
				ce := sync()
				ce.Calendar = "shared"
				return ce
			}()},
		},
		"three overlapping: two suggestions, the leader lists both": {
			feed: []event.CalendarEvent{sync(), dentist(at(10, 30)), func() event.CalendarEvent {
				ce := meeting("c-lunch@z", "Lunch", at(10, 45), time.Hour)
				ce.Calendar = "personal"
				return ce
			}()},
			conflicts: 2, // a-sync leads (dentist, lunch); b-dentist leads (lunch)
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Config{})
			var seen []string
			for _, ce := range tc.feed {
				typ := event.TypeCalendarChanged
				h.feed(typ, ce)
				for _, s := range h.byRule("calendar-conflict") {
					if !slices.Contains(seen, s.ID) {
						seen = append(seen, s.ID)
					}
				}
			}
			got := h.byRule("calendar-conflict")
			if len(got) != tc.conflicts {
				t.Fatalf("conflicts = %+v, want %d", got, tc.conflicts)
			}
			if tc.conflicts == 1 && len(seen) != 1 {
				t.Errorf("conflict ids over time %v, want one", seen)
			}
			if tc.title != "" && got[0].Title != tc.title {
				t.Errorf("title = %q, want %q", got[0].Title, tc.title)
			}
			if tc.why != "" && got[0].Why != tc.why {
				t.Errorf("why = %q, want %q", got[0].Why, tc.why)
			}
			if tc.conflicts == 0 && len(seen) > 0 {
				// It existed and was withdrawn: check the planner forgot it.
				if keys, _ := h.store.Keys(context.Background(), "scope.cal.conflict."); len(keys) != 0 {
					t.Errorf("conflict scopes left: %v", keys)
				}
			}
		})
	}
}

func TestAgenda(t *testing.T) {
	loc := paris(t)
	tests := map[string]struct {
		feed  []event.CalendarEvent
		day   string
		due   time.Time
		title string
		body  string
	}{
		"two events in local time": {
			feed: []event.CalendarEvent{
				meeting("a@x", "Team sync", time.Date(2026, 6, 11, 7, 0, 0, 0, time.UTC), 30*time.Minute),
				meeting("b@x", "Review", time.Date(2026, 6, 11, 12, 0, 0, 0, time.UTC), time.Hour),
			},
			day:   "2026-06-11",
			due:   time.Date(2026, 6, 11, 7, 30, 0, 0, loc),
			title: "Today: 2 events, first at 09:00",
			body:  "09:00–09:30 Team sync (Room 4)\n14:00–15:00 Review (Room 4)",
		},
		"two events without UID in one file": {
			feed: []event.CalendarEvent{
				noUID(meeting("", "Team sync", time.Date(2026, 6, 11, 7, 0, 0, 0, time.UTC), 30*time.Minute)),
				noUID(meeting("", "Review", time.Date(2026, 6, 11, 12, 0, 0, 0, time.UTC), time.Hour)),
			},
			day:   "2026-06-11",
			due:   time.Date(2026, 6, 11, 7, 30, 0, 0, loc),
			title: "Today: 2 events, first at 09:00",
			body:  "09:00–09:30 Team sync (Room 4)\n14:00–15:00 Review (Room 4)",
		},
		"DST day (autumn, 25 hours)": {
			feed: []event.CalendarEvent{
				meeting("a@x", "Brunch", time.Date(2026, 10, 25, 10, 0, 0, 0, time.UTC), time.Hour),
				meeting("b@x", "Call", time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC), 30*time.Minute),
			},
			day:   "2026-10-25",
			due:   time.Date(2026, 10, 25, 6, 30, 0, 0, time.UTC), // 07:30 CET
			title: "Today: 2 events, first at 09:00",
			body:  "09:00–09:30 Call (Room 4)\n11:00–12:00 Brunch (Room 4)",
		},
		"all-day events listed first": {
			feed: []event.CalendarEvent{
				meeting("a@x", "Team sync", time.Date(2026, 6, 12, 7, 0, 0, 0, time.UTC), 30*time.Minute),
				allDay("h@x", "Holiday in Alsace", 2026, 6, 12),
			},
			day:   "2026-06-12",
			due:   time.Date(2026, 6, 12, 7, 30, 0, 0, loc),
			title: "Today: 2 events, first at 09:00",
			body:  "all day Holiday in Alsace\n09:00–09:30 Team sync (Room 4)",
		},
		"an event late at night UTC belongs to the next local day": {
			feed: []event.CalendarEvent{meeting("a@x", "Night call", time.Date(2026, 6, 11, 22, 30, 0, 0, time.UTC), 30*time.Minute)},
			day:  "2026-06-12",
			due:  time.Date(2026, 6, 12, 7, 30, 0, 0, loc),
			body: "00:30–01:00 Night call (Room 4)",
		},
		"today, agenda time passed: made (delivered late)": {
			feed: []event.CalendarEvent{meeting("a@x", "Late", testNow.Add(3*time.Hour), time.Hour)},
			day:  "2026-06-10",
			due:  time.Date(2026, 6, 10, 7, 30, 0, 0, loc),
			body: "17:00–18:00 Late (Room 4)",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Config{})
			for _, ce := range tc.feed {
				h.changed(ce)
			}
			ag := h.byRule("calendar-agenda")
			if len(ag) != 1 {
				t.Fatalf("agendas = %+v, want 1", ag)
			}
			a := ag[0]
			if want := (event.About{Source: AgendaSource, Type: AgendaType, Ref: tc.day}); a.About[0] != want {
				t.Errorf("about = %+v, want %+v", a.About[0], want)
			}
			if !a.Due.Equal(tc.due) {
				t.Errorf("due = %v, want %v", a.Due.In(loc), tc.due.In(loc))
			}
			if tc.title != "" && a.Title != tc.title {
				t.Errorf("title = %q, want %q", a.Title, tc.title)
			}
			if a.Body != tc.body {
				t.Errorf("body = %q, want %q", a.Body, tc.body)
			}
		})
	}

	t.Run("recomputed and withdrawn with its day", func(t *testing.T) {
		h := newHarness(t, Config{})
		a := meeting("a@x", "Team sync", time.Date(2026, 6, 11, 7, 0, 0, 0, time.UTC), 30*time.Minute)
		b := meeting("b@x", "Review", time.Date(2026, 6, 11, 12, 0, 0, 0, time.UTC), time.Hour)
		h.changed(a)
		h.changed(b)
		id := h.byRule("calendar-agenda")[0].ID
		b2 := meeting("b@x", "Review", time.Date(2026, 6, 12, 12, 0, 0, 0, time.UTC), time.Hour)
		h.changed(b2)
		ag := h.byRule("calendar-agenda")
		if len(ag) != 2 || ag[0].ID != id || ag[0].Body != "09:00–09:30 Team sync (Room 4)" {
			t.Fatalf("after moving Review to the 12th: %+v", ag)
		}
		res := h.feed(event.TypeCalendarCanceled, event.CalendarEvent{Calendar: "work", UID: "a@x"})
		if !slices.Contains(res.Withdraw, id) || len(h.byRule("calendar-agenda")) != 1 {
			t.Errorf("agenda of the 11th not withdrawn: %v", res.Withdraw)
		}
	})
}

func TestBirthday(t *testing.T) {
	loc := paris(t)
	tests := map[string]struct {
		ce    event.CalendarEvent
		want  bool
		title string
	}{
		"category": {
			ce: func() event.CalendarEvent {
				ce := allDay("bd@x", "Anna", 2026, 6, 12)
				ce.Categories = []string{"BIRTHDAY"}
				return ce
			}(),
			want: true, title: "Today: Anna",
		},
		"French summary":  {ce: allDay("bd@x", "Anniversaire de Marie", 2026, 6, 12), want: true},
		"German summary":  {ce: allDay("bd@x", "Geburtstag von Max", 2026, 6, 12), want: true},
		"English summary": {ce: allDay("bd@x", "Bo's birthday", 2026, 6, 12), want: true, title: "Today: Bo's birthday"},
		"contacts' birthday calendar": {ce: func() event.CalendarEvent {
			ce := allDay("bd@x", "🎈 Max", 2026, 6, 12)
			ce.Calendar = "contact_birthdays"
			return ce
		}(), want: true},
		"other all-day event": {ce: allDay("h@x", "Offsite", 2026, 6, 12)},
		"timed birthday party gets a normal reminder": {
			ce: meeting("p@x", "Birthday party", time.Date(2026, 6, 12, 18, 0, 0, 0, loc), 3*time.Hour),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.changed(tc.ce)
			bd := h.byRule("calendar-birthday")
			if !tc.want {
				if len(bd) != 0 {
					t.Fatalf("birthday notices = %+v, want none", bd)
				}
				return
			}
			if len(bd) != 1 {
				t.Fatalf("birthday notices = %+v, want 1", bd)
			}
			if want := time.Date(2026, 6, 12, 7, 30, 0, 0, loc); !bd[0].Due.Equal(want) {
				t.Errorf("due = %v, want %v", bd[0].Due, want)
			}
			if tc.title != "" && bd[0].Title != tc.title {
				t.Errorf("title = %q, want %q", bd[0].Title, tc.title)
			}
			if r := h.byRule("calendar-reminder"); len(r) != 0 {
				t.Errorf("a birthday got a 10-minute reminder: %+v", r)
			}
		})
	}
}

// TestRestart checks that conflicts and agendas see objects handled before
// a restart: a new enricher on the same store loads them.
func TestRestart(t *testing.T) {
	loc := paris(t)
	store := state.NewMemory()
	logger := slog.New(slog.DiscardHandler)
	cfg := Config{Me: []string{me}, Location: loc}
	ctx := context.Background()
	first := New(cfg, store, logger)
	a := meeting("a@x", "Team sync", time.Date(2026, 6, 11, 8, 0, 0, 0, time.UTC), time.Hour)
	if _, _, err := first.EnrichCalendar(ctx, "calendar:work", event.TypeCalendarChanged, a, testNow); err != nil {
		t.Fatal(err)
	}
	second := New(cfg, store, logger)
	b := meeting("b@x", "Review", time.Date(2026, 6, 11, 8, 30, 0, 0, time.UTC), time.Hour)
	units, scopes, err := second.EnrichCalendar(ctx, "calendar:work", event.TypeCalendarChanged, b, testNow)
	if err != nil {
		t.Fatal(err)
	}
	var conflict, agenda *planner.Unit
	for i, u := range units {
		switch u.Facts["kind"] {
		case KindConflict:
			conflict = &units[i]
		case KindAgenda:
			agenda = &units[i]
		}
	}
	if conflict == nil || conflict.About.Ref != "a@x" || conflict.Facts["other_summary"] != "Review" {
		t.Errorf("conflict unit = %+v", conflict)
	}
	if agenda == nil || agenda.Facts["count"] != 2 {
		t.Errorf("agenda unit = %+v", agenda)
	}
	for _, want := range []string{"cal.calendar:work.b@x", "cal.conflict.calendar:work.a@x", "cal.agenda.2026-06-11"} {
		if !slices.Contains(scopes, want) {
			t.Errorf("scopes %v lack %q", scopes, want)
		}
	}
}

// TestForgetsThePast checks that objects whose occurrences are all over
// leave memory and the store once a day.
func TestForgetsThePast(t *testing.T) {
	store := state.NewMemory()
	ctx := context.Background()
	e := New(Config{Me: []string{me}, Location: paris(t)}, store, nil)
	a := meeting("a@x", "Team sync", testNow.Add(time.Hour), time.Hour)
	if _, _, err := e.EnrichCalendar(ctx, "calendar:work", event.TypeCalendarChanged, a, testNow); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		now  time.Time
		keep []string
	}{
		"same day, meeting over": {now: testNow.Add(3 * time.Hour), keep: []string{"cal.occ.calendar:work.a@x"}},
		"next day":               {now: testNow.Add(24 * time.Hour)},
	}
	for _, name := range []string{"same day, meeting over", "next day"} {
		tc := tests[name]
		t.Run(name, func(t *testing.T) {
			b := meeting("b@x", "Review", tc.now.Add(time.Hour), time.Hour)
			if _, _, err := e.EnrichCalendar(ctx, "calendar:work", event.TypeCalendarChanged, b, tc.now); err != nil {
				t.Fatal(err)
			}
			keys, err := store.Keys(ctx, "cal.occ.calendar:work.a")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keys, tc.keep) {
				t.Errorf("stored %v, want %v", keys, tc.keep)
			}
		})
	}
}

// noUID is ce as a hand-written .ics holds it: no UID, the file's href.
func noUID(ce event.CalendarEvent) event.CalendarEvent {
	ce.UID, ce.Href = "", "/home/ada/cal/personal.ics"
	return ce
}
