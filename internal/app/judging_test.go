package app

import (
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

func invoiceMail(id string, date time.Time) string {
	due := date.AddDate(0, 0, 10).Format("2 January 2006")
	return "From: Billing Dept <billing@billing-secure.example>\r\nTo: alice@example.com\r\nSubject: Unpaid invoice INV-48213\r\n" +
		"Message-ID: <" + id + ">\r\nDate: " + date.Format(time.RFC1123Z) + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Dear customer,\r\n\r\nInvoice INV-48213\r\nAmount due: 349.00 EUR\r\nDue date: " + due + "\r\n\r\nPay within 24 hours or your account is closed.\r\n"
}

// TestJudgementDropsAScam: a payment the model judges a scam is closed
// (dismissed, so its reminder never fires); one it keeps gets its title.
func TestJudgementDropsAScam(t *testing.T) {
	for _, tc := range []struct {
		name, answer, status, title string
	}{
		{"scam", `{"verdicts":[{"candidate":"c1","keep":false,"reason":"scam","priority":"low","title":"Suspicious bill"}]}`, event.StatusDismissed, ""},
		{"real", `{"verdicts":[{"candidate":"c1","keep":true,"reason":"ok","priority":"high","title":"Pay the INV-48213 bill"}]}`, event.StatusPending, "Pay the INV-48213 bill"},
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
					return `{"verdicts":[]}`
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
