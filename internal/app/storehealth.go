package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/control"
	"github.com/agentd/agentd/watchers"
)

// HealthPath is the control API's list of the sources' health.
const HealthPath = "/v1/health"

// healthHandler answers GET /v1/health with every source's health, for
// `agentd check` beside a running daemon.
func (a *App) healthHandler() http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		hs := a.Health()
		if hs == nil {
			hs = []watchers.Health{}
		}
		control.WriteJSON(w, hs)
	}
}

// checkStore says whether the daemon's store is sound: from the running
// daemon (are its state writes working?) or, when none answers, from the
// data dir itself (can the server read every file?). A damaged store is a
// failure naming the file and `agentd repair`.
func checkStore(ctx context.Context, cfg *config.Config, logger *slog.Logger) []CheckResult {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	bc := busConfig(cfg)
	if c, err := control.Dial(cctx, control.SocketPath(bc.DataDir)); err == nil {
		var hs []watchers.Health
		if err := c.Get(cctx, HealthPath, &hs); err != nil {
			return []CheckResult{{Component: "store", OK: true, Detail: "not read from the running agentd: " + err.Error()}}
		}
		for _, h := range hs {
			if !h.OK && strings.HasPrefix(h.LastError, "cannot save its state") {
				return []CheckResult{{Component: "store", Detail: fmt.Sprintf(
					"the running agentd %s (since %s); if this lasts: %s",
					h.LastError, h.Since.In(cfg.User.Location).Format("2006-01-02 15:04"), bus.RepairHint)}}
			}
		}
		return []CheckResult{{Component: "store", OK: true, Detail: "the running agentd saves its state"}}
	}
	if bc.URL != "" {
		return nil // an external server's store is its own
	}
	if _, err := os.Stat(bc.DataDir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	bc.Listen = ""
	b, err := bus.Open(cctx, bc, logger)
	switch {
	case errors.Is(err, bus.ErrDamaged):
		return []CheckResult{{Component: "store", Detail: err.Error()}}
	case errors.Is(err, bus.ErrLocked):
		return []CheckResult{{Component: "store", OK: true, Detail: "not read: " + err.Error()}}
	case err != nil:
		return []CheckResult{{Component: "store", Detail: err.Error()}}
	}
	defer b.Close()
	if ds := b.Damage(); len(ds) > 0 {
		return []CheckResult{{Component: "store", Detail: (&bus.DamagedError{Damage: ds}).Error()}}
	}
	return []CheckResult{{Component: "store", OK: true, Detail: "every file of " + bc.DataDir + " is readable"}}
}
