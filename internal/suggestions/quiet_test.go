package suggestions

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
)

// offerDismiss offers a fresh suggestion of rule and dismisses it.
func (f fixture) offerDismiss(t *testing.T, rule string, n int) {
	t.Helper()
	for i := range n {
		s := suggestion(fmt.Sprintf("%s-dismissed-%d-%d", rule, i, f.clock.Now().Unix()))
		s.Rule = rule
		f.offer(t, s)
		if err := f.book.Answer(t.Context(), s.ID, ActionDismiss, time.Time{}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
	}
}

func (f fixture) record(t *testing.T, id string) Record {
	t.Helper()
	rec, err := f.book.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestQuieter(t *testing.T) {
	f := newFixture()
	ctx := t.Context()
	high := func(name string) event.Suggestion {
		s := suggestion(name)
		s.Rule, s.Priority, s.Why = "follow-up", event.PriorityHigh, "you asked and got no answer"
		return s
	}

	// Two dismissals: nothing changes yet.
	f.offerDismiss(t, "follow-up", 2)
	s := high("third")
	f.offer(t, s)
	if rec := f.record(t, s.ID); rec.Suggestion.Priority != event.PriorityHigh || rec.Quieter != nil {
		t.Fatalf("after 2 dismissals: %+v, want it unchanged", rec)
	}

	// Three: one priority lower, and the why says so.
	f.offerDismiss(t, "follow-up", 1)
	if n, err := f.book.Dismissals(ctx, "follow-up"); err != nil || n != 3 {
		t.Fatalf("Dismissals = %d, %v; want 3", n, err)
	}
	s = high("fourth")
	if !f.offer(t, s) {
		t.Fatal("not offered")
	}
	rec := f.record(t, s.ID)
	want := "you asked and got no answer (quieter: you dismissed 3 of these lately)"
	if rec.Suggestion.Priority != event.PriorityNormal || rec.Suggestion.Why != want || rec.Suggestion.Quiet ||
		rec.Quieter == nil || rec.Quieter.Dismissed != 3 || rec.Quieter.Priority != event.PriorityHigh {
		t.Fatalf("after 3 dismissals: %+v (quieter %+v); want normal, why %q", rec.Suggestion, rec.Quieter, want)
	}
	pub := f.out.Published()
	if last := pub[len(pub)-1]; last.ID != s.ID || last.Priority != event.PriorityNormal || last.Why != want {
		t.Errorf("published %+v, want the quieter version", last)
	}
	// The same suggestion again is not made twice, though the rule's own
	// priority is still high.
	if f.offer(t, high("fourth")) {
		t.Error("the same quieter suggestion was offered again")
	}
	// Other rules are not affected.
	other := high("other")
	other.Rule = "birthday"
	f.offer(t, other)
	if rec := f.record(t, other.ID); rec.Suggestion.Priority != event.PriorityHigh {
		t.Errorf("another rule's suggestion: %s, want high", rec.Suggestion.Priority)
	}

	// Six: digest only.
	f.offerDismiss(t, "follow-up", 3)
	s = high("seventh")
	f.offer(t, s)
	rec = f.record(t, s.ID)
	if !rec.Suggestion.Quiet || rec.Suggestion.Priority != event.PriorityLow ||
		!strings.HasSuffix(rec.Suggestion.Why, "(quieter, digest only: you dismissed 6 of these lately)") {
		t.Fatalf("after 6 dismissals: %+v, want low, quiet, digest only in its why", rec.Suggestion)
	}
	// Still listed (for the digest and agentd suggestions).
	recs, err := f.book.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var listed bool
	for _, r := range recs {
		listed = listed || r.Suggestion.ID == s.ID
		if r.Suggestion.ID == "" {
			t.Errorf("List returned a record without id (a dismissal log?): %+v", r)
		}
	}
	if !listed {
		t.Error("the digest-only suggestion is not listed")
	}

	// Dismissals older than the window do not count.
	f.clock.Advance(QuietWindow)
	if n, _ := f.book.Dismissals(ctx, "follow-up"); n != 0 {
		t.Errorf("after %v: %d dismissals count, want 0", QuietWindow, n)
	}
	s = high("much later")
	f.offer(t, s)
	if rec := f.record(t, s.ID); rec.Suggestion.Priority != event.PriorityHigh || rec.Quieter != nil {
		t.Errorf("after the window: %+v, want it loud again", rec.Suggestion)
	}
}

func TestQuieterResetByDone(t *testing.T) {
	f := newFixture()
	f.offerDismiss(t, "test", 4)
	s := suggestion("useful")
	f.offer(t, s)
	if err := f.book.Answer(t.Context(), s.ID, ActionDone, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.book.Dismissals(t.Context(), "test"); n != 0 {
		t.Errorf("after done: %d dismissals, want 0", n)
	}
	// Dismissing an already dismissed suggestion does not count twice.
	f.offerDismiss(t, "test", 1)
	recs, _ := f.book.List(t.Context(), Filter{Statuses: []string{event.StatusDismissed}})
	if err := f.book.Answer(t.Context(), recs[len(recs)-1].Suggestion.ID, ActionDismiss, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.book.Dismissals(t.Context(), "test"); n != 1 {
		t.Errorf("dismissed twice: %d dismissals, want 1", n)
	}
}

func TestRemindersNotQuieted(t *testing.T) {
	f := newFixture()
	for i := range 4 {
		r := sugg(fmt.Sprintf("meeting %d", i), t0.Add(time.Duration(i+1)*time.Hour))
		f.offer(t, r)
		if err := f.book.Answer(t.Context(), r.ID, ActionDismiss, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := f.book.Dismissals(t.Context(), "test"); n != 0 {
		t.Errorf("dismissed reminders counted: %d", n)
	}
}

// TestQuieterOfferedAgain: offering the stored, quieter version again
// with a new title (as the model's judgement does) does not lower it a
// second time; a new priority from the caller is lowered once.
func TestQuieterOfferedAgain(t *testing.T) {
	f := newFixture()
	f.offerDismiss(t, "test", QuieterAfter)
	s := suggestion("judged")
	s.Priority = event.PriorityHigh
	f.offer(t, s)
	stored := f.record(t, s.ID).Suggestion
	if stored.Priority != event.PriorityNormal {
		t.Fatalf("stored %s, want normal", stored.Priority)
	}
	stored.Title = "Judged, with a better title"
	if !f.offer(t, stored) {
		t.Fatal("new title not offered")
	}
	rec := f.record(t, s.ID)
	if rec.Suggestion.Priority != event.PriorityNormal || strings.Count(rec.Suggestion.Why, "quieter") != 1 {
		t.Errorf("offered again: priority %s, why %q; want normal, one note", rec.Suggestion.Priority, rec.Suggestion.Why)
	}
	again := rec.Suggestion
	again.Priority = event.PriorityUrgent
	f.offer(t, again)
	if got := f.record(t, s.ID).Suggestion.Priority; got != event.PriorityHigh {
		t.Errorf("offered as urgent: %s, want high (one lower)", got)
	}
}

// TestDropDoesNotCount: the model dropping a suggestion is no dismissal
// by the user.
func TestDropDoesNotCount(t *testing.T) {
	f := newFixture()
	for i := range 4 {
		s := suggestion(fmt.Sprintf("dropped %d", i))
		f.offer(t, s)
		if err := f.book.Drop(t.Context(), s.ID); err != nil {
			t.Fatal(err)
		}
		if st := f.status(t, s.ID); st != event.StatusDismissed {
			t.Fatalf("dropped: status %s", st)
		}
	}
	if n, _ := f.book.Dismissals(t.Context(), "test"); n != 0 {
		t.Errorf("drops counted as %d dismissals", n)
	}
}

// TestQuietSnoozedComesBack: a digest-only suggestion the user snoozes
// comes back on every channel.
func TestQuietSnoozedComesBack(t *testing.T) {
	f := newFixture()
	f.offerDismiss(t, "test", DigestOnlyAfter)
	s := suggestion("quiet")
	f.offer(t, s)
	if !f.record(t, s.ID).Suggestion.Quiet {
		t.Fatal("not digest only")
	}
	until := f.clock.Now().Add(time.Hour)
	if err := f.book.Answer(t.Context(), s.ID, ActionSnooze, until); err != nil {
		t.Fatal(err)
	}
	sch := f.out.Scheduled()
	if last := sch[len(sch)-1]; last.ID != SnoozeID(s.ID) || last.Quiet {
		t.Errorf("snoozed copy %s quiet %v, want it pushed", last.ID, last.Quiet)
	}
}
