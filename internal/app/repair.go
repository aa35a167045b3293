package app

import (
	"context"
	"log/slog"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
)

// Repair mends the embedded bus's store in cfg's data dir (see bus.Repair):
// unreadable files go aside and each damaged consumer is rebuilt from its
// stream's first message, so what it had not handled yet is handled at the
// next start. The replay is safe and cheap because the pipeline is
// idempotent, as it must be for a kill -9 anyway:
//   - planner: Book.Offer makes a suggestion it made before not again
//     (same id, same content); a changed one is published but shown only
//     if the delivery log lacks it;
//   - notifiers: the delivery log (BucketDelivery, kept) holds every
//     notifier × suggestion (× due time) shown, so nothing is shown twice;
//   - drafts: one job per thread state (work ids deduplicated by the bus
//     within an hour), and the job does nothing when the suggestion
//     already has the draft for that mail;
//   - the model: every question is answered from the answer cache
//     (BucketLLM, keyed by a hash of the request, kept 30 days as long as
//     the EVENTS and SUGGESTIONS streams keep their messages), so a
//     replayed judgement or summary sends nothing to the provider.
func Repair(ctx context.Context, cfg *config.Config, logger *slog.Logger) (bus.RepairReport, error) {

	return bus.Repair(ctx, busConfig(cfg), logger)
}
