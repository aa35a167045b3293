package drafts

import (
	"context"
	"errors"
)

// Store is where one account's drafts live: the IMAP Drafts mailbox or the
// Drafts folder of a Maildir. A store never sends anything.
type Store interface {
	// Save stores raw (a message from Compose, CRLF line endings) as a
	// draft with the given Message-ID (without <>).
	Save(ctx context.Context, raw []byte, msgID string) error
	// Find reports whether a draft with msgID is there and whether it is
	// untouched: every copy with that Message-ID is still exactly what
	// agentd wrote (Untouched). A copy marked deleted does not count.
	Find(ctx context.Context, msgID string) (found, untouched bool, err error)
	// Delete removes the untouched drafts with msgID. If any copy was
	// edited it removes nothing and returns ErrEdited; a missing draft is
	// not an error.
	Delete(ctx context.Context, msgID string) error
}

// ErrEdited is returned by Store.Delete when the user changed the draft:
// agentd never modifies or deletes what the user edited.
var ErrEdited = errors.New("draft was edited by the user")

// maxDraftSize bounds what a store reads back to compare: agentd's drafts
// are a few KiB; a copy far larger was not written by agentd.
const maxDraftSize = 1 << 20
