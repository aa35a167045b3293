package correspondence

import (
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

func TestClosestAddress(t *testing.T) {
	known := []string{"bob@example.com", "juergen.weber@example.de", "anna@example.org", "anne@example.org"}
	for addr, want := range map[string]string{
		"bob@exmaple.com":           "bob@example.com", // swapped letters
		"juergen.webber@example.de": "juergen.weber@example.de",
		"bob@example.com":           "",                 // itself is no other spelling
		"ana@example.org":           "anna@example.org", // one letter, anne is two away
		"anni@example.org":          "",                 // anna and anne equally close
		"carol@example.net":         "",
	} {
		if got := closestAddress(addr, known); got != want {
			t.Errorf("closestAddress(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestBounceUnits: a report on a mail the user sent names the failed
// recipient and the correspondent they likely meant.
func TestBounceUnits(t *testing.T) {
	e := newEnricher(t, state.NewMemory())
	enrichAll(t, e, []spec{
		{id: "old@example.com", from: "Bob <bob@example.com>", to: []string{me[0]}, subject: "Hi", text: "Hello."},
		{sent: true, id: "s1@example.org", from: "Ada <ada@example.org>", to: []string{"bob@exmaple.com"}, subject: "Contract", text: "Here it is.", at: time.Hour},
	}, base(t).Add(time.Hour+time.Minute))
	ev := mailEvent(t, spec{id: "dsn@mx.example.org", from: "Mail Delivery System <mailer-daemon@mx.example.org>", to: []string{me[0]},
		subject: "Undelivered Mail Returned to Sender", text: "User unknown", automated: "delivery status notification (multipart/report)", at: 2 * time.Hour})
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		t.Fatal(err)
	}
	m.Bounce = &event.Bounce{Failed: []event.BouncedRecipient{{Email: "bob@exmaple.com", Status: "5.1.1"}}, MessageID: "s1@example.org"}
	ev, err := event.New(ev.Source, ev.Type, "msgid:dsn@mx.example.org", ev.Subject, ev.Time, ev.Seen, m)
	if err != nil {
		t.Fatal(err)
	}
	units, _, err := e.Enrich(t.Context(), ev, ev.Time.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	b := byKind(units)[UnitBounce]
	if len(b) != 1 {
		t.Fatalf("bounce units: %d", len(b))
	}
	f := b[0].Facts
	if f["failed_to"] != "bob@exmaple.com" || f["did_you_mean"] != "bob@example.com" || f["sent_by_me"] != true || f["original_subject"] != "Contract" {
		t.Errorf("facts = %v", f)
	}
}

// TestBounceUnitsUnknownOriginal: a report that quotes nothing of the mail
// is shown (at a lower priority, by the rule); one quoting a stranger's
// mail is backscatter.
func TestBounceUnitsUnknownOriginal(t *testing.T) {
	for from, wantUnknown := range map[string]bool{"": true, "win@spam.example": false} {
		e := newEnricher(t, state.NewMemory())
		ev := mailEvent(t, spec{id: "dsn@mx.example.org", from: "Mail Delivery System <mailer-daemon@mx.example.org>", to: []string{me[0]},
			subject: "Returned mail", text: "failed", automated: "delivery status notification (multipart/report)"})
		var m event.Mail
		if err := ev.Decode(&m); err != nil {
			t.Fatal(err)
		}
		m.Bounce = &event.Bounce{Failed: []event.BouncedRecipient{{Email: "louis@example.edu"}}, From: from}
		ev, err := event.New(ev.Source, ev.Type, "msgid:dsn@mx.example.org", ev.Subject, ev.Time, ev.Seen, m)
		if err != nil {
			t.Fatal(err)
		}
		units, _, err := e.Enrich(t.Context(), ev, ev.Time.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		b := byKind(units)[UnitBounce]
		if len(b) != 1 || b[0].Facts["original_unknown"] != wantUnknown || b[0].Facts["sent_by_me"] != false {
			t.Errorf("from %q: units %v", from, b)
		}
	}
}
