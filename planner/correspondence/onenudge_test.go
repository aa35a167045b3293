package correspondence

import (
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// TestInvoiceIsNotAQuestion: an invoice's "Would you like paperless
// billing?" is no question to answer, and its "pay by" date is the
// booking's, not a second deadline.
func TestInvoiceIsNotAQuestion(t *testing.T) {
	e := newEnricher(t, state.NewMemory())
	units, _ := enrichAll(t, e, []spec{{
		id: "inv@shop.example", from: "Shop Billing <billing@shop.example>", to: []string{me[0]},
		subject: "Your invoice INV-2026-0412", lang: "en",
		text: "Please find attached invoice INV-2026-0412.\n\nAmount due: € 120.00\nDue date: 23 June 2026\n\n" +
			"Please pay by 23 June 2026.\nWould you like to switch to paperless billing?",
	}}, base(t).Add(time.Hour))
	k := byKind(units)
	if len(k[UnitBooking]) != 1 {
		t.Fatalf("booking units: %d, want the invoice", len(k[UnitBooking]))
	}
	if len(k[UnitAwaitingMyReply]) != 0 || len(k[UnitDeadline]) != 0 {
		t.Errorf("awaiting %d, deadlines %d: want none beside the invoice", len(k[UnitAwaitingMyReply]), len(k[UnitDeadline]))
	}
}

// TestInvitationIsNotAQuestion: the question in an invitation's text is
// answered by answering the invitation.
func TestInvitationIsNotAQuestion(t *testing.T) {
	e := newEnricher(t, state.NewMemory())
	ev := mailEvent(t, spec{id: "inv@example.com", from: "Bob <bob@example.com>", to: []string{me[0]},
		subject: "Invitation: Budget", lang: "de", text: "Budgetrunde am Donnerstag. Kannst du dabei sein? Bitte bis Mittwoch zusagen."})
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		t.Fatal(err)
	}
	m.Invitations = []event.CalendarEvent{{UID: "b@example.com", Method: "REQUEST", Summary: "Budget"}}
	ev, err := event.New(ev.Source, ev.Type, "msgid:inv@example.com", ev.Subject, ev.Time, ev.Seen, m)
	if err != nil {
		t.Fatal(err)
	}
	units, _, err := e.Enrich(t.Context(), ev, ev.Time.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	k := byKind(units)
	if len(k[UnitAwaitingMyReply]) != 0 || len(k[UnitDeadline]) != 0 {
		t.Errorf("awaiting %d, deadlines %d: want none beside the invitation", len(k[UnitAwaitingMyReply]), len(k[UnitDeadline]))
	}
}

// TestFriendsFlightStillAsks: a person's mail with their flight details
// and a question is a question: only an invoice's question is its bill's.
func TestFriendsFlightStillAsks(t *testing.T) {
	e := newEnricher(t, state.NewMemory())
	units, _ := enrichAll(t, e, []spec{{
		id: "trip@example.com", from: "Bob <bob@example.com>", to: []string{me[0]}, subject: "My flight", lang: "en",
		text: "Hi Ada,\n\nhere is my flight:\nFlight AF 1234\nDeparture: Mon 15 Jun 2026 07:35 Paris Charles de Gaulle (CDG)\n" +
			"Arrival: Mon 15 Jun 2026 09:20 Berlin Brandenburg (BER)\n\nCould you pick me up at the airport?",
	}}, base(t).Add(time.Hour))
	k := byKind(units)
	if len(k[UnitBooking]) == 0 {
		t.Fatal("the flight is not read as a booking: the test checks nothing")
	}
	if len(k[UnitAwaitingMyReply]) != 1 {
		t.Errorf("awaiting my reply: %d, want the question", len(k[UnitAwaitingMyReply]))
	}
}
