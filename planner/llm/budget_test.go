package llm_test

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the test's zones must not depend on the machine's

	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner/llm"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestBudgetDailyTokens(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	// 23:30 in Berlin (UTC+1 in winter) is 22:30 UTC: the user's day ends in
	// 30 minutes although the UTC day has 90 minutes left.
	lateEvening := time.Date(2026, 11, 30, 23, 30, 0, 0, berlin)
	ctx := t.Context()
	store := state.NewMemory()
	cfg := llm.BudgetConfig{DailyTokens: 1000, Location: berlin, Store: store}

	b := llm.NewBudget(cfg)
	if err := b.Allow(ctx, lateEvening); err != nil {
		t.Fatalf("fresh budget: %v", err)
	}
	if err := b.Spend(ctx, lateEvening, 1200); err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		at      time.Time
		spent   bool
		resetAt time.Time
	}{
		"same evening":                  {at: lateEvening.Add(20 * time.Minute), spent: true, resetAt: time.Date(2026, 12, 1, 0, 0, 0, 0, berlin)},
		"after the user's midnight":     {at: lateEvening.Add(31 * time.Minute)},
		"user's new day, UTC's old day": {at: time.Date(2026, 11, 30, 23, 10, 0, 0, time.UTC)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// A new Budget on the same store: what a restart sees.
			err := llm.NewBudget(cfg).Allow(ctx, tc.at)
			if !tc.spent {
				if err != nil {
					t.Fatalf("Allow: %v", err)
				}
				return
			}
			var be *llm.BudgetError
			if !errors.As(err, &be) || !errors.Is(err, llm.ErrBudgetSpent) {
				t.Fatalf("Allow = %v, want a BudgetError", err)
			}
			if !be.ResetAt.Equal(tc.resetAt) || be.Limit != "daily tokens" {
				t.Errorf("%s resets at %s, want %s", be.Limit, be.ResetAt, tc.resetAt)
			}
			if retry, _ := llm.IsRetryable(err); !retry {
				t.Error("a spent budget should be retryable later")
			}
		})
	}

	st, err := llm.NewBudget(cfg).Status(ctx, lateEvening)
	if err != nil || st.TokensSpent != 1200 || st.TokensLeft != 0 {
		t.Errorf("status %+v %v", st, err)
	}
	st, _ = llm.NewBudget(cfg).Status(ctx, lateEvening.Add(time.Hour))
	if st.TokensSpent != 0 || st.TokensLeft != 1000 || st.CallsLeft != -1 {
		t.Errorf("next day status %+v", st)
	}
}

func TestBudgetDSTDay(t *testing.T) {
	// The night clocks go back in New York the local day has 25 hours; the
	// reset is at local midnight, not 24 h after the previous one.
	ny := mustZone(t, "America/New_York")
	b := llm.NewBudget(llm.BudgetConfig{DailyTokens: 10, Location: ny})
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, ny)
	_ = b.Spend(t.Context(), at, 10)
	var be *llm.BudgetError
	if err := b.Allow(t.Context(), at); !errors.As(err, &be) {
		t.Fatalf("Allow = %v", err)
	}
	if want := time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC); !be.ResetAt.Equal(want) {
		t.Errorf("reset at %s, want %s", be.ResetAt.UTC(), want)
	}
}

func TestBudgetCallsPerHour(t *testing.T) {
	ctx := t.Context()
	store := state.NewMemory()
	cfg := llm.BudgetConfig{CallsPerHour: 3, Store: store}
	b := llm.NewBudget(cfg)
	for i := range 3 {
		at := t0.Add(time.Duration(i) * 10 * time.Minute) // 10:00, 10:10, 10:20
		if err := b.Allow(ctx, at); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		_ = b.Spend(ctx, at, 5)
	}
	tests := map[string]struct {
		at      time.Time
		resetAt time.Time // zero: allowed
	}{
		"fourth call within the hour":   {at: t0.Add(30 * time.Minute), resetAt: t0.Add(time.Hour)},
		"just before the first ages":    {at: t0.Add(time.Hour - time.Second), resetAt: t0.Add(time.Hour)},
		"the first call is an hour old": {at: t0.Add(time.Hour)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := llm.NewBudget(cfg).Allow(ctx, tc.at) // after a restart, too
			if tc.resetAt.IsZero() {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var be *llm.BudgetError
			if !errors.As(err, &be) || be.Limit != "calls per hour" || !be.ResetAt.Equal(tc.resetAt) {
				t.Fatalf("Allow = %v, want calls per hour until %s", err, tc.resetAt)
			}
		})
	}
}

func TestBudgetPrunesOldDays(t *testing.T) {
	ctx := t.Context()
	store := state.NewMemory()
	b := llm.NewBudget(llm.BudgetConfig{DailyTokens: 100, Store: store})
	for d := range 5 {
		_ = b.Spend(ctx, t0.AddDate(0, 0, d), 1)
	}
	keys, _ := store.Keys(ctx, "llm.budget.day.")
	if len(keys) != 2 {
		t.Errorf("day keys %v, want yesterday and today", keys)
	}
}
