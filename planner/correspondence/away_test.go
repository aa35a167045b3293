package correspondence

import (
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

func TestAwayReply(t *testing.T) {
	reply := []string{"q@example.org"}
	for _, c := range []struct {
		name string
		m    event.Mail
		want bool
	}{
		{"subject en", event.Mail{Subject: "Automatic reply: Contract"}, true},
		{"subject fr", event.Mail{Subject: "Absent : Contrat"}, true},
		{"subject de", event.Mail{Subject: "Abwesend: Vertrag"}, true},
		{"headers", event.Mail{Subject: "Re: Contract", Text: "I am on annual leave until 14 December.", Automated: true, AutomatedReason: "Auto-Submitted: auto-replied"}, true},
		{"no headers", event.Mail{Subject: "Re: Contrat", InReplyTo: reply, Text: "Bonjour, je suis en congés jusqu'au 14 décembre."}, true},
		{"no headers de", event.Mail{Subject: "AW: Vertrag", InReplyTo: reply, Text: "Guten Tag, ich bin bis 14.12. nicht im Büro."}, true},
		{"a person back", event.Mail{Subject: "Re: Contract", InReplyTo: reply, Text: "Sorry, I was on vacation. Here is the signed contract."}, false},
		{"a person's plans", event.Mail{Subject: "Re: Contract", InReplyTo: reply, Text: "Sure. Note I will be on leave next week, so let's sign today?"}, false},
		{"newsletter", event.Mail{Subject: "Plan your holiday", Text: "Out of office? Try our app.", Automated: true, AutomatedReason: "newsletter (has List-Unsubscribe)"}, false},
		{"subject absent tomorrow", event.Mail{Subject: "Absent tomorrow"}, false},
		{"a colleague's subject", event.Mail{Subject: "Out of office next week", Text: "Hi, can you cover the Tuesday call?"}, false},
		{"a car", event.Mail{Subject: "Auto: Termin für die Inspektion", Text: "Passt Ihnen Dienstag?"}, false},
	} {
		if got := awayReply(c.m); got != c.want {
			t.Errorf("%s: awayReply = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestAwayIsNoAnswer: the follow-up to the user's question stays after an
// out-of-office reply, moved to the day after the return date.
func TestAwayIsNoAnswer(t *testing.T) {
	e := newEnricher(t, state.NewMemory())
	units, _ := enrichAll(t, e, []spec{
		{sent: true, id: "q@example.org", from: "Ada <ada@example.org>", to: []string{"Bob <bob@example.com>"}, subject: "Contract", lang: "en", text: "Could you send me the signed contract?"},
		{id: "a@example.com", inReplyTo: "q@example.org", from: "Bob <bob@example.com>", to: []string{me[0]}, subject: "Automatic reply: Contract", lang: "en",
			text: "I am out of the office until Monday 22 June 2026.", automated: "Auto-Submitted: auto-replied", at: time.Minute},
	}, base(t).Add(time.Hour))
	k := byKind(units)
	if len(k[UnitAwaitingTheirs]) != 1 {
		t.Fatalf("awaiting their reply: %d, want the question", len(k[UnitAwaitingTheirs]))
	}
	want := time.Date(2026, 6, 23, 9, 0, 0, 0, paris(t))
	if got := k[UnitAwaitingTheirs][0].Facts["follow_up_at"].(time.Time); !got.Equal(want) {
		t.Errorf("follow_up_at = %s, want %s", got, want)
	}
}
