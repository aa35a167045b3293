package notifiers_test

import (
	"testing"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
)

func TestRouteAllows(t *testing.T) {
	tests := map[string]struct {
		route notifiers.Route
		s     event.Suggestion
		want  bool
	}{
		"empty route takes all":        {notifiers.Route{}, suggestion("a", event.KindDraft, event.PriorityLow), true},
		"kind listed":                  {notifiers.Route{Kinds: []string{event.KindReminder, event.KindSuggestion}}, suggestion("a", event.KindReminder, event.PriorityNormal), true},
		"kind not listed":              {notifiers.Route{Kinds: []string{event.KindReminder}}, suggestion("a", event.KindDraft, event.PriorityUrgent), false},
		"priority at minimum":          {notifiers.Route{MinPriority: event.PriorityHigh}, suggestion("a", event.KindSuggestion, event.PriorityHigh), true},
		"priority above minimum":       {notifiers.Route{MinPriority: event.PriorityHigh}, suggestion("a", event.KindSuggestion, event.PriorityUrgent), true},
		"priority below minimum":       {notifiers.Route{MinPriority: event.PriorityHigh}, suggestion("a", event.KindSuggestion, event.PriorityNormal), false},
		"unknown priority is normal":   {notifiers.Route{MinPriority: event.PriorityNormal}, suggestion("a", event.KindSuggestion, "whatever"), true},
		"both must hold, kind fails":   {notifiers.Route{MinPriority: event.PriorityLow, Kinds: []string{event.KindDraft}}, suggestion("a", event.KindSuggestion, event.PriorityUrgent), false},
		"both must hold, both pass":    {notifiers.Route{MinPriority: event.PriorityNormal, Kinds: []string{event.KindDraft}}, suggestion("a", event.KindDraft, event.PriorityNormal), true},
		"low suggestion on min low":    {notifiers.Route{MinPriority: event.PriorityLow}, suggestion("a", event.KindSuggestion, event.PriorityLow), true},
		"urgent min takes only urgent": {notifiers.Route{MinPriority: event.PriorityUrgent}, suggestion("a", event.KindReminder, event.PriorityHigh), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.route.Allows(tc.s); got != tc.want {
				t.Errorf("Allows = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRouteValidate(t *testing.T) {
	tests := map[string]struct {
		route   notifiers.Route
		wantErr bool
	}{
		"empty":            {notifiers.Route{}, false},
		"full":             {notifiers.Route{MinPriority: event.PriorityHigh, Kinds: []string{event.KindReminder, event.KindDraft}}, false},
		"unknown priority": {notifiers.Route{MinPriority: "critical"}, true},
		"unknown kind":     {notifiers.Route{Kinds: []string{"reminders"}}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if err := tc.route.Validate(); (err != nil) != tc.wantErr {
				t.Errorf("Validate() = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

func TestRouteStage(t *testing.T) {
	var next delivered
	h := notifiers.RouteStage()(next.handle)
	target := notifiers.Target{Notifier: newRecorder("r"), Route: notifiers.Route{Kinds: []string{event.KindReminder}}}

	r, err := h(t.Context(), notifiers.Delivery{Target: target, Suggestion: suggestion("a", event.KindSuggestion, event.PriorityNormal)})
	if err != nil || r.Outcome != notifiers.NotRouted || next.calls != 0 {
		t.Errorf("suggestion on a reminder route: %v, %v, next called %d times; want not routed, not passed on", r.Outcome, err, next.calls)
	}
	r, err = h(t.Context(), notifiers.Delivery{Target: target, Suggestion: suggestion("b", event.KindReminder, event.PriorityNormal)})
	if err != nil || r.Outcome != notifiers.Delivered || next.calls != 1 {
		t.Errorf("reminder on a reminder route: %v, %v, next called %d times; want passed on", r.Outcome, err, next.calls)
	}
}
