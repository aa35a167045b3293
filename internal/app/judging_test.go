package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

// invoiceMail is a bill the rules cannot tell from a scam (no urgency, no
// attachment): the model judges it. One that adds "pay within 24 hours or
// your account is closed" is the rules' own phishing case.
func invoiceMail(id string, date time.Time) string {
	due := date.AddDate(0, 0, 10).Format("2 January 2006")
	return "From: Billing Dept <billing@billing-secure.example>\r\nTo: alice@example.com\r\nSubject: Unpaid invoice INV-48213\r\n" +
		"Message-ID: <" + id + ">\r\nDate: " + date.Format(time.RFC1123Z) + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Dear customer,\r\n\r\nInvoice INV-48213\r\nAmount due: 349.00 EUR\r\nDue date: " + due + "\r\n"
}

// TestJudgementDropsAScam: a payment the model judges a scam is closed
// (dismissed, so its reminder never fires); one it keeps gets its title.
func TestJudgementDropsAScam(t *testing.T) {
	for _, tc := range []struct {
		name, answer, status, title string
	}{
		{"scam", `{"verdicts":[{"candidate":"c1","keep":false,"reason":"scam","priority":"low","title":"Suspicious bill"}],"asks_user":false,"question":"","trip_minutes":0}`, event.StatusDismissed, ""},
		{"real", `{"verdicts":[{"candidate":"c1","keep":true,"reason":"ok","priority":"high","title":"Pay the INV-48213 bill"}],"asks_user":false,"question":"","trip_minutes":0}`, event.StatusPending, "Pay the INV-48213 bill"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := newDraftSetup(t, "redacted", func(req llmtest.ChatRequest) string {
				if strings.Contains(string(req.Schema()), "verdicts") {
					// Answer about the payment candidate, whichever number
					// it has among the rules' candidates.
					user := req.Messages[len(req.Messages)-1].Content
					for _, line := range strings.Split(user, "\n") {
						if c, rest, ok := strings.Cut(line, ": "); ok && strings.HasPrefix(c, "c") && strings.Contains(rest, ": Pay ") {
							return strings.Replace(tc.answer, `"c1"`, `"`+c+`"`, 1)
						}
					}
					return `{"verdicts":[],"asks_user":false,"question":"","trip_minutes":0}`
				}
				return `{"body":"ok","language":"en","skip":false,"reason":""}`
			})
			var out syncBuffer
			a := startApp(t, ds.cfg, &out)
			deliver(t, ds.root, "1.inv", invoiceMail("inv1@billing-secure.example", time.Now().Add(-time.Minute)))
			waitUntil(t, "the judgement", func() bool { return ds.srv.Calls() >= 1 })
			time.Sleep(500 * time.Millisecond)
			if err := a.Stop(t.Context()); err != nil {
				t.Fatal(err)
			}
			rec := suggestionRecord(t, ds.cfg, func(r suggestions.Record) bool { return r.Suggestion.Rule == "mail-invoice-due" })
			if rec.Status != tc.status {
				t.Errorf("status %s, want %s", rec.Status, tc.status)
			}
			if tc.title != "" && (rec.Suggestion.Title != tc.title || rec.Suggestion.Priority != "high") {
				t.Errorf("kept: %q %s", rec.Suggestion.Title, rec.Suggestion.Priority)
			}
			for _, r := range ds.srv.Requests() {
				if strings.Contains(string(r.Body), "billing@billing-secure.example") {
					t.Error("the sender's address reached the model in redacted mode")
				}
			}
		})
	}
}

// TestListMailThatAsksTheUser: a mailing-list mail that asks the user by
// name is a reply owed by the rules alone, with no model call (one nudge,
// not also the model's "reply on the list"). A list mail that does not
// name them costs no call either.
func TestListMailThatAsksTheUser(t *testing.T) {
	ds := newDraftSetup(t, "full", func(req llmtest.ChatRequest) string {
		if strings.Contains(req.Messages[0].Content, "mailing-list") {
			return `{"verdicts":[],"asks_user":true,"question":"Alice, could you review patch v2 before Friday?","trip_minutes":0}`
		}
		return `{"verdicts":[],"asks_user":false,"question":"","trip_minutes":0}`
	})
	list := func(id, text string) string {
		return "From: Bob Stone <bob@example.net>\r\nTo: dev@lists.example.org\r\nList-Id: Dev <dev.lists.example.org>\r\n" +
			"Subject: [dev] patch v2\r\nMessage-ID: <" + id + ">\r\nDate: " + time.Now().Add(-time.Minute).Format(time.RFC1123Z) + "\r\n\r\n" + text + "\r\n"
	}
	var out syncBuffer
	a := startApp(t, ds.cfg, &out)
	deliver(t, ds.root, "1.l", list("l1@example.net", "Hi all, the new build is out. Comments welcome."))
	deliver(t, ds.root, "2.l", list("l2@example.net", "Alice, could you review patch v2 before Friday? It touches your parser."))
	waitUntil(t, "the list question", func() bool { return strings.Contains(out.String(), "Reply to Bob Stone") })
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := ds.srv.Calls(); n != 0 {
		t.Errorf("model calls %d, want 0 (the rules asked the user by name)", n)
	}
	if strings.Contains(out.String(), "on the list") {
		t.Errorf("the model's list question too:\n%s", out.String())
	}
	rec := suggestionRecord(t, ds.cfg, func(r suggestions.Record) bool { return r.Suggestion.Rule == ruleAwaitingMyReply })
	if rec.Suggestion.About[0].Ref != "l2@example.net" || !strings.Contains(rec.Suggestion.Body, "review patch v2") {
		t.Errorf("list question %+v", rec.Suggestion)
	}
}

// TestLeaveByFromTripLength: an event whose text gives the trip's length
// is reminded at start − trip − 10 min, as "Leave by …". The rules read
// "45 min door to door" themselves (calendar-leave-by): the model is not
// asked.
func TestLeaveByFromTripLength(t *testing.T) {
	srv := llmtest.New(t, llmtest.Config{Models: []string{"m"}, Responder: func(req llmtest.ChatRequest) string {
		return `{"verdicts":[],"asks_user":false,"question":"","trip_minutes":45}`
	}})
	dir := t.TempDir()
	start := time.Now().Add(3 * time.Hour).Truncate(time.Minute).UTC()
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:dentist-1\r\nDTSTAMP:20260101T000000Z\r\n" +
		"DTSTART:" + start.Format("20060102T150405Z") + "\r\nDTEND:" + start.Add(time.Hour).Format("20060102T150405Z") + "\r\n" +
		"SUMMARY:Dentist\r\nLOCATION:Dr Weber\\, 12 Main Street\r\nDESCRIPTION:Please arrive on time. 45 min door to door.\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	path := filepath.Join(dir, "personal.ics")
	if err := os.WriteFile(path, []byte(ics), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := "user: {name: Alice Martin, email: alice@example.com, timezone: UTC}\nbus: {data_dir: " + filepath.Join(dir, "data") + "}\n" +
		"sources:\n  calendars:\n    - {name: personal, path: " + path + "}\nllm: {url: " + srv.BaseURL() + ", model: m}\nnotify: {terminal: {}}\n"
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(); n != 0 {
		t.Errorf("%d model calls for a trip the rules read", n)
	}
	rec := suggestionRecord(t, cfg, func(r suggestions.Record) bool { return r.Suggestion.Rule == "calendar-leave-by" })
	want := start.Add(-45*time.Minute - tripBuffer)
	if !rec.Suggestion.Due.Equal(want) || !strings.HasPrefix(rec.Suggestion.Title, "Leave by "+start.Add(-45*time.Minute).Format("15:04")+" for Dentist") {
		t.Errorf("reminder due %s %q, want %s Leave by …", rec.Suggestion.Due, rec.Suggestion.Title, want)
	}
	if !strings.Contains(rec.Suggestion.Why, "45m to get there") {
		t.Errorf("why %q", rec.Suggestion.Why)
	}
}

func TestNamesUser(t *testing.T) {
	cfg, err := config.Parse("c.yaml", []byte("user: {name: Alice Martin, email: alice@example.com, aliases: [am@work.example], timezone: UTC}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]bool{
		"Alice, could you review patch v2 before Friday?":                       true,
		"Hi all,\n\nthe build is out. @Alice Martin can you check the parser?":  true,
		"Could am@work.example confirm the dates?":                              true,
		"Hello Alice,\n\nDid you see what happened this week? Take our survey?": false,
		"Bonjour Alice !\n\nVous avez aimé ce numéro ?":                         false,
		"Alice reviewed it yesterday, thanks.":                                  false,
		"Malice is not a name. Could you check?":                                false,
		"> Alice, could you look?\n\nI think Bob can do it.":                    false,
		"Liebe Alice,\n\nAlice, kannst du bis Freitag den Patch ansehen?":       true,
	} {
		if got := namesUser(cfg, event.Mail{Text: text}); got != want {
			t.Errorf("namesUser(%q) = %v, want %v", text, got, want)
		}
	}
}
