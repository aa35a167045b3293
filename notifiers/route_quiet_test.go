package notifiers_test

import (
	"testing"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
)

// TestQuietSuggestionNotPushed: a digest-only suggestion goes to no
// target, whatever its route.
func TestQuietSuggestionNotPushed(t *testing.T) {
	s := suggestion("q", event.KindSuggestion, event.PriorityUrgent)
	if !(notifiers.Route{}).Allows(s) {
		t.Fatal("an empty route refuses a loud suggestion")
	}
	s.Quiet = true
	if (notifiers.Route{}).Allows(s) {
		t.Error("an empty route takes a quiet (digest only) suggestion")
	}
	rec := newRecorder("r")
	d := notifiers.NewDispatcher([]notifiers.Target{{Notifier: rec}}, state.NewMemory(), nil)
	if _, err := d.Deliver(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	if got := rec.ids(); len(got) != 0 {
		t.Errorf("quiet suggestion delivered: %v", got)
	}
}
