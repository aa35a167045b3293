package llm

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// ClientConfig composes a Client. Only Completer is required; a nil Cache,
// Budget or Ledger skips that step.
type ClientConfig struct {
	Completer Completer
	Host      string // for the ledger; Provider.Host()
	Model     string // for the cache key and the ledger; Provider.Model()
	Cache     *Cache
	Budget    *Budget
	Ledger    Ledger
	Logger    *slog.Logger
	Now       func() time.Time
}

// Client is what the planner calls: cache → budget → completion → spend →
// ledger → cache. It is safe for concurrent use.
type Client struct {
	cfg ClientConfig
	log *slog.Logger
	now func() time.Time
}

// NewClient composes a Client.
func NewClient(cfg ClientConfig) *Client {
	c := &Client{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if p, ok := cfg.Completer.(*Provider); ok {
		if c.cfg.Host == "" {
			c.cfg.Host = p.Host()
		}
		if c.cfg.Model == "" {
			c.cfg.Model = p.Model()
		}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Complete answers req from the cache or the model. Errors are those of
// Provider.Complete, a *BudgetError (errors.Is ErrBudgetSpent) when the
// budget is spent, or a failure to write the ledger: a call that cannot be
// recorded is reported, because the ledger is a promise to the user. Cache
// and budget storage failures are logged; they do not stop the answer.
func (c *Client) Complete(ctx context.Context, req Request) (Response, error) {
	now := c.now()
	key := CacheKey(c.cfg.Model, req)
	entry := Entry{
		Time: now, Host: c.cfg.Host, Model: c.cfg.Model, Purpose: req.Purpose,
		Items: req.Items, Redactions: req.Redactions,
	}
	if c.cfg.Cache != nil {
		res, ok, err := c.cfg.Cache.Get(ctx, key, now)
		if err != nil {
			c.log.Warn("llm cache read failed", "err", err)
		}
		if ok {
			entry.Cached, entry.Mode = true, res.Mode
			return res, c.record(ctx, entry)
		}
	}
	if c.cfg.Budget != nil {
		if err := c.cfg.Budget.Allow(ctx, now); err != nil {
			return Response{}, err
		}
	}
	res, err := c.cfg.Completer.Complete(ctx, req)
	if res.Attempts == 0 && err != nil {
		return res, err // nothing was sent (a bad request or schema)
	}
	done := c.now()
	// What was sent is recorded even if the caller gave up meanwhile.
	ctx = context.WithoutCancel(ctx)
	if c.cfg.Budget != nil {
		if serr := c.cfg.Budget.Spend(ctx, done, res.Usage.Total()); serr != nil {
			c.log.Warn("llm budget write failed", "err", serr)
		}
	}
	entry.Time = done
	entry.BytesOut, entry.BytesIn = res.BytesOut, res.BytesIn
	entry.TokensOut, entry.TokensIn = res.Usage.PromptTokens, res.Usage.CompletionTokens
	entry.Estimated, entry.Mode = res.Usage.Estimated, res.Mode
	if err != nil {
		entry.Error = err.Error()
	}
	lerr := c.record(ctx, entry)
	switch {
	case err != nil && lerr != nil:
		return res, errors.Join(err, lerr)
	case err != nil:
		return res, err
	case lerr != nil:
		return res, lerr
	}
	if c.cfg.Cache != nil {
		if cerr := c.cfg.Cache.Put(ctx, key, done, res); cerr != nil {
			c.log.Warn("llm cache write failed", "err", cerr)
		}
	}
	return res, nil
}

func (c *Client) record(ctx context.Context, e Entry) error {
	if c.cfg.Ledger == nil {
		return nil
	}
	return c.cfg.Ledger.Record(ctx, e)
}
