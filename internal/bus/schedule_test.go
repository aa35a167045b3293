package bus

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
)

// fired is one reminder as it arrived on agentd.due.<id>.
type fired struct {
	id   string
	at   time.Time
	s    event.Suggestion
	hdrs map[string]string
}

// dueLog records what fires on agentd.due.>, through the package's own
// durable consumer.
type dueLog struct {
	mu  sync.Mutex
	all []fired
	ch  chan fired
}

func consumeDue(t *testing.T, ctx context.Context, b *Bus) *dueLog {
	t.Helper()
	l := &dueLog{ch: make(chan fired, 100)}
	stop, err := b.Consume(ctx, StreamSchedule, "test-due", []string{SubjectDue + ">"}, func(ctx context.Context, m Message) error {
		f := fired{id: DueSubjectID(m.Subject), at: time.Now(), hdrs: map[string]string{}}
		for k := range m.Header {
			f.hdrs[k] = m.HeaderValue(k)
		}
		if err := json.Unmarshal(m.Data, &f.s); err != nil {
			t.Errorf("due %s: decode: %v", m.Subject, err)
		}
		l.mu.Lock()
		l.all = append(l.all, f)
		l.mu.Unlock()
		l.ch <- f
		return nil
	})
	if err != nil {
		t.Fatalf("consume due reminders: %v", err)
	}
	t.Cleanup(stop)
	return l
}

// wait returns the next reminder that fires, failing the test at ctx's end.
func (l *dueLog) wait(t *testing.T, ctx context.Context) fired {
	t.Helper()
	select {
	case f := <-l.ch:
		return f
	case <-ctx.Done():
		t.Fatalf("no reminder fired: %v", ctx.Err())
		return fired{}
	}
}

// until collects what fires until deadline (wall clock).
func (l *dueLog) until(deadline time.Time) map[string][]fired {
	time.Sleep(time.Until(deadline))
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string][]fired{}
	for _, f := range l.all {
		out[f.id] = append(out[f.id], f)
	}
	return out
}

func reminder(id string, due, now time.Time) event.Suggestion {
	return event.Suggestion{
		SpecVersion: event.SpecVersion,
		ID:          id,
		Kind:        event.KindReminder,
		Title:       "Reply to Anna about the offsite",
		Priority:    event.PriorityHigh,
		Due:         due,
		Created:     now,
		About:       []event.About{{Source: "mail:work", Type: event.TypeMailReceived, Ref: "<1@example.org>"}},
		Rule:        "awaiting-my-reply",
		Why:         "Anna wrote 3 days ago and you have not answered",
	}
}

func TestReminderSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	dir := t.TempDir()

	b1 := openEmbedded(t, ctx, dir)
	st, err := b1.Store(ctx, BucketWatchers)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, "https://x/y?z", []byte("cursor-42")); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	r := reminder("r-restart", now.Add(2500*time.Millisecond), now)
	if err := b1.ScheduleReminder(ctx, r, now); err != nil {
		t.Fatalf("ScheduleReminder: %v", err)
	}
	if err := b1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	b2 := openEmbedded(t, ctx, dir)
	st2, err := b2.Store(ctx, BucketWatchers)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := st2.Get(ctx, "https://x/y?z"); err != nil || string(v) != "cursor-42" {
		t.Errorf("KV after restart = %q, %v; want cursor-42", v, err)
	}
	due := consumeDue(t, ctx, b2)
	f := due.wait(t, ctx)
	if f.id != r.ID {
		t.Fatalf("fired %q, want %q", f.id, r.ID)
	}
	if f.at.Before(r.Due) {
		t.Errorf("fired at %s, before it was due at %s", f.at.Format(time.RFC3339Nano), r.Due.Format(time.RFC3339Nano))
	}
	if f.s.Title != r.Title || !f.s.Due.Equal(r.Due) || f.s.Why != r.Why || len(f.s.About) != 1 {
		t.Errorf("fired payload = %+v, want %+v", f.s, r)
	}
	// What the server adds to a fired schedule (see the package doc).
	wantHdrs := map[string]string{
		"Nats-Scheduler":     ScheduleSubject(r.ID),
		"Nats-Schedule-Next": "purge",
		"Nats-TTL":           dueRetention.String(),
	}
	for k, v := range wantHdrs {
		if f.hdrs[k] != v {
			t.Errorf("fired header %s = %q, want %q (all: %v)", k, f.hdrs[k], v, f.hdrs)
		}
	}
	if _, ok := f.hdrs["Nats-Schedule"]; ok {
		t.Errorf("fired message still carries Nats-Schedule: %v", f.hdrs)
	}

	got := due.until(time.Now().Add(1500 * time.Millisecond))
	if n := len(got[r.ID]); n != 1 {
		t.Errorf("reminder fired %d times, want once", n)
	}
	if n := streamMsgs(t, ctx, b2, StreamSchedule, ScheduleSubject(r.ID)); n != 0 {
		t.Errorf("%d schedule messages left after firing, want 0", n)
	}
}

func TestReminderMoveCancelAndPast(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())
	due := consumeDue(t, ctx, b)

	t0 := time.Now()
	first, moved := t0.Add(2*time.Second), t0.Add(4*time.Second)
	schedule := func(id string, at time.Time) {
		t.Helper()
		if err := b.ScheduleReminder(ctx, reminder(id, at, t0), t0); err != nil {
			t.Fatalf("ScheduleReminder(%s at %s): %v", id, at.Format(time.RFC3339Nano), err)
		}
	}
	// moved: scheduled, then moved later.
	schedule("moved", first)
	schedule("moved", moved)
	// cancelled: scheduled, then cancelled.
	schedule("cancelled", first)
	if err := b.CancelReminder(ctx, "cancelled"); err != nil {
		t.Fatalf("CancelReminder: %v", err)
	}
	if err := b.CancelReminder(ctx, "never-scheduled"); err != nil {
		t.Errorf("CancelReminder of an unknown id: %v", err)
	}
	// pulled-in: scheduled, then moved into the past: it fires now, once.
	schedule("pulled-in", first)
	schedule("pulled-in", t0.Add(-time.Minute))
	schedule("pulled-in", t0.Add(-time.Minute)) // a retry of the same call
	// overdue: due before now, delivered at once.
	schedule("overdue", t0.Add(-time.Hour))
	schedule("due-now", t0)

	for _, id := range []string{"pulled-in", "overdue", "due-now"} {
		if n := streamMsgs(t, ctx, b, StreamSchedule, DueSubject(id)); n != 1 {
			t.Errorf("%s: %d messages on %s right after ScheduleReminder, want 1", id, n, DueSubject(id))
		}
	}
	if n := streamMsgs(t, ctx, b, StreamSchedule, ScheduleSubject("moved")); n != 1 {
		t.Errorf("moved: %d pending schedules, want 1", n)
	}

	got := due.until(moved.Add(2 * time.Second))
	wantCount := map[string]int{"moved": 1, "cancelled": 0, "pulled-in": 1, "overdue": 1, "due-now": 1}
	for id, want := range wantCount {
		if n := len(got[id]); n != want {
			t.Errorf("%s fired %d times, want %d", id, n, want)
		}
	}
	if fs := got["moved"]; len(fs) == 1 {
		if fs[0].at.Before(moved) {
			t.Errorf("moved reminder fired at %s, before its new time %s", fs[0].at.Format(time.RFC3339Nano), moved.Format(time.RFC3339Nano))
		}
		if !fs[0].s.Due.Equal(moved) {
			t.Errorf("moved reminder carries due %s, want %s", fs[0].s.Due, moved)
		}
	}
	if fs := got["pulled-in"]; len(fs) == 1 && !fs[0].s.Due.Equal(t0.Add(-time.Minute)) {
		t.Errorf("pulled-in reminder carries due %s, want %s", fs[0].s.Due, t0.Add(-time.Minute))
	}
	for id := range wantCount {
		if n := streamMsgs(t, ctx, b, StreamSchedule, ScheduleSubject(id)); n != 0 {
			t.Errorf("%s: %d schedule messages left, want 0", id, n)
		}
	}
}
