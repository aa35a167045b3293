package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/control"
	"github.com/agentd/agentd/planner/llm"
)

// ReadLedger returns the egress ledger's entries at or after since, oldest
// first: from the running daemon through its control socket, or, when no
// daemon runs on this data dir, from the data dir itself.
func ReadLedger(ctx context.Context, cfg *config.Config, since time.Time, logger *slog.Logger) ([]llm.Entry, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bc := busConfig(cfg)
	if c, err := control.Dial(ctx, control.SocketPath(bc.DataDir)); err == nil {
		var out []llm.Entry
		if err := c.Get(ctx, "/v1/ledger?since="+since.UTC().Format(time.RFC3339Nano), &out); err != nil {
			return nil, err
		}
		return out, nil
	}
	b, err := bus.Open(ctx, bc, logger)
	if err != nil {
		return nil, fmt.Errorf("open the data dir %s: %w", bc.DataDir, err)
	}
	defer b.Close()
	store, err := b.Store(ctx, BucketLLM)
	if err != nil {
		return nil, err
	}
	return llm.NewStoreLedger(llm.StoreLedgerConfig{Store: store}).List(ctx, since)
}

// ledgerHandler answers GET /v1/ledger?since=RFC3339.
func ledgerHandler(ledger llm.Ledger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var since time.Time
		if s := r.URL.Query().Get("since"); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				control.Error(w, http.StatusBadRequest, fmt.Errorf("since %q is not an RFC 3339 time", s))
				return
			}
			since = t
		}
		if ledger == nil {
			control.WriteJSON(w, []llm.Entry{})
			return
		}
		entries, err := ledger.List(r.Context(), since)
		if err != nil {
			control.Error(w, http.StatusInternalServerError, err)
			return
		}
		if entries == nil {
			entries = []llm.Entry{}
		}
		control.WriteJSON(w, entries)
	}
}
