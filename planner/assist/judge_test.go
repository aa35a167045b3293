package assist_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/planner/assist"
	"github.com/agentd/agentd/planner/llm"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

func scamInvoice() event.Mail {
	return event.Mail{
		Account: "home", MessageID: "inv9@billing-secure.example", Subject: "Unpaid invoice: pay within 24 hours", Language: "en",
		From: []event.Address{{Name: "Billing Dept", Email: "billing@billing-secure.example"}},
		To:   []event.Address{{Email: "alice@example.com"}},
		Text: "Dear customer,\n\nyour invoice 48213 of 349.00 EUR is unpaid. Pay within 24 hours at http://pay.billing-secure.example/x " +
			"or call +44 20 7946 0958. See the attached archive.",
	}
}

func TestJudgeDropsAndRetitles(t *testing.T) {
	f := setup(t, func(req llmtest.ChatRequest) string {
		return `{"verdicts":[` +
			`{"candidate":"c1","keep":false,"reason":"scam","priority":"low","title":"Suspicious bill"},` +
			`{"candidate":"c2","keep":true,"reason":"ok","priority":"urgent","title":"Pay at http://evil.example now"},` +
			`{"candidate":"c9","keep":false,"reason":"scam","priority":"low","title":"x"},` +
			`{"candidate":"c3","keep":true,"reason":"ok","priority":"normal","title":"Invoice 48213"}],"asks_user":true,"question":"q","trip_minutes":45}`
	})
	cands := []assist.Candidate{
		{ID: "a", Kind: "reminder", Title: "Pay Billing Dept 349.00 EUR by Tue", Why: "invoice from billing@billing-secure.example"},
		{ID: "b", Kind: "suggestion", Title: "Reply to Billing Dept", Why: "asked you"},
		{ID: "c", Kind: "reminder", Title: "Due: Unpaid invoice", Why: "deadline"},
		{ID: "d", Kind: "reminder", Title: "no verdict for me", Why: "x"},
	}
	j, err := f.a.Judge(t.Context(), assist.JudgeJob{Mail: scamInvoice(), Candidates: cands, Send: assist.SendRedacted})
	if err != nil {
		t.Fatal(err)
	}
	if j.AsksUser || j.TripMinutes != 0 {
		t.Errorf("facts not asked for are ignored: %+v", j)
	}
	vs := j.Verdicts
	got := map[string]assist.Verdict{}
	for _, v := range vs {
		got[v.ID] = v
	}
	if len(vs) != 3 {
		t.Fatalf("verdicts %+v: want a, b, c (c9 is not a candidate)", vs)
	}
	if v := got["a"]; v.Keep || v.Reason != "scam" || v.Title != "Suspicious bill" || v.Priority != "low" {
		t.Errorf("a: %+v", v)
	}
	if v := got["b"]; !v.Keep || v.Title != "" || v.Priority != "urgent" {
		t.Errorf("b: a title with a link is not taken: %+v", v)
	}
	if v := got["c"]; !v.Keep || v.Priority != "normal" || v.Title != "Invoice 48213" {
		t.Errorf("c: a number from the mail may stay in a title: %+v", v)
	}
	body := string(f.srv.Requests()[0].Body)
	for _, secret := range []string{"billing@billing-secure.example", "+44 20 7946 0958", "alice@example.com"} {
		if strings.Contains(body, secret) {
			t.Errorf("redacted judgement request holds %q", secret)
		}
	}
	if f.srv.ChatRequests()[0].Messages[0].Role != "system" {
		t.Error("no system message")
	}
	entries, _ := f.ledger.List(t.Context(), t0.Add(-1e12))
	if len(entries) != 1 || entries[0].Purpose != llm.PurposeJudgement {
		t.Errorf("ledger: %+v", entries)
	}
}

func TestJudgeFailuresKeepTheRules(t *testing.T) {
	f := setup(t, func(llmtest.ChatRequest) string { return `{"verdicts": "nope"}` })
	cands := []assist.Candidate{{ID: "a", Kind: "reminder", Title: "Pay", Why: "invoice"}}
	if _, err := f.a.Judge(t.Context(), assist.JudgeJob{Mail: scamInvoice(), Candidates: cands, Send: assist.SendFull}); err == nil {
		t.Error("invalid output must be an error (the caller keeps the rules' output)")
	}
	if _, err := f.a.Judge(t.Context(), assist.JudgeJob{Mail: scamInvoice(), Candidates: cands, Send: "never"}); !errors.Is(err, assist.ErrNotAllowed) {
		t.Errorf("send never: %v", err)
	}
	if f.srv.Calls() != 1 {
		t.Errorf("calls %d, want 1 (never sends nothing)", f.srv.Calls())
	}
}

func TestJudgeFacts(t *testing.T) {
	f := setup(t, func(req llmtest.ChatRequest) string {
		if strings.Contains(req.Messages[0].Content, "mailing-list") {
			return `{"verdicts":[],"asks_user":true,"question":"Alice, could you review the patch before Friday?","trip_minutes":0}`
		}
		return `{"verdicts":[],"asks_user":false,"question":"","trip_minutes":45}`
	})
	list := event.Mail{Account: "work", MessageID: "l1@lists.example", Subject: "[dev] patch v2", Automated: true,
		From: []event.Address{{Name: "Bob", Email: "bob@example.net"}},
		Text: "Alice, could you review the patch before Friday? Thanks, Bob"}
	j, err := f.a.Judge(t.Context(), assist.JudgeJob{Mail: list, Send: assist.SendFull, AskQuestion: true})
	if err != nil || !j.AsksUser || j.Question != "Alice, could you review the patch before Friday?" {
		t.Fatalf("list question: %+v %v", j, err)
	}
	ev := event.Mail{Account: "personal", MessageID: "uid-1", Subject: "Dentist", Text: "Dr Weber. 45 min door to door."}
	j, err = f.a.Judge(t.Context(), assist.JudgeJob{Mail: ev, Send: assist.SendFull, AskTrip: true, Ref: "calendar:personal/uid-1"})
	if err != nil || j.TripMinutes != 45 {
		t.Fatalf("trip: %+v %v", j, err)
	}
	entries, _ := f.ledger.List(t.Context(), t0.Add(-1e12))
	if len(entries) != 2 || entries[1].Items[0] != "calendar:personal/uid-1" {
		t.Errorf("ledger items: %+v", entries)
	}
}
