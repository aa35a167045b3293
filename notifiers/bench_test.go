package notifiers_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/terminal"
)

// BenchmarkDeliver measures the stages' overhead around two cheap notifiers
// with an in-memory delivery log: each iteration is a new suggestion.
func BenchmarkDeliver(b *testing.B) {
	targets := []notifiers.Target{
		{Notifier: terminal.New(io.Discard)},
		{Notifier: newRecorder("rec"), Route: notifiers.Route{MinPriority: event.PriorityLow}},
	}
	d := notifiers.NewDispatcher(targets, state.NewMemory(), slog.New(slog.DiscardHandler))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := d.Deliver(b.Context(), suggestion(fmt.Sprint(i), event.KindSuggestion, event.PriorityNormal)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeliverDuplicate is a redelivered message: every target is
// answered from the log.
func BenchmarkDeliverDuplicate(b *testing.B) {
	d := notifiers.NewDispatcher([]notifiers.Target{{Notifier: terminal.New(io.Discard)}}, state.NewMemory(), slog.New(slog.DiscardHandler))
	s := suggestion("dup", event.KindSuggestion, event.PriorityNormal)
	if _, err := d.Deliver(b.Context(), s); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Deliver(b.Context(), s); err != nil {
			b.Fatal(err)
		}
	}
}
