package app

import (
	"context"
	"log/slog"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
)

// Repair mends the embedded bus's store in cfg's data dir (see bus.Repair):
// unreadable files go aside, damaged consumers are rebuilt after the last
// message, and the delivery log and suggestion records stay, so nothing
// delivered is announced again.
func Repair(ctx context.Context, cfg *config.Config, logger *slog.Logger) (bus.RepairReport, error) {
	return bus.Repair(ctx, busConfig(cfg), logger)
}
