package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/agentd/agentd/internal/config"
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
	budget := llm.NewBudget(llm.BudgetConfig{
		DailyTokens: int(l.DailyTokenBudget), CallsPerHour: l.MaxCallsPerHour,
		Location: cfg.User.Location, Store: store,
	})
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
