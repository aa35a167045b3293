package correspondence

import (
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
)

// The user of every test: Ada, with a work alias.
var me = []string{"ada@example.org", "ada.lovelace@work.example"}

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// base is Tuesday 9 June 2026, 10:00 in Paris: when the first mail of most
// cases is written.
func base(t testing.TB) time.Time {
	return time.Date(2026, 6, 9, 10, 0, 0, 0, paris(t))
}

// spec is a mail as a test writes it.
type spec struct {
	sent       bool // mail.sent (from the Sent mailbox)
	id         string
	inReplyTo  string
	references []string
	from       string // "Name <addr>"
	to, cc     []string
	subject    string
	text       string
	lang       string
	at         time.Duration // after base
	automated  string        // the reason; empty: written by a person
	backfill   bool
	account    string
}

func addr(t testing.TB, s string) event.Address {
	t.Helper()
	a, err := netmail.ParseAddress(s)
	if err != nil {
		t.Fatalf("address %q: %v", s, err)
	}
	return event.Address{Name: a.Name, Email: a.Address}
}

func addrs(t testing.TB, ss []string) []event.Address {
	var out []event.Address
	for _, s := range ss {
		out = append(out, addr(t, s))
	}
	return out
}

// mailEvent builds the event the mail watcher would publish for s.
func mailEvent(t testing.TB, s spec) event.Event {
	t.Helper()
	account := s.account
	if account == "" {
		account = "work"
	}
	mailbox, typ := "INBOX", event.TypeMailReceived
	if s.sent {
		mailbox, typ = "Sent", event.TypeMailSent
	}
	date := base(t).Add(s.at)
	m := event.Mail{
		Account:         account,
		Mailbox:         mailbox,
		MessageID:       s.id,
		References:      s.references,
		Subject:         s.subject,
		From:            []event.Address{addr(t, s.from)},
		To:              addrs(t, s.to),
		Cc:              addrs(t, s.cc),
		Date:            date,
		Text:            s.text,
		Language:        s.lang,
		Automated:       s.automated != "",
		AutomatedReason: s.automated,
		Backfill:        s.backfill,
	}
	if s.inReplyTo != "" {
		m.InReplyTo = []string{s.inReplyTo}
	}
	key := "msgid:" + s.id + "#" + m.Digest()
	if s.id == "" {
		key = fmt.Sprintf("loc:%s/%s/%d", account, mailbox, date.Unix())
	}
	ev, err := event.New("mail:"+account, typ, key, s.subject, date, date.Add(time.Minute), m)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func newEnricher(t testing.TB, store state.Store) *Enricher {
	t.Helper()
	return New(Config{Me: me, Location: paris(t), FollowUpAfter: 72 * time.Hour}, store, slog.New(slog.DiscardHandler))
}

// enrichAll feeds the mails in order, each as of its own time plus a
// minute, and returns the units and scopes of the last one evaluated at now.
func enrichAll(t testing.TB, e *Enricher, specs []spec, now time.Time) ([]planner.Unit, []string) {
	t.Helper()
	ctx := context.Background()
	var units []planner.Unit
	var scopes []string
	for i, s := range specs {
		ev := mailEvent(t, s)
		at := ev.Time.Add(time.Minute)
		if i == len(specs)-1 {
			at = now
		}
		var err error
		units, scopes, err = e.Enrich(ctx, ev, at)
		if err != nil {
			t.Fatalf("mail %d (%s): %v", i, s.id, err)
		}
	}
	return units, scopes
}

// byKind groups units by facts.unit.
func byKind(units []planner.Unit) map[string][]planner.Unit {
	out := map[string][]planner.Unit{}
	for _, u := range units {
		k, _ := u.Facts["unit"].(string)
		out[k] = append(out[k], u)
	}
	return out
}
