package correspondence

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// BenchmarkEnrich measures one mail through the enricher: thread lookup
// and update in an in-memory store, question, deadline and booking
// extraction, units. Mails come in threads of 8, alternating between a
// colleague's questions and the user's answers.
func BenchmarkEnrich(b *testing.B) {
	const n = 4096
	texts := []string{
		"Hi Ada,\n\nCould you send me the signed contract by Friday 5pm?\n\nThanks,\nAlice\n\nOn Mon, 8 Jun 2026, Ada wrote:\n> Here is the draft.\n> Best, Ada",
		"Bonjour Ada,\n\nPourrais-tu m'envoyer le devis avant le 15 juin ?\n\nMerci,\nClaire",
		"Hallo Ada,\n\nkannst du mir bitte bis Freitag den Bericht schicken?\n\nGruß\nJonas",
		"Thanks, the report arrived. Have a nice weekend.",
	}
	events := make([]event.Event, n)
	for i := range events {
		thread := i / 8
		s := spec{
			id:      fmt.Sprintf("m%d@example.com", i),
			from:    alice,
			to:      []string{adaTo},
			subject: fmt.Sprintf("Re: Topic %d", thread),
			text:    texts[i%len(texts)],
			lang:    []string{"en", "fr", "de", "en"}[i%4],
			at:      time.Duration(i) * time.Minute,
		}
		if i%8 != 0 {
			s.inReplyTo = fmt.Sprintf("m%d@example.com", i-1)
			s.references = []string{fmt.Sprintf("m%d@example.com", thread*8), s.inReplyTo}
		}
		if i%2 == 1 {
			s.sent, s.from, s.to = true, adaTo, []string{alice}
		}
		events[i] = mailEvent(b, s)
	}
	e := newEnricher(b, state.NewMemory())
	ctx := context.Background()
	now := base(b).Add(n * time.Minute)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, err := e.Enrich(ctx, events[i%n], now); err != nil {
			b.Fatal(err)
		}
	}
}
