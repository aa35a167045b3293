package imap

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// maxAnnounced bounds the announced set of one mailbox: 12 bytes an entry,
// so the record stays well below JetStream's 1 MiB message limit.
const maxAnnounced = 50000

// cursor is what the store keeps per mailbox, under
// "imap.<account>.cursor.<mailbox>".
//
// UIDValidity and LastUID say where the next pass starts. Announced holds
// the messages already published, keyed by Message-ID, so that a resync
// after a UIDVALIDITY change (every UID renumbered) does not announce them
// again: the bus only drops duplicate event ids within its short dedup
// window, and the planner must not be the only guard. Entries older than
// the look-back window are dropped, because a resync reads no further back.
type cursor struct {
	UIDValidity uint32 `json:"uidvalidity"`
	LastUID     uint32 `json:"last_uid"`
	// Backfill is the look-back or resync range still being read.
	Backfill *backfill `json:"backfill,omitempty"`
	// Synced is when a pass last finished; mail older than this found on
	// a resync was not new when it arrived (it was moved in, or its record
	// aged out) and is published as backfill.
	Synced time.Time `json:"synced,omitzero"`
	// Announced is the announced set, encoded: 12-byte entries of an
	// 8-byte hash of the message key and its INTERNALDATE in Unix seconds.
	Announced []byte `json:"announced,omitempty"`

	announced map[uint64]uint32
}

func cursorKey(account, mailbox string) string { return "imap." + account + ".cursor." + mailbox }

// loadCursor returns the stored cursor; found is false for a mailbox never
// synced (or whose record is unreadable: it is then resynced, and the
// deterministic event ids let the bus drop what it still remembers).
func loadCursor(ctx context.Context, store state.Store, key string) (c *cursor, found bool, err error) {
	c = &cursor{announced: map[uint64]uint32{}}
	raw, err := store.Get(ctx, key)
	if errors.Is(err, state.ErrNotFound) {
		return c, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("load %s: %w", key, err)
	}
	if err := json.Unmarshal(raw, c); err != nil || len(c.Announced)%12 != 0 {
		return &cursor{announced: map[uint64]uint32{}}, false, nil
	}
	for b := c.Announced; len(b) >= 12; b = b[12:] {
		c.announced[binary.BigEndian.Uint64(b)] = binary.BigEndian.Uint32(b[8:])
	}
	c.Announced = nil
	return c, true, nil
}

// save stores the cursor, dropping announced entries from before keepAfter.
func (c *cursor) save(ctx context.Context, store state.Store, key string, keepAfter time.Time) error {
	type entry struct {
		h uint64
		t uint32
	}
	entries := make([]entry, 0, len(c.announced))
	cut := unixSeconds(keepAfter)
	for h, t := range c.announced {
		if t < cut {
			delete(c.announced, h)
			continue
		}
		entries = append(entries, entry{h, t})
	}
	// Newest first, so that over the cap the oldest go.
	slices.SortFunc(entries, func(a, b entry) int {
		if a.t != b.t {
			return int(int64(b.t) - int64(a.t))
		}
		if a.h < b.h {
			return -1
		}
		if a.h > b.h {
			return 1
		}
		return 0
	})
	if len(entries) > maxAnnounced {
		for _, e := range entries[maxAnnounced:] {
			delete(c.announced, e.h)
		}
		entries = entries[:maxAnnounced]
	}
	buf := make([]byte, 0, 12*len(entries))
	for _, e := range entries {
		buf = binary.BigEndian.AppendUint64(buf, e.h)
		buf = binary.BigEndian.AppendUint32(buf, e.t)
	}
	rec := *c
	rec.Announced = buf
	raw, err := json.Marshal(&rec)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if err := store.Put(ctx, key, raw); err != nil {
		return fmt.Errorf("save %s: %w", key, err)
	}
	return nil
}

func (c *cursor) known(key string) bool {
	_, ok := c.announced[keyHash(key)]
	return ok
}

func (c *cursor) remember(key string, at time.Time) {
	c.announced[keyHash(key)] = unixSeconds(at)
}

func keyHash(key string) uint64 {
	sum := sha256.Sum256([]byte(key))
	return binary.BigEndian.Uint64(sum[:8])
}

func unixSeconds(t time.Time) uint32 {
	s := t.Unix()
	switch {
	case t.IsZero() || s < 0:
		return 0
	case s > int64(^uint32(0)):
		return ^uint32(0)
	default:
		return uint32(s)
	}
}
