package correspondence

import (
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// TestScamScreening: a bill-like mail with urgency and a demand from a
// stranger is flagged and loses its payment and deadline units; the same
// mail from someone the user wrote to before is not flagged.
func TestScamScreening(t *testing.T) {
	day := 24 * time.Hour
	scam := spec{id: "scam@pay-fast.example", from: "Billing <billing@pay-fast.example>", to: []string{adaTo},
		subject: "Unpaid invoice 4481", lang: "en", at: 2 * day,
		text: "Dear customer,\n\nInvoice 4481 is unpaid. Amount due: EUR 389.00. Pay within 24 hours, by 20 December 2026, to avoid legal action.\n"}

	units, _ := enrichAll(t, newEnricher(t, state.NewMemory()), []spec{scam}, base(t).Add(2*day+time.Hour))
	k := byKind(units)
	if len(k[UnitBooking]) > 0 || len(k[UnitDeadline]) > 0 {
		t.Errorf("a scam keeps its payment units: %v", k)
	}
	if msg := k[UnitMessage]; len(msg) != 1 || msg[0].Facts["phishing"] != true || msg[0].Facts["known_sender"] != false {
		t.Fatalf("message unit = %+v", msg)
	}

	// The user wrote to the sender first: a known correspondent.
	wrote := spec{sent: true, id: "mine@example.org", from: adaTo, to: []string{"Billing <billing@pay-fast.example>"},
		subject: "Contract", lang: "en", at: day, text: "Hello, here is the signed contract."}
	units, _ = enrichAll(t, newEnricher(t, state.NewMemory()), []spec{wrote, scam}, base(t).Add(2*day+time.Hour))
	k = byKind(units)
	if msg := k[UnitMessage]; len(msg) != 1 || msg[0].Facts["phishing"] != false || msg[0].Facts["known_sender"] != true {
		t.Fatalf("message unit from a known sender = %+v", msg)
	}
	if len(k[UnitBooking]) == 0 {
		t.Errorf("the bill from a known sender lost its payment unit: %v", k)
	}
}

// TestOwnMailHasPhishingFacts: the user's own mail is not weighed, but its
// message unit still says phishing false, so the built-in mail-phishing
// rule does not fail on a missing fact.
func TestOwnMailHasPhishingFacts(t *testing.T) {
	wrote := spec{sent: true, id: "mine@example.org", from: adaTo, to: []string{"Billing <billing@pay-fast.example>"},
		subject: "Contract", lang: "en", at: time.Hour, text: "Hello, here is the signed contract."}
	units, _ := enrichAll(t, newEnricher(t, state.NewMemory()), []spec{wrote}, base(t).Add(2*time.Hour))
	msg := byKind(units)[UnitMessage]
	if len(msg) != 1 || msg[0].Facts["phishing"] != false || msg[0].Facts["phishing_signals"] == nil {
		t.Fatalf("own mail's message unit = %+v", msg)
	}
}
