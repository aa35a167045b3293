package correspondence

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// threadOf returns the thread id of the last mail.
func threadOf(t *testing.T, e *Enricher, mails []spec, now time.Time) string {
	t.Helper()
	units, _ := enrichAll(t, e, mails, now)
	for _, u := range units {
		if u.Facts["unit"] == UnitMessage {
			return u.Facts["thread_id"].(string)
		}
	}
	t.Fatal("no message unit")
	return ""
}

func TestThreading(t *testing.T) {
	orig := spec{id: "root@example.com", from: alice, to: []string{adaTo}, subject: "Budget 2027", lang: "en",
		text: "Can you check the budget?"}
	tests := map[string]struct {
		mails []spec
		same  bool // the last mail joins the first one's thread
	}{
		"by In-Reply-To": {mails: []spec{orig,
			{sent: true, id: "r1@example.org", inReplyTo: "root@example.com", from: adaTo, to: []string{alice},
				subject: "Re: Budget 2027", at: time.Hour}}, same: true},
		"by References only": {mails: []spec{orig,
			{id: "r2@example.com", references: []string{"root@example.com", "lost@example.org"}, from: bob,
				to: []string{adaTo}, subject: "Re: Budget 2027", at: time.Hour}}, same: true},
		"subject fallback: a reply without headers": {mails: []spec{orig,
			{sent: true, id: "r3@example.org", from: adaTo, to: []string{alice}, subject: "RE: budget 2027",
				at: time.Hour}}, same: true},
		"subject fallback: a German reply": {mails: []spec{orig,
			{id: "r4@example.com", from: alice, to: []string{adaTo}, subject: "AW: Budget 2027", at: time.Hour}}, same: true},
		"same subject, other people": {mails: []spec{orig,
			{id: "r5@example.com", from: bob, to: []string{adaTo}, subject: "Re: Budget 2027", at: time.Hour}}},
		"same subject, no reply marker": {mails: []spec{orig,
			{id: "r6@example.com", from: alice, to: []string{adaTo}, subject: "Budget 2027", at: time.Hour}}},
		"reply first, then the original": {mails: []spec{
			{id: "r7@example.com", inReplyTo: "root@example.com", references: []string{"root@example.com"}, from: bob,
				to: []string{adaTo}, cc: []string{alice}, subject: "Re: Budget 2027", at: time.Hour},
			orig}, same: true},
		"two replies to an original never seen": {mails: []spec{
			{id: "r8@example.com", inReplyTo: "unseen@example.com", references: []string{"unseen@example.com"},
				from: bob, to: []string{adaTo}, subject: "Re: Plans"},
			{id: "r9@example.com", inReplyTo: "unseen@example.com", references: []string{"unseen@example.com"},
				from: alice, to: []string{adaTo}, subject: "Re: Plans", at: time.Hour}}, same: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnricher(t, state.NewMemory())
			now := base(t).Add(24 * time.Hour)
			first := threadOf(t, e, tc.mails[:1], now)
			last := threadOf(t, e, tc.mails[1:], now)
			if (first == last) != tc.same {
				t.Errorf("threads %s and %s: same = %v, want %v", first, last, first == last, tc.same)
			}
		})
	}
}

// TestThreadRestart: a new enricher on the same store continues the
// thread, so an answer given after a restart withdraws the nudge.
func TestThreadRestart(t *testing.T) {
	store := state.NewMemory()
	now := base(t).Add(24 * time.Hour)
	q := spec{id: "q@example.com", from: alice, to: []string{adaTo}, subject: "Keys", lang: "en",
		text: "Could you leave the keys at the desk?"}
	units, _ := enrichAll(t, newEnricher(t, store), []spec{q}, now)
	if n := len(byKind(units)[UnitAwaitingMyReply]); n != 1 {
		t.Fatalf("before restart: %d awaiting units, want 1", n)
	}
	reply := spec{sent: true, id: "a@example.org", inReplyTo: "q@example.com", from: adaTo, to: []string{alice},
		subject: "Re: Keys", lang: "en", at: time.Hour, text: "Done."}
	units, scopes := enrichAll(t, newEnricher(t, store), []spec{reply}, now)
	if n := len(byKind(units)[UnitAwaitingMyReply]); n != 0 {
		t.Errorf("after restart and answer: %d awaiting units, want 0", n)
	}
	if !strings.HasPrefix(scopes[0], "mail.thread.") {
		t.Errorf("scopes = %q", scopes)
	}
}

// TestThreadBounds: a long thread keeps its latest messages only, and an
// old thread is forgotten with its index keys.
func TestThreadBounds(t *testing.T) {
	ctx := context.Background()
	store := state.NewMemory()
	e := newEnricher(t, store)
	var mails []spec
	for i := range 30 {
		s := spec{id: fmt.Sprintf("m%d@example.com", i), from: alice, to: []string{adaTo}, subject: "Re: Long thread",
			at: time.Duration(i) * time.Hour}
		if i > 0 {
			s.inReplyTo = fmt.Sprintf("m%d@example.com", i-1)
			s.references = []string{"m0@example.com", s.inReplyTo}
		}
		mails = append(mails, s)
	}
	now := base(t).Add(31 * time.Hour)
	tid := threadOf(t, e, mails, now)
	th, err := e.loadThread(ctx, tid, now)
	if err != nil || th == nil {
		t.Fatalf("load thread: %v %v", th, err)
	}
	if len(th.Messages) != maxMessages || th.Messages[len(th.Messages)-1].MessageID != "m29@example.com" {
		t.Errorf("%d messages, last %q: want the latest %d", len(th.Messages), th.Messages[len(th.Messages)-1].MessageID, maxMessages)
	}

	// 100 days later a reply to the root starts afresh, and the sweep
	// dropped every key of the old thread.
	later := now.Add(100 * 24 * time.Hour)
	late := spec{id: "late@example.com", inReplyTo: "m0@example.com", references: []string{"m0@example.com"},
		from: alice, to: []string{adaTo}, subject: "Re: Long thread", at: 100 * 24 * time.Hour}
	_ = threadOf(t, e, []spec{late}, later)
	th, err = e.loadThread(ctx, tid, later)
	if err != nil {
		t.Fatal(err)
	}
	if th == nil || len(th.Messages) != 1 {
		t.Fatalf("after 100 days: thread %+v, want a new thread with one message", th)
	}
	keys, err := store.Keys(ctx, keyID)
	if err != nil {
		t.Fatal(err)
	}
	// The new thread: late's own id and m0.
	if len(keys) != 2 {
		t.Errorf("%d index keys after the old thread was forgotten, want 2", len(keys))
	}
}

func TestRemindAt(t *testing.T) {
	loc := paris(t)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := map[string]struct {
		deadline, written string
		allDay            bool
		want              string // empty: none
	}{
		"days away: the day before at 9": {"2026-06-12 18:00", "2026-06-09 10:00", true, "2026-06-11 09:00"},
		"tomorrow: that morning":         {"2026-06-10 18:00", "2026-06-09 10:00", true, "2026-06-10 09:00"},
		"tomorrow 9am: two hours before": {"2026-06-10 09:00", "2026-06-09 10:00", false, "2026-06-10 07:00"},
		"today 17:00: two hours before":  {"2026-06-09 17:00", "2026-06-09 10:00", false, "2026-06-09 15:00"},
		"today, all day: nothing left":   {"2026-06-09 18:00", "2026-06-09 10:00", true, ""},
		"in an hour: nothing left":       {"2026-06-09 11:00", "2026-06-09 10:00", false, ""},
		"two days, early morning":        {"2026-06-11 08:00", "2026-06-09 10:00", false, "2026-06-10 09:00"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := remindAt(at(tc.deadline), tc.allDay, at(tc.written), loc)
			switch {
			case tc.want == "" && ok:
				t.Errorf("remindAt = %s, want none", got)
			case tc.want != "" && (!ok || !got.Equal(at(tc.want))):
				t.Errorf("remindAt = %s %v, want %s", got, ok, tc.want)
			}
		})
	}
}
