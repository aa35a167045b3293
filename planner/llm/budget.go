package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// ErrBudgetSpent matches (errors.Is) every *BudgetError.
var ErrBudgetSpent = errors.New("llm: budget spent")

// BudgetError says which limit was hit and when the next call is allowed.
// The planner treats it like a retryable error: the work waits, and the
// rules' own output is delivered meanwhile.
type BudgetError struct {
	Limit   string // "daily tokens" or "calls per hour"
	ResetAt time.Time
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("llm: %s budget spent until %s", e.Limit, e.ResetAt.Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrBudgetSpent) true.
func (e *BudgetError) Is(target error) bool { return target == ErrBudgetSpent }

// BudgetConfig configures a Budget. A zero limit means unlimited.
type BudgetConfig struct {
	DailyTokens  int            // prompt + completion tokens per day in Location
	CallsPerHour int            // calls in any sliding hour
	Location     *time.Location // the user's zone: the day resets at their midnight; nil = UTC
	Store        state.Store    // persists spending across restarts; nil = memory only
	Prefix       string         // key prefix; default "llm.budget."
}

// maxCallsKept bounds the persisted call list (and Status's count).
const maxCallsKept = 1000

// Budget limits tokens per day and calls per hour. State goes through a
// state.Store so a restart does not reset it. One Budget per store: the
// store offers no compare-and-swap, so two processes sharing it could each
// spend the same remainder.
type Budget struct {
	cfg BudgetConfig
	mu  sync.Mutex
	// prunedFor is the day key old days were last pruned for; listing keys
	// once a day is enough.
	prunedFor string
}

// BudgetStatus is what check and the digest report.
type BudgetStatus struct {
	DailyTokens     int       // the limit, 0 = unlimited
	TokensSpent     int       // today, in the user's zone
	TokensLeft      int       // -1 when unlimited
	DayResetsAt     time.Time // next midnight in the user's zone
	CallsPerHour    int       // the limit, 0 = unlimited
	CallsLastHour   int       // counted up to 1000 when unlimited
	CallsLeft       int       // -1 when unlimited
	NextCallAllowed time.Time // zero when a call is allowed now
}

// NewBudget returns a Budget; it reads nothing until used.
func NewBudget(cfg BudgetConfig) *Budget {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Store == nil {
		cfg.Store = state.NewMemory()
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "llm.budget."
	}
	return &Budget{cfg: cfg}
}

// dayKey names the user's local day; the date is in the key so a new day
// starts at zero without anyone resetting it.
func (b *Budget) dayKey(now time.Time) string {
	return b.cfg.Prefix + "day." + now.In(b.cfg.Location).Format("2006-01-02")
}

func (b *Budget) callsKey() string { return b.cfg.Prefix + "calls" }

// nextMidnight is the start of the next local day; time.Date normalises
// day+1 and handles days of 23 or 25 hours.
func (b *Budget) nextMidnight(now time.Time) time.Time {
	l := now.In(b.cfg.Location)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, b.cfg.Location)
}

func (b *Budget) tokens(ctx context.Context, now time.Time) (int, error) {
	v, err := b.cfg.Store.Get(ctx, b.dayKey(now))
	if errors.Is(err, state.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("llm budget: %w", err)
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, fmt.Errorf("llm budget: corrupt day total %q: %w", v, err)
	}
	return n, nil
}

// calls returns the call times within the hour before now, oldest first.
func (b *Budget) calls(ctx context.Context, now time.Time) ([]time.Time, error) {
	v, err := b.cfg.Store.Get(ctx, b.callsKey())
	if errors.Is(err, state.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("llm budget: %w", err)
	}
	var all []time.Time
	if err := json.Unmarshal(v, &all); err != nil {
		return nil, fmt.Errorf("llm budget: corrupt call list: %w", err)
	}
	cut := now.Add(-time.Hour)
	out := all[:0]
	for _, t := range all {
		if t.After(cut) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Allow returns nil when a call may be made at now, or a *BudgetError
// saying when it may. Tokens are only known after the call, so a call
// allowed with little left may overshoot the day's limit by one answer.
func (b *Budget) Allow(ctx context.Context, now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	st, err := b.status(ctx, now)
	if err != nil {
		return err
	}
	if b.cfg.DailyTokens > 0 && st.TokensLeft <= 0 {
		return &BudgetError{Limit: "daily tokens", ResetAt: st.DayResetsAt}
	}
	if b.cfg.CallsPerHour > 0 && st.CallsLeft <= 0 {
		return &BudgetError{Limit: "calls per hour", ResetAt: st.NextCallAllowed}
	}
	return nil
}

// Spend records one call at now that used tokens. Failed calls are spent
// too (with the tokens they are known to have used): they count against the
// hourly limit because the server did work.
func (b *Budget) Spend(ctx context.Context, now time.Time, tokens int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.tokens(ctx, now)
	if err != nil {
		return err
	}
	if err := b.cfg.Store.Put(ctx, b.dayKey(now), []byte(strconv.Itoa(n+max(tokens, 0)))); err != nil {
		return fmt.Errorf("llm budget: %w", err)
	}
	calls, err := b.calls(ctx, now)
	if err != nil {
		return err
	}
	calls = append(calls, now.UTC())
	// Only the newest CallsPerHour calls can decide the next Allow; with no
	// limit a bounded list still serves Status.
	keep := b.cfg.CallsPerHour
	if keep <= 0 || keep > maxCallsKept {
		keep = maxCallsKept
	}
	if len(calls) > keep {
		calls = calls[len(calls)-keep:]
	}
	v, err := json.Marshal(calls)
	if err != nil {
		return fmt.Errorf("llm budget: %w", err)
	}
	if err := b.cfg.Store.Put(ctx, b.callsKey(), v); err != nil {
		return fmt.Errorf("llm budget: %w", err)
	}
	return b.pruneDays(ctx, now)
}

// pruneDays deletes day totals older than yesterday (yesterday stays for
// the digest's "spent yesterday").
func (b *Budget) pruneDays(ctx context.Context, now time.Time) error {
	today := b.dayKey(now)
	if today == b.prunedFor {
		return nil
	}
	b.prunedFor = today
	keys, err := b.cfg.Store.Keys(ctx, b.cfg.Prefix+"day.")
	if err != nil {
		return fmt.Errorf("llm budget: %w", err)
	}
	l := now.In(b.cfg.Location)
	keep := b.cfg.Prefix + "day." + time.Date(l.Year(), l.Month(), l.Day()-1, 12, 0, 0, 0, b.cfg.Location).Format("2006-01-02")
	for _, k := range keys {
		if strings.Compare(k, keep) < 0 {
			if err := b.cfg.Store.Delete(ctx, k); err != nil {
				return fmt.Errorf("llm budget: %w", err)
			}
		}
	}
	return nil
}

// Status reports what is left at now.
func (b *Budget) Status(ctx context.Context, now time.Time) (BudgetStatus, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status(ctx, now)
}

func (b *Budget) status(ctx context.Context, now time.Time) (BudgetStatus, error) {
	st := BudgetStatus{
		DailyTokens:  b.cfg.DailyTokens,
		CallsPerHour: b.cfg.CallsPerHour,
		DayResetsAt:  b.nextMidnight(now),
		TokensLeft:   -1,
		CallsLeft:    -1,
	}
	var err error
	if st.TokensSpent, err = b.tokens(ctx, now); err != nil {
		return st, err
	}
	calls, err := b.calls(ctx, now)
	if err != nil {
		return st, err
	}
	st.CallsLastHour = len(calls)
	if b.cfg.DailyTokens > 0 {
		st.TokensLeft = max(b.cfg.DailyTokens-st.TokensSpent, 0)
		if st.TokensLeft == 0 {
			st.NextCallAllowed = st.DayResetsAt
		}
	}
	if b.cfg.CallsPerHour > 0 {
		st.CallsLeft = max(b.cfg.CallsPerHour-len(calls), 0)
		if st.CallsLeft == 0 {
			// The hour slides: a call is allowed once enough of the
			// oldest ones are an hour old.
			t := calls[len(calls)-b.cfg.CallsPerHour].Add(time.Hour)
			if t.After(st.NextCallAllowed) {
				st.NextCallAllowed = t
			}
		}
	}
	return st, nil
}
