package correspondence

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
	mailwatch "github.com/agentd/agentd/watchers/mail"
	"github.com/agentd/agentd/watchers/mail/message"
)

// TestEML runs real mails through the watcher's parser and the enricher.
func TestEML(t *testing.T) {
	tests := map[string]struct {
		want      map[string]int
		automated bool
		direct    bool
	}{
		"newsletter-reply-by-friday.eml": {want: map[string]int{}, automated: true, direct: true},
		"bitte-bis-freitag.eml":          {want: map[string]int{UnitAwaitingMyReply: 1, UnitDeadline: 1}, direct: true},
		"question-cc.eml":                {want: map[string]int{UnitDeadline: 1}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			seen := base(t).Add(time.Hour)
			ev, err := mailwatch.ToEvent(raw, mailwatch.Meta{Account: "work", Mailbox: "INBOX", Seen: seen}, name, message.Options{})
			if err != nil {
				t.Fatal(err)
			}
			units, _, err := newEnricher(t, state.NewMemory()).Enrich(context.Background(), ev, seen)
			if err != nil {
				t.Fatal(err)
			}
			got := byKind(units)
			for _, kind := range []string{UnitAwaitingMyReply, UnitAwaitingTheirs, UnitDeadline, UnitBooking} {
				if len(got[kind]) != tc.want[kind] {
					t.Errorf("%d %s units, want %d: %v", len(got[kind]), kind, tc.want[kind], factsOf(got[kind]))
				}
			}
			m := got[UnitMessage][0]
			wantFact(t, m, "automated", tc.automated)
			wantFact(t, m, "direct", tc.direct)
		})
	}
}
