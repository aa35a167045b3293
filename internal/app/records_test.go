package app

import (
	"context"

	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
)

// getRecord reads the record of suggestion id from the suggestions bucket.
func getRecord(ctx context.Context, store state.Store, id string) (suggestions.Record, error) {
	return suggestions.New(store, nil, nil).Get(ctx, id)
}

// record is what the tests read back.
type record = suggestions.Record
