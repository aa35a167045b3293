package correspondence

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/rules"
)

// testPlanner is a real planner with the built-in rules and this enricher,
// on store, reading the time from *clock.
func testPlanner(t testing.TB, store state.Store, clock *time.Time) *planner.Planner {
	t.Helper()
	builtin, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Compile(rules.Merge(builtin, nil))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	e := New(Config{Me: me, Location: paris(t), FollowUpAfter: 72 * time.Hour}, store, logger)
	return planner.New(planner.Config{Location: paris(t), UserEmail: me[0]}, set, logger,
		planner.WithStore(store),
		planner.WithEnricher(e, event.TypeMailReceived, event.TypeMailSent),
		planner.WithClock(func() time.Time { return *clock }))
}

// handle plans s as of its date plus d.
func handle(t testing.TB, p *planner.Planner, clock *time.Time, s spec, d time.Duration) planner.Result {
	t.Helper()
	ev := mailEvent(t, s)
	*clock = ev.Time.Add(d)
	res, err := p.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("handle %s: %v", s.id, err)
	}
	return res
}

func byRule(sugs []event.Suggestion, rule string) []event.Suggestion {
	var out []event.Suggestion
	for _, s := range sugs {
		if s.Rule == rule {
			out = append(out, s)
		}
	}
	return out
}

func TestPlanAwaitingMyReplyWithdrawnWhenAnswered(t *testing.T) {
	var clock time.Time
	p := testPlanner(t, state.NewMemory(), &clock)
	q := spec{id: "q@example.com", from: alice, to: []string{adaTo}, subject: "Re: Q3 figures", lang: "en",
		text: "Hi Ada,\n\nCould you send me the Q3 figures?\n\nThanks,\nAlice"}
	res := handle(t, p, &clock, q, time.Minute)
	asks := byRule(res.Suggestions, "mail-awaiting-my-reply")
	if len(asks) != 1 || len(res.Suggestions) != 1 {
		t.Fatalf("suggestions %+v, want one mail-awaiting-my-reply", res.Suggestions)
	}
	s := asks[0]
	if s.Title != "Reply to Alice Martin: Q3 figures" {
		t.Errorf("title = %q", s.Title)
	}
	if want := `Alice Martin asked you a question ("Could you send me the Q3 figures?")`; s.Why != want {
		t.Errorf("why = %q, want %q", s.Why, want)
	}
	if s.Kind != event.KindSuggestion || s.About[0].Ref != "q@example.com" {
		t.Errorf("kind %s about %+v", s.Kind, s.About)
	}

	// Alice asks again three days later: the same nudge (same id), now
	// saying how long she has waited.
	again := spec{id: "q2@example.com", inReplyTo: "q@example.com", from: alice, to: []string{adaTo},
		subject: "Re: Q3 figures", lang: "en", at: 72 * time.Hour, text: "Any news? Can you send them today?"}
	res = handle(t, p, &clock, again, time.Minute)
	if asks := byRule(res.Suggestions, "mail-awaiting-my-reply"); len(asks) != 1 || asks[0].ID != s.ID ||
		!strings.Contains(asks[0].Why, "3d ago") {
		t.Errorf("after a second question: %+v, want the same suggestion %s saying 3d ago", asks, s.ID)
	}
	if len(res.Withdraw) != 0 {
		t.Errorf("withdrawn %q, want nothing", res.Withdraw)
	}

	answer := spec{sent: true, id: "a@example.org", inReplyTo: "q2@example.com",
		references: []string{"q@example.com", "q2@example.com"}, from: adaTo, to: []string{alice},
		subject: "Re: Q3 figures", lang: "en", at: 73 * time.Hour, text: "Here they are.\n\n> Any news?"}
	res = handle(t, p, &clock, answer, time.Minute)
	if !slices.Contains(res.Withdraw, s.ID) {
		t.Errorf("after the answer: withdrawn %q, want %s", res.Withdraw, s.ID)
	}
	if len(res.Suggestions) != 0 {
		t.Errorf("after the answer: %+v, want nothing new", res.Suggestions)
	}
}

func TestPlanFollowUpWithdrawnWhenTheyReply(t *testing.T) {
	var clock time.Time
	p := testPlanner(t, state.NewMemory(), &clock)
	ask := spec{sent: true, id: "ask@example.org", from: adaTo, to: []string{bob}, subject: "Contract", lang: "en",
		text: "Hi Bob,\n\ncould you sign the contract?\n\nAda"}
	res := handle(t, p, &clock, ask, time.Minute)
	fu := byRule(res.Suggestions, "mail-follow-up")
	if len(fu) != 1 || len(res.Suggestions) != 1 {
		t.Fatalf("suggestions %+v, want one mail-follow-up", res.Suggestions)
	}
	r := fu[0]
	if r.Kind != event.KindReminder || !r.Due.Equal(base(t).Add(72*time.Hour)) {
		t.Errorf("kind %s due %s, want a reminder 3 days after the mail", r.Kind, r.Due)
	}
	if r.Title != "Follow up with Bob Stone: Contract" {
		t.Errorf("title = %q", r.Title)
	}
	if want := `you asked Bob Stone on Tue 9 Jun ("could you sign the contract?") and no answer came in 3d`; r.Why != want {
		t.Errorf("why = %q, want %q", r.Why, want)
	}

	// An out-of-office answer changes nothing.
	ooo := spec{id: "ooo@example.net", inReplyTo: "ask@example.org", from: bob, to: []string{adaTo},
		subject: "Automatic reply: Contract", lang: "en", at: time.Minute, automated: "Auto-Submitted: auto-replied",
		text: "I am away until Monday."}
	res = handle(t, p, &clock, ooo, time.Minute)
	if len(res.Withdraw) != 0 {
		t.Errorf("after an auto-reply: withdrawn %q", res.Withdraw)
	}

	reply := spec{id: "re@example.net", inReplyTo: "ask@example.org", from: bob, to: []string{adaTo},
		subject: "Re: Contract", lang: "en", at: 48 * time.Hour, text: "Signed, it is in the post."}
	res = handle(t, p, &clock, reply, time.Minute)
	if !slices.Contains(res.Withdraw, r.ID) {
		t.Errorf("after the reply: withdrawn %q, want %s", res.Withdraw, r.ID)
	}
}

func TestPlanNoNag(t *testing.T) {
	tests := map[string]spec{
		"newsletter that says reply by Friday": {id: "n@news.example", from: "Shop <news@shop.example>",
			to: []string{adaTo}, subject: "Reply by Friday!", lang: "en", automated: "newsletter (has List-Unsubscribe)",
			text: "Would you like 20% off? Reply by Friday and it is yours."},
		"a question where I am only in Cc": {id: "cc@example.com", from: alice, to: []string{bob}, cc: []string{adaTo},
			subject: "Review", lang: "en", text: "Bob, can you review this by Friday?"},
		"a German notification": {id: "n@bank.example", from: "Bank <benachrichtigung@bank.example>",
			to: []string{adaTo}, subject: "Neue Nachricht", lang: "de", automated: "no-reply sender",
			text: "Können Sie bitte bis Freitag Ihre Daten bestätigen?"},
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			var clock time.Time
			p := testPlanner(t, state.NewMemory(), &clock)
			if res := handle(t, p, &clock, s, time.Hour); len(res.Suggestions) != 0 {
				t.Errorf("suggestions %+v, want none", res.Suggestions)
			}
		})
	}
}

// TestPlanRestart: the planner and the enricher are rebuilt on the same
// store between the question and the answer (a daemon restart).
func TestPlanRestart(t *testing.T) {
	store := state.NewMemory()
	var clock time.Time
	q := spec{id: "q@example.com", from: alice, to: []string{adaTo}, subject: "Dinner", lang: "fr",
		text: "Salut Ada,\n\ntu viens dîner samedi ?\n\nAlice"}
	res := handle(t, testPlanner(t, store, &clock), &clock, q, time.Minute)
	asks := byRule(res.Suggestions, "mail-awaiting-my-reply")
	if len(asks) != 1 {
		t.Fatalf("suggestions %+v, want one mail-awaiting-my-reply", res.Suggestions)
	}
	answer := spec{sent: true, id: "a@example.org", from: adaTo, to: []string{alice}, subject: "RE: Dinner",
		lang: "fr", at: 2 * time.Hour, text: "Avec plaisir !"}
	res = handle(t, testPlanner(t, store, &clock), &clock, answer, time.Minute)
	if !slices.Contains(res.Withdraw, asks[0].ID) {
		t.Errorf("after a restart, the answer (threaded by subject) withdrew %q, want %s", res.Withdraw, asks[0].ID)
	}
}

// TestPlanBackfill: a new account's look-back yields one summary, updated
// by every look-back mail under the same id, instead of a nudge per mail.
func TestPlanBackfill(t *testing.T) {
	var clock time.Time
	p := testPlanner(t, state.NewMemory(), &clock)
	day := -24 * time.Hour
	mails := []spec{
		{id: "b1@example.com", from: alice, to: []string{adaTo}, subject: "Budget", lang: "en", at: 5 * day,
			text: "Could you approve the budget?", backfill: true},
		{id: "b2@news.example", from: "News <news@news.example>", to: []string{adaTo}, subject: "Weekly",
			lang: "en", at: 4 * day, automated: "newsletter (has List-Unsubscribe)", backfill: true,
			text: "Can you guess what is new? Reply by Friday!"},
		{sent: true, id: "b3@example.org", from: adaTo, to: []string{bob}, subject: "Keys", lang: "en", at: 4 * day,
			text: "Bob, can you return the keys?", backfill: true},
		{id: "b4@exemple.fr", from: "Claire Dubois <claire@exemple.fr>", to: []string{adaTo}, subject: "Réunion",
			lang: "fr", at: 3 * day, text: "Peux-tu confirmer la réunion ?", backfill: true},
		{sent: true, id: "b5@example.org", inReplyTo: "b4@exemple.fr", from: adaTo,
			to: []string{"Claire Dubois <claire@exemple.fr>"}, subject: "Re: Réunion", lang: "fr", at: 2 * day,
			text: "Oui, c'est confirmé.", backfill: true},
		{id: "pnr@airfrance.example", from: "Air France <ticket@airfrance.example>", to: []string{adaTo},
			subject: "Your Air France booking X7K2LM", lang: "en", at: 6 * day, automated: "bulk sender (Feedback-ID)",
			text: flightText, backfill: true},
	}
	var summaries, checkins []event.Suggestion
	for _, s := range mails {
		// The look-back reads everything within a minute, today.
		ev := mailEvent(t, s)
		clock = base(t).Add(time.Minute)
		res, err := p.Handle(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, sg := range res.Suggestions {
			switch sg.Rule {
			case "mail-backfill-summary":
				summaries = append(summaries, sg)
			case "mail-flight-checkin":
				// Still ahead: the look-back does not make it a flood.
				checkins = append(checkins, sg)
			case "mail-leave-for-departure":
				// Still ahead, too.
			default:
				t.Errorf("look-back mail %s made %s %q, want only the summary and reminders ahead", s.id, sg.Rule, sg.Title)
			}
		}
	}
	if len(summaries) == 0 {
		t.Fatal("no summary")
	}
	for _, s := range summaries[1:] {
		if s.ID != summaries[0].ID {
			t.Errorf("summary ids %s and %s differ: each look-back mail must update the same one", summaries[0].ID, s.ID)
		}
	}
	last := summaries[len(summaries)-1]
	if len(checkins) != 2 || !checkins[0].Due.Equal(time.Date(2026, 6, 14, 7, 35, 0, 0, paris(t))) {
		t.Errorf("check-in reminders %+v, want two, the first due 14 Jun 07:35", checkins)
	}
	if last.Title != "4 open items in your work mail" || last.Kind != event.KindReminder ||
		!last.Due.Equal(clock.Add(DefaultBackfillSettle)) {
		t.Errorf("summary %q kind %s due %s", last.Title, last.Kind, last.Due)
	}
	for _, want := range []string{
		"• Flight AF 1234 Paris CDG → Berlin BER, Mon 15 Jun 07:35\n• Flight AF 1235 Berlin BER → Paris CDG, Fri 19 Jun 18:05\n",
		"• Reply to Alice Martin: Budget (asked Thu 4 Jun)\n",
		"• Waiting for Bob Stone since Fri 5 Jun: Keys",
	} {
		if !strings.Contains(last.Body, want) {
			t.Errorf("summary body %q lacks %q", last.Body, want)
		}
	}
	if strings.Contains(last.Body, "Claire") || strings.Contains(last.Body, "Weekly") {
		t.Errorf("summary body %q lists an answered question or a newsletter", last.Body)
	}

	// Live mail after the look-back is nudged as usual.
	live := spec{id: "live@example.com", from: alice, to: []string{adaTo}, subject: "Lunch", lang: "en",
		at: 2 * time.Hour, text: "Shall we have lunch on Thursday?"}
	res := handle(t, p, &clock, live, time.Minute)
	if len(byRule(res.Suggestions, "mail-awaiting-my-reply")) != 1 {
		t.Errorf("live mail after the look-back: %+v, want a mail-awaiting-my-reply", res.Suggestions)
	}
}
