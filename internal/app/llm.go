package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/control"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner/assist"
	"github.com/agentd/agentd/planner/llm"
)

// BucketLLM holds the model's budget, answer cache, egress ledger and the
// secret that keys the prompts' data frames.
const BucketLLM = "agentd_llm"

// secretKey is where the frame secret lives in BucketLLM.
const secretKey = "llm.secret"

// Model is what the app builds from the llm section: the assistant the
// planner asks, and the parts check and the ledger command read.
type Model struct {
	Assistant *assist.Assistant
	Ledger    llm.Ledger
	Budget    *llm.Budget
	// Providers are the endpoints (the model, and the drafts model when
	// it differs), for check's probe.
	Providers []*llm.Provider
}

// BuildModel builds the model's client from cfg.LLM over store (BucketLLM
// on the bus, memory in plan and tests). It returns nil, nil when no llm
// section is configured: nothing leaves the machine.
func BuildModel(ctx context.Context, cfg *config.Config, store state.Store, logger *slog.Logger, client *http.Client, now func() time.Time) (*Model, error) {
	l := cfg.LLM
	if !l.Enabled() {
		return nil, nil
	}
	key := ""
	if l.APIKey.IsSet() {
		k, err := l.APIKey.Resolve(ctx)
		if err != nil {
			return nil, fmt.Errorf("llm: %w", err)
		}
		key = k
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	secret, err := frameSecret(ctx, store)
	if err != nil {
		return nil, err
	}
	log := logger.With("component", "llm")
	budget := newBudget(cfg, store)
	cache := llm.NewCache(llm.CacheConfig{Store: store})
	ledger := llm.NewStoreLedger(llm.StoreLedgerConfig{Store: store, Retention: time.Duration(l.LedgerRetention)})
	m := &Model{Ledger: ledger, Budget: budget}
	newClient := func(model string) (*llm.Client, error) {
		p, err := llm.NewProvider(llm.Config{
			BaseURL: l.URL, Model: model, APIKey: key, Timeout: time.Duration(l.Timeout),
			HTTPClient: client, Logger: log, Now: now,
		})
		if err != nil {
			return nil, err
		}
		m.Providers = append(m.Providers, p)
		return llm.NewClient(llm.ClientConfig{Completer: p, Cache: cache, Budget: budget, Ledger: ledger, Logger: log, Now: now}), nil
	}
	judge, err := newClient(l.Model)
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	drafts := judge
	if dm := l.ModelFor(string(llm.PurposeDraft)); dm != l.Model {
		if drafts, err = newClient(dm); err != nil {
			return nil, fmt.Errorf("llm: %w", err)
		}
	}
	m.Assistant = assist.New(assist.Config{
		Model: judge, Drafts: drafts,
		UserName: cfg.User.Name, UserAddresses: append([]string{cfg.User.Email}, cfg.User.Aliases...),
		Location: cfg.User.Location, Secret: secret, Logger: log,
	}, assist.WithClock(now))
	return m, nil
}

// frameSecret returns the install's random frame secret, made on first use.
func frameSecret(ctx context.Context, store state.Store) ([]byte, error) {
	b, err := store.Get(ctx, secretKey)
	if err == nil && len(b) >= 16 {
		return b, nil
	}
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return nil, fmt.Errorf("llm: read frame secret: %w", err)
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("llm: frame secret: %w", err)
	}
	if err := store.Put(ctx, secretKey, b); err != nil {
		return nil, fmt.Errorf("llm: store frame secret: %w", err)
	}
	return b, nil
}

// sendFor is what of a source may reach the model: the stricter of the
// llm section's send and the source's own llm key.
func sendFor(cfg *config.Config, source string) string {
	kind, name, _ := cutSource(source)
	own := ""
	switch kind {
	case "mail":
		for _, m := range cfg.Sources.Mail {
			if m.Name == name {
				own = m.LLM
			}
		}
	case "calendar":
		for _, c := range cfg.Sources.Calendars {
			if c.Name == name {
				own = c.LLM
			}
		}
	case "feed":
		for _, f := range cfg.Sources.Feeds {
			if f.Name == name {
				own = f.LLM
			}
		}
	}
	return cfg.LLM.SendFor(own)
}

func cutSource(s string) (kind, name string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// newBudget is the model's daily token budget and hourly call limit over
// store (BucketLLM).
func newBudget(cfg *config.Config, store state.Store) *llm.Budget {
	return llm.NewBudget(llm.BudgetConfig{
		DailyTokens: int(cfg.LLM.DailyTokenBudget), CallsPerHour: cfg.LLM.MaxCallsPerHour,
		Location: cfg.User.Location, Store: store,
	})
}

// budgetHandler answers GET /v1/llm/budget with the budget's status.
func budgetHandler(b *llm.Budget, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, err := b.Status(r.Context(), now())
		if err != nil {
			control.Error(w, http.StatusInternalServerError, err)
			return
		}
		control.WriteJSON(w, st)
	}
}

// ReadBudget returns the model budget's status: from the running daemon
// through its control socket, or from the data dir when no daemon runs.
func ReadBudget(ctx context.Context, cfg *config.Config, now time.Time, logger *slog.Logger) (llm.BudgetStatus, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bc := busConfig(cfg)
	var st llm.BudgetStatus
	if c, err := control.Dial(ctx, control.SocketPath(bc.DataDir)); err == nil {
		err := c.Get(ctx, "/v1/llm/budget", &st)
		return st, err
	}
	b, err := bus.Open(ctx, bc, logger)
	if err != nil {
		return st, fmt.Errorf("open the data dir %s: %w", bc.DataDir, err)
	}
	defer b.Close()
	store, err := b.Store(ctx, BucketLLM)
	if err != nil {
		return st, err
	}
	return newBudget(cfg, store).Status(ctx, now)
}

// budgetLine says what of today's model budget is spent, for check.
func budgetLine(st llm.BudgetStatus, loc *time.Location, now time.Time) (string, bool) {
	s := fmt.Sprintf("%d tokens spent today", st.TokensSpent)
	if st.DailyTokens > 0 {
		s = fmt.Sprintf("%d of %d tokens spent today", st.TokensSpent, st.DailyTokens)
	}
	s += fmt.Sprintf(", %d calls in the last hour", st.CallsLastHour)
	if st.CallsPerHour > 0 {
		s += fmt.Sprintf(" (limit %d)", st.CallsPerHour)
	}
	if st.NextCallAllowed.After(now) {
		return s + "; budget spent: rules only until " + st.NextCallAllowed.In(loc).Format("Mon 15:04"), false
	}
	return s, true
}
