package maildir

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// demoMaildir is examples/maildir, the README demo's mail, from this
// package's directory.
var demoMaildir = filepath.Join("..", "..", "..", "examples", "maildir")

// TestDemoMaildir reads the demo Maildir as `agentd plan --at` would on
// 26 November 2026 and checks each mail comes out as the demo needs it.
func TestDemoMaildir(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, paris)
	before := snapshot(t, demoMaildir)
	w, err := New(Config{Name: "demo", Path: demoMaildir}, state.NewMemory(), nil, WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	if err := w.SyncOnce(context.Background(), rec.publish); err != nil {
		t.Fatalf("SyncOnce: %v", err)
	}
	evs := rec.take()
	want := []struct {
		typ, subject, from string
		automated          bool
		language           string
		text               string // a phrase the text must contain
		flags              []string
	}{
		{event.TypeMailReceived, "Your kitchen shelves", "marc.dubois@atelier-bois.example", false, "en", "exact dimensions", []string{`\Answered`, `\Seen`}},
		{event.TypeMailReceived, "Signed contract for the Lyon office", "sophie.martin@lumen-legal.example", false, "en", "Could you send me the signed contract\nby Friday?", []string{`\Seen`}},
		{event.TypeMailReceived, "This week: smart plugs, e-readers and a deal just for you", "news@gadgetdigest.example", true, "en", "reply by Friday", []string{`\Seen`}},
		{event.TypeMailReceived, "Your booking is confirmed: Paris CDG - Montreal YUL, 4 December 2026 (ref. K7Q2ZX)", "noreply@booking.aurora-air.example", true, "en", "Flight AU 1824", []string{`\Seen`}},
		{event.TypeMailReceived, "Fête de quartier : pouvez-vous confirmer ?", "claire.lefevre@quartier-saint-roch.example", false, "fr", "avant le 15 décembre", nil},
		{event.TypeMailSent, "Re: Your kitchen shelves", "demo@example.com", false, "en", "Could you send me a quote", []string{`\Seen`}},
	}
	if len(evs) != len(want) {
		t.Fatalf("announced %q, want %d mails", subjects(evs), len(want))
	}
	for i, wt := range want {
		ev := evs[i]
		m := decodeMail(t, ev)
		if ev.Type != wt.typ || ev.Subject != wt.subject {
			t.Errorf("mail %d: %s %q, want %s %q", i, ev.Type, ev.Subject, wt.typ, wt.subject)
			continue
		}
		if len(m.From) != 1 || m.From[0].Email != wt.from {
			t.Errorf("%s: from %v, want %s", wt.subject, m.From, wt.from)
		}
		if m.Automated != wt.automated {
			t.Errorf("%s: automated %v (%s), want %v", wt.subject, m.Automated, m.AutomatedReason, wt.automated)
		}
		if m.Language != wt.language {
			t.Errorf("%s: language %q, want %q", wt.subject, m.Language, wt.language)
		}
		if !strings.Contains(m.Text, wt.text) {
			t.Errorf("%s: text lacks %q:\n%s", wt.subject, wt.text, m.Text)
		}
		if !slices.Equal(m.Flags, wt.flags) {
			t.Errorf("%s: flags %q, want %q", wt.subject, m.Flags, wt.flags)
		}
		if !m.Backfill {
			t.Errorf("%s: not backfill on a first run", wt.subject)
		}
		if m.Date.Year() != 2026 || m.Date.Month() != time.November {
			t.Errorf("%s: date %v", wt.subject, m.Date)
		}
	}
	if sent := decodeMail(t, evs[5]); !slices.Equal(sent.InReplyTo, []string{"8c1f2e7a-shelves-1@atelier-bois.example"}) {
		t.Errorf("the Sent question does not answer Marc's mail: in-reply-to %q", sent.InReplyTo)
	}

	// A year later with the default look-back, the same mail is all old:
	// the demo config has to widen the look-back.
	late, err := New(Config{Name: "demo", Path: demoMaildir}, state.NewMemory(), nil,
		WithClock(func() time.Time { return at.AddDate(1, 0, 0) }))
	if err != nil {
		t.Fatal(err)
	}
	if err := late.SyncOnce(context.Background(), rec.publish); err != nil {
		t.Fatal(err)
	}
	if evs := rec.take(); len(evs) != 0 {
		t.Errorf("a year later announced %q", subjects(evs))
	}
	if after := snapshot(t, demoMaildir); len(after) != len(before) {
		t.Errorf("the demo Maildir changed: %d entries before, %d after", len(before), len(after))
	}
}
