package suggestions

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// t0 is the tests' fixed "now".
var t0 = time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)

// clock is a settable clock for one test.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time               { return c.now }
func (c *clock) Advance(d time.Duration)      { c.now = c.now.Add(d) }
func newClock() *clock                        { return &clock{now: t0} }
func suggestion(name string) event.Suggestion { return sugg(name, time.Time{}) }

func sugg(name string, due time.Time) event.Suggestion {
	kind := event.KindSuggestion
	if !due.IsZero() {
		kind = event.KindReminder
	}
	return event.Suggestion{
		ID: event.ID("test", name), Kind: kind, Title: name, Priority: event.PriorityNormal,
		Due: due, Created: t0, Rule: "test",
	}
}

type fixture struct {
	store *state.Memory
	out   *MemoryOutbox
	clock *clock
	book  *Book
}

func newFixture() fixture {
	f := fixture{store: state.NewMemory(), out: &MemoryOutbox{}, clock: newClock()}
	f.book = New(f.store, f.out, f.clock.Now)
	return f
}

func (f fixture) offer(t *testing.T, s event.Suggestion) bool {
	t.Helper()
	ok, err := f.book.Offer(t.Context(), s)
	if err != nil {
		t.Fatalf("Offer(%s): %v", s.Title, err)
	}
	return ok
}

func (f fixture) status(t *testing.T, id string) string {
	t.Helper()
	rec, err := f.book.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return rec.Status
}

func (f fixture) shouldDeliver(t *testing.T, id string) bool {
	t.Helper()
	ok, err := f.book.ShouldDeliver(t.Context(), id)
	if err != nil {
		t.Fatalf("ShouldDeliver(%s): %v", id, err)
	}
	return ok
}

func ids(ss []event.Suggestion) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func TestOfferPublishesOrSchedulesOnce(t *testing.T) {
	f := newFixture()
	now := suggestion("now")
	later := sugg("later", t0.Add(time.Hour))

	if !f.offer(t, now) || !f.offer(t, later) {
		t.Fatal("first offers were not made")
	}
	if got := ids(f.out.Published()); !slices.Equal(got, []string{now.ID}) {
		t.Fatalf("published %v, want %v", got, []string{now.ID})
	}
	if got := ids(f.out.Scheduled()); !slices.Equal(got, []string{later.ID}) {
		t.Fatalf("scheduled %v, want %v", got, []string{later.ID})
	}
	rec, err := f.book.Get(t.Context(), later.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != event.StatusPending || !rec.Created.Equal(t0) || !rec.Updated.Equal(t0) {
		t.Fatalf("record = %+v, want pending created and updated at t0", rec)
	}

	// The same again, also with fields Same ignores changed: nothing new.
	again := now
	again.Why = "other words for the log"
	if f.offer(t, again) || f.offer(t, later) {
		t.Fatal("an unchanged suggestion was made twice")
	}
	if len(f.out.Published())+len(f.out.Scheduled()) != 2 {
		t.Fatal("an unchanged suggestion reached the outbox again")
	}

	// Moved: scheduled again (which replaces it), created time kept.
	f.clock.Advance(time.Minute)
	moved := later
	moved.Due = t0.Add(2 * time.Hour)
	if !f.offer(t, moved) {
		t.Fatal("a moved reminder was not offered again")
	}
	rec, _ = f.book.Get(t.Context(), later.ID)
	if !rec.Suggestion.Due.Equal(moved.Due) || !rec.Created.Equal(t0) || !rec.Updated.Equal(t0.Add(time.Minute)) {
		t.Fatalf("record after move = %+v", rec)
	}

	// Withdrawn, then made again: offered.
	if err := f.book.Withdraw(t.Context(), now.ID); err != nil {
		t.Fatal(err)
	}
	if !f.offer(t, now) {
		t.Fatal("a withdrawn suggestion made again was not offered")
	}
	if got := f.status(t, now.ID); got != event.StatusPending {
		t.Fatalf("status = %q, want pending", got)
	}
}

// failingOutbox fails every call.
type failingOutbox struct{}

var errOutbox = errors.New("outbox down")

func (failingOutbox) Publish(context.Context, event.Suggestion) error { return errOutbox }
func (failingOutbox) Schedule(context.Context, event.Suggestion, time.Time) error {
	return errOutbox
}
func (failingOutbox) Cancel(context.Context, string) error { return errOutbox }

func TestOfferStoresNothingWhenTheOutboxFails(t *testing.T) {
	store := state.NewMemory()
	book := New(store, failingOutbox{}, newClock().Now)
	s := suggestion("x")
	ok, err := book.Offer(t.Context(), s)
	if ok || !errors.Is(err, errOutbox) {
		t.Fatalf("Offer = %v, %v; want false and the outbox error", ok, err)
	}
	if _, err := book.Get(t.Context(), s.ID); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("a record was stored for a suggestion the outbox did not take: %v", err)
	}
	// Withdrawing it keeps it retryable too.
	ok2 := New(store, &MemoryOutbox{}, newClock().Now)
	due := sugg("due", t0.Add(time.Hour))
	if _, err := ok2.Offer(t.Context(), due); err != nil {
		t.Fatal(err)
	}
	if err := book.Withdraw(t.Context(), due.ID); !errors.Is(err, errOutbox) {
		t.Fatalf("Withdraw = %v, want the outbox error", err)
	}
	if rec, _ := book.Get(t.Context(), due.ID); rec.Status != event.StatusPending {
		t.Fatalf("status after a failed withdraw = %q, want pending", rec.Status)
	}
}

func TestWithdraw(t *testing.T) {
	f := newFixture()
	if err := f.book.Withdraw(t.Context(), "unknown"); err != nil {
		t.Fatalf("withdrawing an unknown id: %v", err)
	}
	now := suggestion("now")
	due := sugg("due", t0.Add(time.Hour))
	f.offer(t, now)
	f.offer(t, due)
	for _, id := range []string{now.ID, due.ID, due.ID} {
		if err := f.book.Withdraw(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	// Only a scheduled one has something to cancel, and only once.
	if got := f.out.Cancelled(); !slices.Equal(got, []string{due.ID}) {
		t.Fatalf("cancelled %v, want %v", got, []string{due.ID})
	}
	for _, id := range []string{now.ID, due.ID} {
		if got := f.status(t, id); got != event.StatusWithdrawn {
			t.Fatalf("status = %q, want withdrawn", got)
		}
		if f.shouldDeliver(t, id) {
			t.Fatal("a withdrawn suggestion is to be delivered")
		}
	}
}

func TestShouldDeliverAndDelivered(t *testing.T) {
	f := newFixture()
	if !f.shouldDeliver(t, "no-record") {
		t.Fatal("a suggestion without a record is not delivered")
	}
	s := suggestion("s")
	f.offer(t, s)
	if !f.shouldDeliver(t, s.ID) {
		t.Fatal("a pending suggestion is not delivered")
	}
	f.clock.Advance(time.Second)
	// The record keeps the latest version offered, not the copy delivered.
	old := s
	old.Title = "older words"
	if err := f.book.Delivered(t.Context(), old, event.StatusDelivered); err != nil {
		t.Fatal(err)
	}
	rec, _ := f.book.Get(t.Context(), s.ID)
	if rec.Status != event.StatusDelivered || rec.Suggestion.Title != s.Title || !rec.Updated.Equal(t0.Add(time.Second)) {
		t.Fatalf("record after delivery = %+v", rec)
	}
	// Delivered without a record (made before records were kept) stores s.
	other := suggestion("other")
	if err := f.book.Delivered(t.Context(), other, event.StatusExpired); err != nil {
		t.Fatal(err)
	}
	if got := f.status(t, other.ID); got != event.StatusExpired {
		t.Fatalf("status = %q, want expired", got)
	}

	for action, want := range map[string]bool{ActionAccept: true, ActionDismiss: false, ActionDone: false} {
		if err := f.book.Answer(t.Context(), s.ID, action, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if got := f.shouldDeliver(t, s.ID); got != want {
			t.Errorf("after %s: ShouldDeliver = %v, want %v", action, got, want)
		}
	}
}

// TestDeliveredKeepsAcceptance: a delivery of an accepted suggestion (its
// message handled again after a repair, or its reminder firing) leaves the
// user's answer; a new version offered after it is pending and delivered.
func TestDeliveredKeepsAcceptance(t *testing.T) {
	f := newFixture()
	s := sugg("s", t0.Add(time.Hour))
	f.offer(t, s)
	if err := f.book.Delivered(t.Context(), s, event.StatusDelivered); err != nil {
		t.Fatal(err)
	}
	if err := f.book.Answer(t.Context(), s.ID, ActionAccept, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{event.StatusDelivered, event.StatusExpired} {
		if err := f.book.Delivered(t.Context(), s, status); err != nil {
			t.Fatal(err)
		}
		if got := f.status(t, s.ID); got != event.StatusAccepted {
			t.Fatalf("accepted, then delivered (%s) again: status %q, want accepted", status, got)
		}
	}
	moved := s
	moved.Due = t0.Add(2 * time.Hour)
	if !f.offer(t, moved) {
		t.Fatal("a moved reminder was not offered")
	}
	if err := f.book.Delivered(t.Context(), moved, event.StatusDelivered); err != nil {
		t.Fatal(err)
	}
	if got := f.status(t, s.ID); got != event.StatusDelivered {
		t.Fatalf("new version delivered: status %q, want delivered", got)
	}
}

func TestAnswer(t *testing.T) {
	f := newFixture()
	s := suggestion("s")
	f.offer(t, s)
	tests := []struct{ action, want string }{
		{ActionAccept, event.StatusAccepted},
		{ActionDismiss, event.StatusDismissed},
		{ActionDone, event.StatusDone},
	}
	for _, tc := range tests {
		if err := f.book.Answer(t.Context(), s.ID, tc.action, time.Time{}); err != nil {
			t.Fatalf("%s: %v", tc.action, err)
		}
		if got := f.status(t, s.ID); got != tc.want {
			t.Fatalf("%s: status = %q, want %q", tc.action, got, tc.want)
		}
	}
	if err := f.book.Answer(t.Context(), s.ID, "shrug", time.Time{}); err == nil || !strings.Contains(err.Error(), "unknown action") {
		t.Fatalf("unknown action: %v", err)
	}
	if err := f.book.Answer(t.Context(), "nope", ActionDismiss, time.Time{}); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("unknown id: %v, want ErrNotFound", err)
	}
	if err := f.book.Answer(t.Context(), s.ID, ActionSnooze, t0); err == nil {
		t.Fatal("a snooze until now was accepted")
	}
	if err := f.book.Withdraw(t.Context(), s.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.book.Answer(t.Context(), s.ID, ActionDismiss, time.Time{}); !errors.Is(err, ErrWithdrawn) {
		t.Fatalf("answer to a withdrawn suggestion: %v, want ErrWithdrawn", err)
	}
}

func TestSnooze(t *testing.T) {
	f := newFixture()
	s := suggestion("s")
	f.offer(t, s)
	if err := f.book.Delivered(t.Context(), s, event.StatusDelivered); err != nil {
		t.Fatal(err)
	}
	until := t0.Add(time.Hour)
	if err := f.book.Answer(t.Context(), s.ID, ActionSnooze, until); err != nil {
		t.Fatal(err)
	}
	copyID := SnoozeID(s.ID)
	sched := f.out.Scheduled()
	if len(sched) != 1 {
		t.Fatalf("scheduled %d, want the snoozed copy", len(sched))
	}
	c := sched[0]
	if c.ID != copyID || !c.Due.Equal(until) || c.Kind != event.KindReminder || c.Title != s.Title {
		t.Fatalf("snoozed copy = %+v", c)
	}
	rec, _ := f.book.Get(t.Context(), s.ID)
	if rec.Status != event.StatusSnoozed || !rec.Until.Equal(until) || !rec.Next().Due.Equal(until) || rec.Next().ID != copyID {
		t.Fatalf("record = %+v, want snoozed until %s", rec, until)
	}
	// The original is not shown again (a redelivery), the copy is.
	if f.shouldDeliver(t, s.ID) {
		t.Fatal("a snoozed original is to be delivered")
	}
	if !f.shouldDeliver(t, copyID) {
		t.Fatal("a snoozed copy that fired is not to be delivered")
	}
	// The planner sees nothing new: it stays snoozed.
	if f.offer(t, s) {
		t.Fatal("a snoozed suggestion was made again")
	}

	// The copy fires and shows: its suggestion is delivered again.
	f.clock.Advance(time.Hour)
	if err := f.book.Delivered(t.Context(), c, event.StatusDelivered); err != nil {
		t.Fatal(err)
	}
	rec, _ = f.book.Get(t.Context(), copyID)
	if rec.Status != event.StatusDelivered || !rec.Until.IsZero() || rec.Suggestion.ID != s.ID || !rec.Suggestion.Due.IsZero() {
		t.Fatalf("record after the copy fired = %+v", rec)
	}
	if f.shouldDeliver(t, copyID) {
		t.Fatal("the copy is to be delivered again after it was shown")
	}
	if _, err := f.store.Get(t.Context(), copyID); !errors.Is(err, state.ErrNotFound) {
		t.Fatal("the snoozed copy got a record of its own")
	}

	// Snoozed again from the copy's notification: the same copy id moves.
	until2 := f.clock.Now().Add(30 * time.Minute)
	if err := f.book.Answer(t.Context(), copyID, ActionSnooze, until2); err != nil {
		t.Fatal(err)
	}
	sched = f.out.Scheduled()
	if last := sched[len(sched)-1]; last.ID != copyID || !last.Due.Equal(until2) {
		t.Fatalf("second snooze scheduled %s at %s", last.ID, last.Due)
	}
	// Dismissed while snoozed: the copy is cancelled and not shown.
	if err := f.book.Answer(t.Context(), s.ID, ActionDismiss, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := f.out.Cancelled(); !slices.Contains(got, copyID) {
		t.Fatalf("cancelled %v, want the snoozed copy", got)
	}
	if f.shouldDeliver(t, copyID) {
		t.Fatal("the copy of a dismissed suggestion is to be delivered")
	}
}

func TestSnoozedThenChangedOrWithdrawn(t *testing.T) {
	f := newFixture()
	s := suggestion("s")
	f.offer(t, s)
	if err := f.book.Answer(t.Context(), s.ID, ActionSnooze, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	changed := s
	changed.Title = "new words"
	if !f.offer(t, changed) {
		t.Fatal("a changed suggestion was not offered while snoozed")
	}
	if got := f.out.Cancelled(); !slices.Equal(got, []string{SnoozeID(s.ID)}) {
		t.Fatalf("cancelled %v, want the snoozed copy", got)
	}
	if f.shouldDeliver(t, SnoozeID(s.ID)) {
		t.Fatal("the old snoozed copy is to be delivered beside the new version")
	}

	if err := f.book.Answer(t.Context(), s.ID, ActionSnooze, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := f.book.Withdraw(t.Context(), s.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.out.Cancelled(); len(got) != 2 || got[1] != SnoozeID(s.ID) {
		t.Fatalf("cancelled %v, want the snoozed copy again", got)
	}
	rec, _ := f.book.Get(t.Context(), s.ID)
	if rec.Status != event.StatusWithdrawn || !rec.Until.IsZero() {
		t.Fatalf("record = %+v", rec)
	}
}

func TestSnoozeID(t *testing.T) {
	id := event.ID("a", "b")
	c := SnoozeID(id)
	if c == id || strings.ContainsAny(c, ". *>") {
		t.Fatalf("SnoozeID(%s) = %q: not a distinct single subject token", id, c)
	}
	if SnoozeID(c) != c {
		t.Fatal("snoozing a copy makes a copy of the copy")
	}
	if o, ok := Original(c); !ok || o != id {
		t.Fatalf("Original(%s) = %s, %v", c, o, ok)
	}
	if o, ok := Original(id); ok || o != id {
		t.Fatalf("Original(%s) = %s, %v; want itself, false", id, o, ok)
	}
}

func TestList(t *testing.T) {
	f := newFixture()
	mk := func(name, prio string, due time.Time, created time.Duration) event.Suggestion {
		s := sugg(name, due)
		s.Priority = prio
		f.clock.now = t0.Add(created)
		f.offer(t, s)
		return s
	}
	low := mk("low", event.PriorityLow, time.Time{}, 0)
	highLate := mk("high-late", event.PriorityHigh, time.Time{}, 2*time.Minute)
	high := mk("high", event.PriorityHigh, time.Time{}, time.Minute)
	dueLate := mk("due-late", event.PriorityLow, t0.Add(3*time.Hour), 0)
	dueSoon := mk("due-soon", event.PriorityLow, t0.Add(time.Hour), 0)
	snoozed := mk("snoozed", event.PriorityLow, time.Time{}, 0)
	dismissed := mk("dismissed", event.PriorityUrgent, time.Time{}, 0)
	withdrawn := mk("withdrawn", event.PriorityUrgent, time.Time{}, 0)
	expired := mk("expired", event.PriorityUrgent, time.Time{}, 0)
	f.clock.now = t0.Add(10 * time.Minute)
	gone := sugg("gone", time.Time{})
	gone.Expires = f.clock.now
	f.offer(t, gone) // pending, but its moment is over

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.book.Answer(t.Context(), snoozed.ID, ActionSnooze, t0.Add(2*time.Hour)))
	must(f.book.Answer(t.Context(), dismissed.ID, ActionDismiss, time.Time{}))
	must(f.book.Withdraw(t.Context(), withdrawn.ID))
	must(f.book.Delivered(t.Context(), expired, event.StatusExpired))

	list := func(flt Filter) []string {
		t.Helper()
		recs, err := f.book.List(t.Context(), flt)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, r.Suggestion.Title)
		}
		return out
	}
	open := []string{dueSoon.Title, snoozed.Title, dueLate.Title, high.Title, highLate.Title, low.Title}
	if got := list(Filter{}); !slices.Equal(got, open) {
		t.Errorf("open list = %v\nwant %v", got, open)
	}
	if got := list(Filter{All: true}); len(got) != 10 {
		t.Errorf("all = %v, want 10", got)
	}
	want := []string{dismissed.Title, withdrawn.Title}
	got := list(Filter{Statuses: []string{event.StatusDismissed, event.StatusWithdrawn}})
	if slices.Sort(got); !slices.Equal(got, want) {
		t.Errorf("by status = %v, want %v", got, want)
	}
}

// TestRecordJSONCompatible: records written before this package (suggestion,
// status, updated) load, and new ones keep those fields and no zero times.
func TestRecordJSONCompatible(t *testing.T) {
	f := newFixture()
	s := suggestion("old")
	old, err := json.Marshal(map[string]any{"suggestion": s, "status": event.StatusDelivered, "updated": t0.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Put(t.Context(), s.ID, old); err != nil {
		t.Fatal(err)
	}
	rec, err := f.book.Get(t.Context(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != event.StatusDelivered || !rec.Updated.Equal(t0.Add(time.Minute)) || !rec.Created.Equal(s.Created) || rec.Suggestion.Title != s.Title {
		t.Fatalf("old record loaded as %+v", rec)
	}
	if f.offer(t, s) {
		t.Fatal("a suggestion recorded by the old code was made again")
	}

	n := suggestion("new")
	f.offer(t, n)
	raw, err := f.store.Get(t.Context(), n.ID)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"suggestion", "status", "updated", "created"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("new record has no %q: %s", k, raw)
		}
	}
	if strings.Contains(string(raw), "0001-01-01") || strings.Contains(string(raw), `"until"`) {
		t.Errorf("new record has a zero time: %s", raw)
	}
}

func TestParseUntil(t *testing.T) {
	zone := time.FixedZone("UTC-3:30", -(3*3600 + 1800))
	now := time.Date(2026, 12, 31, 23, 30, 0, 0, zone)
	tests := map[string]time.Time{
		"1h":        now.Add(time.Hour),
		" 90m ":     now.Add(90 * time.Minute),
		"tomorrow":  time.Date(2027, 1, 1, MorningHour, 0, 0, 0, zone),
		"Tomorrow":  time.Date(2027, 1, 1, MorningHour, 0, 0, 0, zone),
		"":          {},
		"-1h":       {},
		"0s":        {},
		"next week": {},
	}
	for in, want := range tests {
		got, err := ParseUntil(in, now)
		if want.IsZero() {
			if err == nil {
				t.Errorf("ParseUntil(%q) = %s, want an error", in, got)
			}
			continue
		}
		if err != nil || !got.Equal(want) || got.Location() != zone {
			t.Errorf("ParseUntil(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
}

// TestSnoozeBeforeDue: a reminder snoozed before it fired (from the CLI)
// fires once, at the end of the snooze.
func TestSnoozeBeforeDue(t *testing.T) {
	f := newFixture()
	r := sugg("r", t0.Add(time.Hour))
	f.offer(t, r)
	until := t0.Add(3 * time.Hour)
	if err := f.book.Answer(t.Context(), r.ID, ActionSnooze, until); err != nil {
		t.Fatal(err)
	}
	if got := f.out.Cancelled(); !slices.Equal(got, []string{r.ID}) {
		t.Fatalf("cancelled %v, want the reminder", got)
	}
	if f.shouldDeliver(t, r.ID) || !f.shouldDeliver(t, SnoozeID(r.ID)) {
		t.Fatal("want the copy delivered, not the original")
	}
}
