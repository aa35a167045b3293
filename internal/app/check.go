package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
)

// CheckResult is one line of `agentd check`.
type CheckResult struct {
	Component string
	OK        bool
	Detail    string // what was found, or the error and what to do
}

// Check tries every part of the config once (bus, sources, rules,
// notifiers) without sending anything and without touching the daemon's
// state. The config itself was already loaded and validated by the caller.
func Check(ctx context.Context, cfg *config.Config, logger *slog.Logger, client *http.Client) []CheckResult {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	res := []CheckResult{{Component: "config", OK: true, Detail: cfg.Path}}
	res = append(res, checkBus(ctx, cfg, logger))

	ws, err := Watchers(ctx, cfg, memoryStores(), logger, client, time.Now)
	if err != nil {
		res = append(res, CheckResult{Component: "sources", Detail: err.Error()})
	}
	for _, w := range ws {
		if d, ok := w.(*deferredWatcher); ok && d.probe {
			// Logging in and finding the mailboxes is the check; a full
			// first sync would read two weeks of mail.
			cctx, cancel := context.WithTimeout(ctx, time.Minute)
			err := w.Connect(cctx)
			w.Close(context.WithoutCancel(ctx))
			cancel()
			if err != nil {
				res = append(res, CheckResult{Component: w.Name(), Detail: err.Error()})
			} else {
				res = append(res, CheckResult{Component: w.Name(), OK: true, Detail: "logged in, mailboxes found"})
			}
			continue
		}
		n := 0
		count := func(context.Context, event.Event) error { n++; return nil }
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := syncOnce(sctx, w, count)
		cancel()
		if err != nil {
			res = append(res, CheckResult{Component: w.Name(), Detail: err.Error()})
			continue
		}
		res = append(res, CheckResult{Component: w.Name(), OK: true, Detail: fmt.Sprintf("%d items", n)})
	}
	res = append(res, checkStore(ctx, cfg, logger)...)
	res = append(res, checkPoison(ctx, cfg, logger)...)

	if p, err := Planner(cfg, logger, time.Now, state.NewMemory()); err != nil || p == nil {
		res = append(res, CheckResult{Component: "rules", Detail: fmt.Sprint(err)})
	} else {
		res = append(res, CheckResult{Component: "rules", OK: true, Detail: fmt.Sprintf("built-in rules + %d of yours compiled", len(cfg.Rules))})
	}

	res = append(res, checkModel(ctx, cfg, logger, client)...)

	targets := Notifiers(cfg, io.Discard, logger, time.Now, nil)
	if len(targets) == 0 && cfg.Notify.Digest == nil {
		res = append(res, CheckResult{Component: "notify", Detail: "no notifier configured: add notify: {terminal: {}}, desktop: {}, ntfy or webhook"})
	}
	for _, t := range targets {
		name := "notify:" + t.Notifier.Name()
		c, ok := t.Notifier.(notifiers.Checker)
		if !ok {
			res = append(res, CheckResult{Component: name, OK: true, Detail: "ready"})
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := c.Check(cctx)
		cancel()
		if err != nil {
			res = append(res, CheckResult{Component: name, Detail: err.Error()})
		} else {
			res = append(res, CheckResult{Component: name, OK: true, Detail: "ready"})
		}
		closeNotifier(t.Notifier)
	}
	res = append(res, checkDigest(ctx, cfg)...)
	return res
}

// checkBus connects to an external server, or starts a throw-away embedded
// one (the daemon's own store may be in use by a running agentd) and checks
// the data directory can be written.
func checkBus(ctx context.Context, cfg *config.Config, logger *slog.Logger) CheckResult {
	bc := busConfig(cfg)
	if bc.URL == "" {
		if err := os.MkdirAll(bc.DataDir, 0o700); err != nil {
			return CheckResult{Component: "bus", Detail: fmt.Sprintf("data directory %s: %v (set bus.data_dir to a writable folder)", bc.DataDir, err)}
		}
		probe, err := os.CreateTemp(bc.DataDir, ".check-*")
		if err != nil {
			return CheckResult{Component: "bus", Detail: fmt.Sprintf("data directory %s is not writable: %v (set bus.data_dir to a writable folder)", bc.DataDir, err)}
		}
		probe.Close()
		os.Remove(probe.Name())
		tmp, err := os.MkdirTemp("", "agentd-check-")
		if err != nil {
			return CheckResult{Component: "bus", Detail: err.Error()}
		}
		defer os.RemoveAll(tmp)
		if bc.Listen != "" {
			if err := bus.CheckTLS(bc.TLS); err != nil {
				return CheckResult{Component: "bus", Detail: err.Error()}
			}
		}
		bc.DataDir, bc.Listen = filepath.Join(tmp, "js"), ""
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	b, err := bus.Open(cctx, bc, logger)
	if err != nil {
		hint := ""
		if bc.URL != "" {
			hint = " (agentd needs nats-server 2.12 or newer with JetStream enabled; leave bus.url empty to use the embedded server)"
		}
		return CheckResult{Component: "bus", Detail: err.Error() + hint}
	}
	defer b.Close()
	if b.Embedded() {
		return CheckResult{Component: "bus", OK: true, Detail: fmt.Sprintf("embedded nats-server %s, data in %s; %s", b.ServerVersion(), busConfig(cfg).DataDir, busExposure(cfg))}
	}
	return CheckResult{Component: "bus", OK: true, Detail: fmt.Sprintf("nats-server %s; %s", b.ServerVersion(), busExposure(cfg))}
}

func closeNotifier(n notifiers.Notifier) {
	if c, ok := n.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

// checkModel probes each configured endpoint once (its model list and one
// tiny JSON call, about 20 tokens) and says what may leave the machine.
func checkModel(ctx context.Context, cfg *config.Config, logger *slog.Logger, client *http.Client) []CheckResult {
	if !cfg.LLM.Enabled() {
		return []CheckResult{{Component: "llm", OK: true, Detail: "none configured: nothing leaves this machine"}}
	}
	m, err := BuildModel(ctx, cfg, state.NewMemory(), logger, client, time.Now)
	if err != nil {
		return []CheckResult{{Component: "llm", Detail: err.Error()}}
	}
	var out []CheckResult
	for _, p := range m.Providers {
		pctx, cancel := context.WithTimeout(ctx, time.Duration(cfg.LLM.Timeout))
		r := p.Probe(pctx)
		cancel()
		name := "llm:" + r.Model
		switch {
		case !r.Reachable && r.Err != nil:
			out = append(out, CheckResult{Component: name, Detail: fmt.Sprintf("%s is not reachable: %v", r.Host, r.Err)})
		case r.Err != nil || !r.JSONWorks:
			detail := fmt.Sprintf("%s answers, but a JSON call failed: %v", r.Host, r.Err)
			if r.ModelsErr == nil && !r.ModelListed {
				detail = fmt.Sprintf("%s does not serve model %q (it lists: %s)", r.Host, r.Model, strings.Join(firstN(r.Models, 8), ", "))
			}
			out = append(out, CheckResult{Component: name, Detail: detail})
		default:
			listed := "listed by /models"
			if r.ModelsErr != nil {
				listed = "no /models list"
			} else if !r.ModelListed {
				listed = "not in /models, but it answered"
			}
			out = append(out, CheckResult{Component: name, OK: true, Detail: fmt.Sprintf("%s: %s, JSON mode %s, %d ms", r.Host, listed, r.Mode, r.Latency.Milliseconds())})
		}
	}
	out = append(out, CheckResult{Component: "llm:privacy", OK: true, Detail: privacyLine(cfg)})
	if st, err := ReadBudget(ctx, cfg, time.Now(), logger); err == nil {
		// A spent budget is no fault of the setup: rules work on.
		line, _ := budgetLine(st, cfg.User.Location, time.Now())
		out = append(out, CheckResult{Component: "llm:budget", OK: true, Detail: line})
	} else if logger != nil {
		logger.Debug("model budget not read", "err", err)
	}
	return out
}

// privacyLine says what of each source may leave for the model.
func privacyLine(cfg *config.Config) string {
	var parts []string
	for _, m := range cfg.Sources.Mail {
		parts = append(parts, "mail:"+m.Name+" "+cfg.LLM.SendFor(m.LLM))
	}
	for _, c := range cfg.Sources.Calendars {
		parts = append(parts, "calendar:"+c.Name+" "+cfg.LLM.SendFor(c.LLM))
	}
	for _, f := range cfg.Sources.Feeds {
		parts = append(parts, "feed:"+f.Name+" "+cfg.LLM.SendFor(f.LLM))
	}
	s := fmt.Sprintf("send %s by default; daily budget %d tokens, %d calls/hour", cfg.LLM.Send, cfg.LLM.DailyTokenBudget, cfg.LLM.MaxCallsPerHour)
	if len(parts) > 0 {
		s += "; " + strings.Join(parts, ", ")
	}
	return s
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}
