package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/control"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/notifiers/digest"
	"github.com/agentd/agentd/planner/assist"
	"github.com/agentd/agentd/planner/llm"
	"github.com/agentd/agentd/watchers"
)

// bucketDigest holds the digest's record per local date (intent, sent).
const bucketDigest = "agentd_digest"

// digestDeps is what the digest reads in the daemon.
type digestDeps struct {
	book *suggestions.Book
	// health is the watchers' health; it must not take the app's lock
	// (Stop holds it while it waits for the digest to stop).
	health func() []watchers.Health
	// stores opens a KV bucket (bus.Bus.Store).
	stores func(ctx context.Context, bucket string) (state.Store, error)
	logger *slog.Logger
	now    func() time.Time
	client *http.Client
}

// startDigest starts the daily digest when notify.digest is configured
// (else it does nothing); stop ends it and waits for a send in hand.
func startDigest(ctx context.Context, cfg *config.Config, d digestDeps) (stop func(), err error) {
	if cfg.Notify.Digest == nil {
		return func() {}, nil
	}
	if d.logger == nil {
		d.logger = slog.New(slog.DiscardHandler)
	}
	g, err := newDigester(ctx, cfg, d)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := g.Run(runCtx); err != nil {
			d.logger.Error("digest stopped", "err", err)
		}
	}()
	d.logger.Info("daily digest scheduled", "at", g.Spec(), "to", cfg.Notify.Digest.To)
	return func() {
		cancel()
		<-done
	}, nil
}

// newDigester builds the digest from the config: the suggestion book, the
// watchers' health (nil: unknown), the model's summary and budget when a
// model is configured, and the SMTP server.
func newDigester(ctx context.Context, cfg *config.Config, d digestDeps) (*digest.Digester, error) {
	dc := cfg.Notify.Digest
	if dc == nil {
		return nil, errors.New("digest: no notify.digest section in the config")
	}
	if d.logger == nil {
		d.logger = slog.New(slog.DiscardHandler)
	}
	if d.now == nil {
		d.now = time.Now
	}
	log := d.logger.With("notifier", "digest")
	store, err := d.stores(ctx, bucketDigest)
	if err != nil {
		return nil, err
	}
	book := d.book
	src := digest.Sources{
		Suggestions: func(ctx context.Context) ([]suggestions.Record, error) { return book.List(ctx, suggestions.Filter{}) },
		Send:        func(source string) string { return sendFor(cfg, source) },
	}
	if d.health != nil {
		health := d.health
		src.Health = func() []digest.SourceHealth { return sourceHealth(health()) }
	}
	if cfg.LLM.Enabled() {
		llmStore, err := d.stores(ctx, BucketLLM)
		if err != nil {
			return nil, err
		}
		// A model that cannot be set up (a locked api_key_command) costs
		// the paragraph on top, not the digest.
		model, err := BuildModel(ctx, cfg, llmStore, d.logger, d.client, d.now)
		if err != nil {
			log.Warn("digest without a summary: the model cannot be set up", "err", err)
		} else if model != nil {
			src.Summarizer = assistSummarizer{model.Assistant}
			src.Budget = budgetReader(model.Budget, cfg.User.Location)
		}
	}
	sender, err := digestSMTP(dc.SMTP)
	if err != nil {
		return nil, err
	}
	return digest.New(digest.Config{
		At: dc.At, Location: cfg.User.Location, From: dc.From, To: dc.To, Empty: dc.Empty,
	}, src, sender, store, log, digest.WithClock(d.now)), nil
}

// checkDigest logs in to the digest's SMTP server, sending nothing.
func checkDigest(ctx context.Context, cfg *config.Config) []CheckResult {
	dc := cfg.Notify.Digest
	if dc == nil {
		return nil
	}
	const name = "notify:digest"
	s, err := digestSMTP(dc.SMTP)
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = s.Check(cctx)
		cancel()
	}
	if err != nil {
		return []CheckResult{{Component: name, Detail: err.Error()}}
	}
	login := "no login"
	if dc.SMTP.Username != "" {
		login = "logged in as " + dc.SMTP.Username
	}
	return []CheckResult{{Component: name, OK: true, Detail: fmt.Sprintf("%s:%d (%s), %s; daily at %02d:%02d to %s",
		dc.SMTP.Host, dc.SMTP.Port, dc.SMTP.TLS, login, int(dc.At/time.Hour), int(dc.At%time.Hour/time.Minute), dc.To)}}
}

func digestSMTP(sc config.SMTP) (*digest.SMTP, error) {
	var pw func(context.Context) (string, error)
	if sc.Password.IsSet() {
		pw = sc.Password.Resolve
	}
	s, err := digest.NewSMTP(digest.SMTPConfig{Host: sc.Host, Port: sc.Port, TLS: sc.TLS, Username: sc.Username, Password: pw})
	if err != nil {
		return nil, fmt.Errorf("notify.digest: %w", err)
	}
	return s, nil
}

func sourceHealth(hs []watchers.Health) []digest.SourceHealth {
	out := make([]digest.SourceHealth, 0, len(hs))
	for _, h := range hs {
		out = append(out, digest.SourceHealth{Name: h.Name, OK: h.OK, Failures: h.Failures, Since: h.Since, LastError: h.LastError})
	}
	return out
}

// assistSummarizer lets the digest ask the assistant (notifiers do not
// import the planner).
type assistSummarizer struct{ a *assist.Assistant }

func (s assistSummarizer) Summarize(ctx context.Context, purpose string, items []digest.SummaryItem) (string, error) {
	in := make([]assist.SummaryItem, len(items))
	for i, it := range items {
		in[i] = assist.SummaryItem{Text: it.Text, Send: it.Send, Ref: it.Ref}
	}
	return s.a.Summarize(ctx, purpose, in)
}

// budgetReader reports the model's budget today and yesterday (the day
// totals of yesterday are kept for this).
func budgetReader(b *llm.Budget, loc *time.Location) func(context.Context, time.Time) (digest.ModelBudget, error) {
	return func(ctx context.Context, now time.Time) (digest.ModelBudget, error) {
		today, err := b.Status(ctx, now)
		if err != nil {
			return digest.ModelBudget{}, err
		}
		yesterday, err := b.Status(ctx, now.In(loc).AddDate(0, 0, -1))
		if err != nil {
			return digest.ModelBudget{}, err
		}
		return digest.ModelBudget{
			DailyTokens: today.DailyTokens, SpentToday: today.TokensSpent, SpentYesterday: yesterday.TokensSpent,
			ResetsAt: today.DayResetsAt, CallsLeft: today.CallsLeft, NextCallAllowed: today.NextCallAllowed,
		}, nil
	}
}

// DigestPreview renders the digest as it would be at at, sending nothing:
// `agentd digest preview`. It asks the running daemon through its control
// socket (which knows the sources' health), or reads the data dir when no
// daemon runs.
func DigestPreview(ctx context.Context, cfg *config.Config, at time.Time, logger *slog.Logger) (digest.Rendered, error) {
	var r digest.Rendered
	if c, err := control.Dial(ctx, control.SocketPath(busConfig(cfg).DataDir)); err == nil {
		err := c.Get(ctx, "/v1/digest?at="+url.QueryEscape(at.Format(time.RFC3339Nano)), &r)
		return r, err
	}
	err := withDigester(ctx, cfg, func() time.Time { return at }, logger, func(g *digest.Digester) error {
		var err error
		_, r, err = g.Preview(ctx, at)
		return err
	})
	return r, err
}

// DigestSend builds the digest now and sends it at once: `agentd digest
// send`, through the running daemon when there is one. It is not the daily
// one and does not take its place.
func DigestSend(ctx context.Context, cfg *config.Config, logger *slog.Logger) (messageID string, err error) {
	if c, err := control.Dial(ctx, control.SocketPath(busConfig(cfg).DataDir)); err == nil {
		var out digestSent
		err := c.Post(ctx, "/v1/digest/send", nil, &out)
		return out.MessageID, err
	}
	err = withDigester(ctx, cfg, time.Now, logger, func(g *digest.Digester) error {
		var err error
		messageID, err = g.SendNow(ctx)
		return err
	})
	return messageID, err
}

// digestSent is the answer of POST /v1/digest/send.
type digestSent struct {
	MessageID string `json:"message_id"`
}

// registerDigestControl serves the digest on the control socket: GET
// /v1/digest[?at=RFC3339] renders it, POST /v1/digest/send sends one now.
// Each request builds a digest over the daemon's bus with the config and
// watchers of the moment.
func (a *App) registerDigestControl(srv *control.Server, cfg *config.Config, b *bus.Bus) {
	current := func() (*config.Config, func() []watchers.Health) {
		// Stop and Reload hold a.mu while they wait for the pipeline (and
		// Stop for this socket's requests): then the config of start
		// will do, without health, rather than wait.
		if !a.mu.TryLock() {
			return cfg, nil
		}
		c, r := a.cfg, a.watchers
		a.mu.Unlock()
		if r == nil {
			return c, nil
		}
		return c, r.Health
	}
	build := func(ctx context.Context, now func() time.Time) (*digest.Digester, error) {
		c, health := current()
		if c.Notify.Digest == nil {
			return nil, errors.New("no digest is configured: add notify.digest to the config and reload")
		}
		store, err := b.Store(ctx, bus.BucketSuggestions)
		if err != nil {
			return nil, err
		}
		return newDigester(ctx, c, digestDeps{
			book: suggestions.New(store, busOutbox{b}, now), health: health, stores: b.Store,
			logger: a.logger, now: now, client: a.opts.HTTPClient,
		})
	}
	srv.Handle("GET /v1/digest", func(w http.ResponseWriter, r *http.Request) {
		at := a.now()
		if s := r.URL.Query().Get("at"); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				control.Error(w, http.StatusBadRequest, fmt.Errorf("at %q is not an RFC 3339 time", s))
				return
			}
			at = t
		}
		g, err := build(r.Context(), func() time.Time { return at })
		if err != nil {
			control.Error(w, http.StatusConflict, err)
			return
		}
		_, out, err := g.Preview(r.Context(), at)
		if err != nil {
			control.Error(w, http.StatusInternalServerError, err)
			return
		}
		control.WriteJSON(w, out)
	})
	srv.Handle("POST /v1/digest/send", func(w http.ResponseWriter, r *http.Request) {
		g, err := build(r.Context(), a.now)
		if err != nil {
			control.Error(w, http.StatusConflict, err)
			return
		}
		id, err := g.SendNow(r.Context())
		if err != nil {
			control.Error(w, http.StatusBadGateway, err)
			return
		}
		control.WriteJSON(w, digestSent{MessageID: id})
	})
}

// withDigester opens the data dir and runs f with a digest over it whose
// clock is now.
func withDigester(ctx context.Context, cfg *config.Config, now func() time.Time, logger *slog.Logger, f func(*digest.Digester) error) error {
	if cfg.Notify.Digest == nil {
		return errors.New("no digest is configured: add notify.digest to the config (see `agentd init` for an example)")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bc := busConfig(cfg)
	b, err := bus.Open(ctx, bc, logger)
	if err != nil {
		return fmt.Errorf("open the data dir %s: %w", bc.DataDir, err)
	}
	defer b.Close()
	store, err := b.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		return err
	}
	g, err := newDigester(ctx, cfg, digestDeps{
		book: suggestions.New(store, busOutbox{b}, now), stores: b.Store, logger: logger, now: now,
	})
	if err != nil {
		return err
	}
	return f(g)
}
