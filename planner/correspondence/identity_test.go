package correspondence

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
)

// inMailbox is ev as the watcher publishes the same mail found in another
// mailbox.
func inMailbox(t *testing.T, ev event.Event, mailbox string) event.Event {
	t.Helper()
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		t.Fatal(err)
	}
	m.Mailbox = mailbox
	out, err := event.New(ev.Source, ev.Type, "msgid:"+m.MessageID+"#"+m.Digest(), ev.Subject, ev.Time, ev.Seen.Add(time.Hour), m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDifferentMailsShareAMessageID: different mails that shared a
// Message-ID were merged into one (a forged Message-ID hid a mail). Now
// each gets its own suggestion, the first one stands, and the same mail
// found again in another folder is still one.
func TestDifferentMailsShareAMessageID(t *testing.T) {
	var clock time.Time
	store := state.NewMemory()
	p := testPlanner(t, store, &clock)
	ctx := context.Background()
	ids := map[string]bool{}
	collect := func(res planner.Result) {
		for _, s := range res.Suggestions {
			ids[s.ID] = true
		}
	}

	genuine := spec{id: "q@example.com", from: alice, to: []string{adaTo}, subject: "Q3 figures", lang: "en",
		text: "Hi Ada,\n\nCould you send me the Q3 figures?\n\nThanks,\nAlice"}
	res := handle(t, p, &clock, genuine, time.Minute)
	first := byRule(res.Suggestions, "mail-awaiting-my-reply")
	if len(first) != 1 {
		t.Fatalf("genuine mail: %+v, want one mail-awaiting-my-reply", res.Suggestions)
	}
	collect(res)

	forged := spec{id: "q@example.com", from: bob, to: []string{adaTo}, subject: "Your account", lang: "en",
		at: time.Hour, text: "Hello Ada,\n\nCan you confirm your password by replying today?\n\nBob"}
	res = handle(t, p, &clock, forged, time.Minute)
	second := byRule(res.Suggestions, "mail-awaiting-my-reply")
	if len(second) != 1 || second[0].ID == first[0].ID {
		t.Fatalf("a different mail with the same Message-ID: %+v, want a suggestion of its own (not %s)", res.Suggestions, first[0].ID)
	}
	if slices.Contains(res.Withdraw, first[0].ID) {
		t.Errorf("the second mail withdrew the first one's suggestion %s", first[0].ID)
	}
	collect(res)

	// The genuine mail again, from the Archive folder: the same mail.
	ev := inMailbox(t, mailEvent(t, genuine), "Archive")
	clock = ev.Seen
	res, err := p.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(res.Withdraw, first[0].ID) || slices.Contains(res.Withdraw, second[0].ID) {
		t.Errorf("the copy in Archive withdrew %q", res.Withdraw)
	}
	collect(res)
	if len(ids) != 2 {
		t.Errorf("%d distinct suggestions, want 2 (one per mail): %v", len(ids), ids)
	}

	// A reply to the Message-ID belongs to the genuine mail's thread.
	reply := spec{sent: true, id: "a@example.org", inReplyTo: "q@example.com", from: adaTo, to: []string{alice},
		subject: "Re: Q3 figures", lang: "en", at: 2 * time.Hour, text: "Here they are."}
	res = handle(t, p, &clock, reply, time.Minute)
	if !slices.Contains(res.Withdraw, first[0].ID) {
		t.Errorf("the reply withdrew %q, want the genuine mail's %s", res.Withdraw, first[0].ID)
	}
	if slices.Contains(res.Withdraw, second[0].ID) {
		t.Errorf("the reply to the genuine mail withdrew the other mail's suggestion %s", second[0].ID)
	}
}
