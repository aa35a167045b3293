package llm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner/llm"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

// stack is one daemon's worth of LLM plumbing over a store; building a
// second one on the same store is a restart.
type stack struct {
	f      *fixture
	client *llm.Client
	ledger *llm.StoreLedger
}

func newStack(f *fixture, store state.Store, budget llm.BudgetConfig) *stack {
	budget.Store = store
	ledger := llm.NewStoreLedger(llm.StoreLedgerConfig{Store: store})
	return &stack{f: f, ledger: ledger, client: llm.NewClient(llm.ClientConfig{
		Completer: f.p,
		Cache:     llm.NewCache(llm.CacheConfig{Store: store}),
		Budget:    llm.NewBudget(budget),
		Ledger:    ledger,
		Now:       f.clock.Now,
	})}
}

func TestClientCacheSurvivesRestart(t *testing.T) {
	f := newFixture(t, llmtest.Config{}, nil)
	store := state.NewMemory()
	req := draftRequest("Lunch on Friday?")
	req.Items = []string{"mail:work/abc"}
	req.Redactions = map[string]int{"email": 2}

	first, err := newStack(f, store, llm.BudgetConfig{}).client.Complete(t.Context(), req)
	if err != nil || first.Cached {
		t.Fatalf("first: %+v %v", first, err)
	}
	f.clock.Advance(24 * time.Hour)
	restarted := newStack(f, store, llm.BudgetConfig{})
	again, err := restarted.client.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached || again.Content != first.Content || f.srv.Calls() != 1 {
		t.Errorf("after restart: cached %v, %d calls; want an answer from the cache and no call", again.Cached, f.srv.Calls())
	}

	other := req
	other.Purpose = llm.PurposeSummary // same text, different question
	if _, err := restarted.client.Complete(t.Context(), other); err != nil || f.srv.Calls() != 2 {
		t.Errorf("purpose is not in the cache key: %d calls, %v", f.srv.Calls(), err)
	}

	entries, err := restarted.ledger.List(t.Context(), time.Time{})
	if err != nil || len(entries) != 3 {
		t.Fatalf("ledger %d entries, %v", len(entries), err)
	}
	sent, cached := entries[0], entries[1]
	if sent.Cached || sent.BytesOut == 0 || sent.TokensOut == 0 || sent.Host != f.p.Host() || sent.Model != "test-model" ||
		sent.Purpose != llm.PurposeDraft || sent.Items[0] != "mail:work/abc" || sent.Redactions["email"] != 2 || sent.Mode != llm.ModeJSONSchema {
		t.Errorf("ledger entry for the call: %+v", sent)
	}
	if !cached.Cached || cached.BytesOut != 0 {
		t.Errorf("ledger entry for the cache hit: %+v", cached)
	}
}

func TestCacheExpires(t *testing.T) {
	ctx := t.Context()
	store := state.NewMemory()
	c := llm.NewCache(llm.CacheConfig{Store: store, TTL: time.Hour})
	key := llm.CacheKey("m", draftRequest("x"))
	tests := map[string]struct {
		at  time.Time
		hit bool
	}{
		"fresh":   {t0.Add(59 * time.Minute), true},
		"expired": {t0.Add(time.Hour), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_ = c.Put(ctx, key, t0, llm.Response{Content: "{}"})
			_, hit, err := c.Get(ctx, key, tc.at)
			if err != nil || hit != tc.hit {
				t.Errorf("hit %v %v, want %v", hit, err, tc.hit)
			}
		})
	}
	if _, hit, _ := c.Get(ctx, key, t0.Add(time.Hour)); hit {
		t.Error("expired entry answered")
	}
	if keys, _ := store.Keys(ctx, ""); len(keys) != 0 {
		t.Errorf("expired entry kept: %v", keys)
	}
	_ = c.Put(ctx, key, t0, llm.Response{Content: "{}"})
	_ = c.Put(ctx, llm.CacheKey("m", draftRequest("y")), t0.Add(2*time.Hour), llm.Response{Content: "{}"})
	if n, err := c.Prune(ctx, t0.Add(2*time.Hour)); n != 1 || err != nil {
		t.Errorf("Prune = %d %v", n, err)
	}
}

func TestCacheKey(t *testing.T) {
	base := draftRequest("x")
	tests := map[string]struct {
		model string
		req   func(r llm.Request) llm.Request
		same  bool
	}{
		"items and redactions do not matter": {model: "m", same: true, req: func(r llm.Request) llm.Request {
			r.Items, r.Redactions = []string{"a"}, map[string]int{"phone": 1}
			return r
		}},
		"model":   {model: "other", req: func(r llm.Request) llm.Request { return r }},
		"purpose": {model: "m", req: func(r llm.Request) llm.Request { r.Purpose = llm.PurposeJudgement; return r }},
		"message": {model: "m", req: func(r llm.Request) llm.Request {
			r.Messages = append([]llm.Message{}, r.Messages...)
			r.Messages[1].Content += "!"
			return r
		}},
		"schema":     {model: "m", req: func(r llm.Request) llm.Request { r.Schema = nil; return r }},
		"max tokens": {model: "m", req: func(r llm.Request) llm.Request { r.MaxTokens++; return r }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := llm.CacheKey(tc.model, tc.req(base)) == llm.CacheKey("m", base); got != tc.same {
				t.Errorf("same key = %v, want %v", got, tc.same)
			}
		})
	}
}

func TestClientBudget(t *testing.T) {
	f := newFixture(t, llmtest.Config{}, nil)
	store := state.NewMemory()
	s := newStack(f, store, llm.BudgetConfig{DailyTokens: 1_000_000, CallsPerHour: 2})
	for i := range 2 {
		if _, err := s.client.Complete(t.Context(), draftRequest(strings.Repeat("q", i+1))); err != nil {
			t.Fatal(err)
		}
	}
	// A restart does not reset the hourly count; a cached answer is free.
	s = newStack(f, store, llm.BudgetConfig{DailyTokens: 1_000_000, CallsPerHour: 2})
	_, err := s.client.Complete(t.Context(), draftRequest("qqq"))
	if !errors.Is(err, llm.ErrBudgetSpent) || f.srv.Calls() != 2 {
		t.Fatalf("third call: %v, %d calls", err, f.srv.Calls())
	}
	if _, err := s.client.Complete(t.Context(), draftRequest("q")); err != nil {
		t.Errorf("cached answer refused by the budget: %v", err)
	}
	f.clock.Advance(time.Hour)
	if _, err := s.client.Complete(t.Context(), draftRequest("qqq")); err != nil {
		t.Errorf("an hour later: %v", err)
	}
	st, _ := llm.NewBudget(llm.BudgetConfig{Store: store, DailyTokens: 1_000_000}).Status(t.Context(), f.clock.Now())
	pt, ct := f.srv.Tokens()
	if st.TokensSpent != pt+ct {
		t.Errorf("budget spent %d tokens, server counted %d", st.TokensSpent, pt+ct)
	}
}

func TestClientRecordsFailures(t *testing.T) {
	f := newFixture(t, llmtest.Config{}, nil)
	s := newStack(f, state.NewMemory(), llm.BudgetConfig{CallsPerHour: 10})
	f.srv.FailNext(1, llmtest.FailServerError)
	if _, err := s.client.Complete(t.Context(), draftRequest("x")); err == nil {
		t.Fatal("no error")
	}
	entries, _ := s.ledger.List(t.Context(), time.Time{})
	if len(entries) != 1 || entries[0].Error == "" || entries[0].BytesOut == 0 {
		t.Fatalf("failed call not in the ledger: %+v", entries)
	}
	// Failures are not cached: the same question is asked again.
	if _, err := s.client.Complete(t.Context(), draftRequest("x")); err != nil || f.srv.Calls() != 2 {
		t.Errorf("retry: %v, %d calls", err, f.srv.Calls())
	}
}

type failingLedger struct{}

func (failingLedger) Record(context.Context, llm.Entry) error { return errors.New("disk full") }
func (failingLedger) List(context.Context, time.Time) ([]llm.Entry, error) {
	return nil, nil
}

func TestClientLedgerFailureIsAnError(t *testing.T) {
	f := newFixture(t, llmtest.Config{}, nil)
	c := llm.NewClient(llm.ClientConfig{Completer: f.p, Ledger: failingLedger{}, Now: f.clock.Now})
	if _, err := c.Complete(t.Context(), draftRequest("x")); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v", err)
	}
}

func TestLedgerRetention(t *testing.T) {
	ctx := t.Context()
	store := state.NewMemory()
	l := llm.NewStoreLedger(llm.StoreLedgerConfig{Store: store, Retention: 7 * 24 * time.Hour})
	for d := range 10 {
		if err := l.Record(ctx, llm.Entry{Time: t0.AddDate(0, 0, d), Host: "h", Purpose: llm.PurposeDraft}); err != nil {
			t.Fatal(err)
		}
	}
	last := t0.AddDate(0, 0, 9)
	tests := map[string]struct {
		since time.Time
		want  int
	}{
		"all kept":         {time.Time{}, 8}, // days 2..9: day 2 is exactly 7 days old
		"since day 5":      {t0.AddDate(0, 0, 5), 5},
		"since after last": {last.Add(time.Second), 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := l.List(ctx, tc.since)
			if err != nil || len(got) != tc.want {
				t.Fatalf("List = %d entries %v, want %d", len(got), err, tc.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].Time.Before(got[i-1].Time) {
					t.Errorf("not in time order: %v", got)
				}
			}
		})
	}
}

func TestLedgerPruneIsThrottled(t *testing.T) {
	ctx := t.Context()
	store := state.NewMemory()
	l := llm.NewStoreLedger(llm.StoreLedgerConfig{Store: store, Retention: time.Minute})
	_ = l.Record(ctx, llm.Entry{Time: t0})
	_ = l.Record(ctx, llm.Entry{Time: t0.Add(30 * time.Minute)}) // no prune yet: the first would go
	if keys, _ := store.Keys(ctx, ""); len(keys) != 2 {
		t.Fatalf("keys %v", keys)
	}
	_ = l.Record(ctx, llm.Entry{Time: t0.Add(61 * time.Minute)})
	if keys, _ := store.Keys(ctx, ""); len(keys) != 1 {
		t.Errorf("after an hour the old entries are pruned: %v", keys)
	}
}
