package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/control"
	"github.com/agentd/agentd/watchers"
)

// PoisonPath is the control API's list of poison records.
const PoisonPath = "/v1/poison"

// quarantine is what the watchers publish with: the bus's PublishEvent,
// except that an event the bus refuses for good is recorded in the
// agentd_poison bucket and skipped, so that no single item stops a source.
func quarantine(ctx context.Context, b *bus.Bus, logger *slog.Logger, now func() time.Time) (watchers.Publish, error) {
	book, err := poisonBook(ctx, b, now)
	if err != nil {
		return nil, err
	}
	return watchers.Quarantine(b.PublishEvent, book, bus.IsPermanent, logger.With("component", "watchers")), nil
}

func poisonBook(ctx context.Context, b *bus.Bus, now func() time.Time) (*watchers.PoisonBook, error) {
	store, err := b.Store(ctx, bus.BucketPoison)
	if err != nil {
		return nil, err
	}
	return watchers.NewPoisonBook(store, now), nil
}

// poisonHandler answers GET /v1/poison with every source's poison record,
// for `agentd check` beside a running daemon.
func poisonHandler(b *bus.Bus) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		book, err := poisonBook(r.Context(), b, nil)
		if err != nil {
			control.Error(w, http.StatusInternalServerError, err)
			return
		}
		recs, err := book.List(r.Context())
		if err != nil {
			control.Error(w, http.StatusInternalServerError, err)
			return
		}
		if recs == nil {
			recs = []watchers.PoisonRecord{}
		}
		control.WriteJSON(w, recs)
	}
}

// ReadPoison returns every source's poison record: from the running daemon
// through its control socket, or, when no daemon answers, from the data
// dir itself (nothing when there is none yet). Beside a daemon that does
// not answer on its socket, the data dir's lock refuses with an error
// naming the daemon's pid (bus.ErrLocked).
func ReadPoison(ctx context.Context, cfg *config.Config, logger *slog.Logger) ([]watchers.PoisonRecord, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bc := busConfig(cfg)
	if c, err := control.Dial(ctx, control.SocketPath(bc.DataDir)); err == nil {
		var out []watchers.PoisonRecord
		if err := c.Get(ctx, PoisonPath, &out); err != nil {
			return nil, err
		}
		return out, nil
	}
	if bc.URL == "" {
		if _, err := os.Stat(bc.DataDir); errors.Is(err, os.ErrNotExist) {
			return nil, nil // never run: nothing skipped
		}
	}
	// Only the in-process connection: a check must not open the port a
	// daemon about to start wants.
	bc.Listen = ""
	b, err := bus.Open(ctx, bc, logger)
	if err != nil {
		return nil, fmt.Errorf("open the data dir %s: %w", bc.DataDir, err)
	}
	defer b.Close()
	book, err := poisonBook(ctx, b, nil)
	if err != nil {
		return nil, err
	}
	return book.List(ctx)
}

// checkPoison is one line per source that had events skipped as poison,
// with the count and the last reason. Skipped events are a report, not a
// fault of the config: the lines are not failures.
func checkPoison(ctx context.Context, cfg *config.Config, logger *slog.Logger) []CheckResult {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	recs, err := ReadPoison(cctx, cfg, logger)
	if lerr := (*bus.LockedError)(nil); errors.As(err, &lerr) {
		who := "another process"
		if lerr.PID > 0 {
			who = fmt.Sprintf("the running agentd (pid %d)", lerr.PID)
		}
		return []CheckResult{{Component: "poison", OK: true, Detail: fmt.Sprintf(
			"not read: %s holds the data dir %s and does not answer on its control socket", who, lerr.Dir)}}
	}
	if err != nil {
		return []CheckResult{{Component: "poison", OK: true, Detail: "not read: " + err.Error()}}
	}
	var out []CheckResult
	for _, r := range recs {
		last := r.Last()
		out = append(out, CheckResult{Component: "poison:" + r.Source, OK: true, Detail: fmt.Sprintf(
			"%d event(s) skipped, refused by the bus for good; last %s, %s %q: %s",
			r.Count, last.At.In(cfg.User.Location).Format("2006-01-02 15:04"), last.Type, last.Subject, last.Reason)})
	}
	return out
}
