package notifiers_test

import (
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
)

func TestExpiryStage(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		expires time.Time
		want    notifiers.Outcome
	}{
		"never expires":       {time.Time{}, notifiers.Delivered},
		"expires later":       {now.Add(time.Minute), notifiers.Delivered},
		"expired a while ago": {now.Add(-time.Hour), notifiers.Expired},
		"expires right now":   {now, notifiers.Expired},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var next delivered
			h := notifiers.ExpiryStage(func() time.Time { return now })(next.handle)
			s := suggestion("a", event.KindSuggestion, event.PriorityNormal)
			s.Expires = tc.expires
			r, err := h(t.Context(), notifiers.Delivery{Target: notifiers.Target{Notifier: newRecorder("r")}, Suggestion: s})
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcome != tc.want {
				t.Errorf("outcome %v, want %v", r.Outcome, tc.want)
			}
			if wantCalls := map[bool]int{true: 1, false: 0}[tc.want == notifiers.Delivered]; next.calls != wantCalls {
				t.Errorf("next called %d times, want %d", next.calls, wantCalls)
			}
		})
	}
}
