package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/planner/assist"
)

// ruleBackfillSummary is the rule of a new account's look-back summary.
const ruleBackfillSummary = "mail-backfill-summary"

// summaryTimeout bounds how long a delivery waits for the model's
// paragraph; after it, the rules' list goes out alone.
const summaryTimeout = 20 * time.Second

// summarizer puts the model's short paragraph on top of a new account's
// look-back summary when it is delivered: one call per account, and the
// answer is cached, so a redelivery asks nothing again.
type summarizer struct {
	assistant *assist.Assistant
	cfg       *config.Config
	log       *slog.Logger
	timeout   time.Duration
}

// newSummarizer returns nil when no model is configured.
func (a *App) newSummarizer(ctx context.Context, cfg *config.Config) (*summarizer, error) {
	if !cfg.LLM.Enabled() {
		return nil, nil
	}
	store, err := a.bus.Store(ctx, BucketLLM)
	if err != nil {
		return nil, err
	}
	m, err := BuildModel(ctx, cfg, store, a.logger, a.opts.HTTPClient, a.now)
	if err != nil {
		return nil, err
	}
	timeout := min(time.Duration(cfg.LLM.Timeout), summaryTimeout)
	if timeout <= 0 {
		timeout = summaryTimeout
	}
	return &summarizer{assistant: m.Assistant, cfg: cfg, log: a.logger.With("component", "summary"), timeout: timeout}, nil
}

// enrich returns s with the model's paragraph on top of its list, or s as
// it is (no model, a source kept off models, a model that failed).
func (z *summarizer) enrich(ctx context.Context, s event.Suggestion) event.Suggestion {
	if z == nil || s.Rule != ruleBackfillSummary || len(s.About) == 0 || strings.TrimSpace(s.Body) == "" {
		return s
	}
	source := s.About[0].Source
	send := sendFor(z.cfg, source)
	if send == config.SendNever {
		return s
	}
	var items []assist.SummaryItem
	for _, line := range strings.Split(s.Body, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "•"))
		if line != "" {
			items = append(items, assist.SummaryItem{Text: line, Send: send, Ref: source})
		}
	}
	if len(items) < 2 {
		return s // one item says it all
	}
	ctx, cancel := context.WithTimeout(ctx, z.timeout)
	defer cancel()
	p, err := z.assistant.Summarize(ctx, "what the recent mail of a newly added account leaves open", items)
	if err != nil {
		z.log.Info("look-back summary without the model's paragraph", "suggestion", s.ID, "err", err)
		return s
	}
	s.Body = p + "\n\n" + s.Body
	return s
}
