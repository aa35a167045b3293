package llm_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner/llm"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

// BenchmarkProvider is the raw client against the in-process fake: HTTP
// round trip on loopback, encoding, decoding and schema validation.
func BenchmarkProvider(b *testing.B) {
	f := newFixture(b, llmtest.Config{}, nil)
	req := draftRequest("Can we move Tuesday's review to Wednesday at 10?")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.p.Complete(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClient adds the composition: cache miss (distinct requests),
// budget check and spend, ledger record and cache write, all on a memory
// store. The difference to BenchmarkProvider is the client's overhead.
func BenchmarkClient(b *testing.B) {
	f := newFixture(b, llmtest.Config{}, nil)
	s := newStack(f, state.NewMemory(), llm.BudgetConfig{DailyTokens: 1 << 40, CallsPerHour: 120})
	b.ReportAllocs()
	i := 0
	// Each call is a minute apart so the hourly limit never stops the loop.
	for b.Loop() {
		i++
		f.clock.Advance(time.Minute)
		if _, err := s.client.Complete(b.Context(), draftRequest(fmt.Sprint("question ", i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientCacheHit is an answer that never leaves the process.
func BenchmarkClientCacheHit(b *testing.B) {
	f := newFixture(b, llmtest.Config{}, nil)
	s := newStack(f, state.NewMemory(), llm.BudgetConfig{})
	req := draftRequest("same question")
	if _, err := s.client.Complete(b.Context(), req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.client.Complete(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}
