package correspondence

import (
	"context"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// A sender whose clock runs ahead stamps a Date after the mail was read;
// the question must still be open at once, not only once that Date passes.
func TestSenderClockAhead(t *testing.T) {
	tests := map[string]struct {
		ahead time.Duration
	}{
		"a few seconds":             {ahead: 5 * time.Second},
		"local time stamped as UTC": {ahead: 2 * time.Hour},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnricher(t, state.NewMemory())
			ev := mailEvent(t, spec{id: "skew@example.com", from: alice, to: []string{adaTo}, subject: "Budget",
				lang: "en", text: "Could you check the budget before the meeting?"})
			seen := ev.Time.Add(-tc.ahead) // read before its Date
			ev.Seen = seen
			units, _, err := e.Enrich(context.Background(), ev, seen.Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			got := byKind(units)[UnitAwaitingMyReply]
			if len(got) != 1 {
				t.Fatalf("awaiting_my_reply units = %d, want 1", len(got))
			}
			if at, _ := got[0].Facts["asked_at"].(time.Time); !at.Equal(seen) {
				t.Errorf("asked_at = %v, want when the mail was seen (%v)", at, seen)
			}
		})
	}
}
