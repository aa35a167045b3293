package maildir

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// The announced messages of a folder are kept as 64-bit FNV-1a hashes of
// their unique names, split over seenShards keys by the hash's top bits.
// A value is a version byte and the shard's hashes, sorted, 8 bytes each
// (big-endian). 50,000 mails take 400 KB in all, about 6 KB per key: far
// below JetStream's 1 MB message limit, and announcing one mail rewrites one
// 6 KB key, not the whole set. A false "seen" needs two unique names of one
// folder to collide in 64 bits: about 7·10⁻¹¹ at 50,000 names. Message-ID
// event ids are the second line of defence against a repeat: the bus drops
// an event whose id it stored within its dedup window.
const (
	seenShards      = 64
	seenShardBits   = 6 // log2(seenShards)
	seenFormatV1    = 1
	seenKeyPrefix   = "maildir."
	metaRecordKey   = "meta"
	seenShardKeyFmt = "seen.%02x"
)

// folderMeta is stored per folder once its first pass has completed: from
// then on new files are announced normally rather than as backfill.
type folderMeta struct {
	Initialized time.Time `json:"initialized"`
	Dir         string    `json:"dir"`
}

// seenSet is one folder's announced unique names, loaded from the store.
type seenSet struct {
	prefix      string // store key prefix, "maildir.<account>.<folder>."
	initialized bool
	shards      [seenShards]map[uint64]struct{}
	dirty       [seenShards]bool
	// reset marks shards whose stored value was unreadable: their names
	// get first-run treatment (old mail remembered silently, recent mail
	// announced as backfill) rather than all being announced again.
	reset [seenShards]bool
}

func seenPrefix(account, folderRel string) string {
	name := folderRel
	if name == "" {
		name = "INBOX"
	}
	return seenKeyPrefix + account + "." + name + "."
}

func hashUnique(unique string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(unique))
	return h.Sum64()
}

func shardOf(h uint64) int { return int(h >> (64 - seenShardBits)) }

// loadSeen reads a folder's meta record and every shard. An unreadable
// record is reported through corrupt and treated as absent.
func loadSeen(ctx context.Context, store state.Store, prefix string) (s *seenSet, corrupt []string, err error) {
	s = &seenSet{prefix: prefix}
	raw, err := store.Get(ctx, prefix+metaRecordKey)
	switch {
	case errors.Is(err, state.ErrNotFound):
	case err != nil:
		return nil, nil, fmt.Errorf("load %s%s: %w", prefix, metaRecordKey, err)
	default:
		var m folderMeta
		if json.Unmarshal(raw, &m) != nil || m.Initialized.IsZero() {
			corrupt = append(corrupt, prefix+metaRecordKey)
			break
		}
		s.initialized = true
	}
	for i := range s.shards {
		key := prefix + fmt.Sprintf(seenShardKeyFmt, i)
		s.shards[i] = map[uint64]struct{}{}
		raw, err := store.Get(ctx, key)
		if errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("load %s: %w", key, err)
		}
		hs, err := decodeShard(raw)
		if err != nil {
			corrupt = append(corrupt, key)
			s.reset[i], s.dirty[i] = true, true
			continue
		}
		for _, h := range hs {
			s.shards[i][h] = struct{}{}
		}
	}
	return s, corrupt, nil
}

// firstRun reports whether unique is to be treated as in a first run: the
// folder was never completed, or its shard was lost.
func (s *seenSet) firstRun(unique string) bool {
	return !s.initialized || s.reset[shardOf(hashUnique(unique))]
}

func (s *seenSet) has(unique string) bool {
	h := hashUnique(unique)
	_, ok := s.shards[shardOf(h)][h]
	return ok
}

// add records unique in memory; flush stores it.
func (s *seenSet) add(unique string) {
	h := hashUnique(unique)
	i := shardOf(h)
	if _, ok := s.shards[i][h]; !ok {
		s.shards[i][h] = struct{}{}
		s.dirty[i] = true
	}
}

func (s *seenSet) len() int {
	n := 0
	for _, m := range s.shards {
		n += len(m)
	}
	return n
}

// flush stores the shards changed since the last flush.
func (s *seenSet) flush(ctx context.Context, store state.Store) error {
	for i, d := range s.dirty {
		if !d {
			continue
		}
		key := s.prefix + fmt.Sprintf(seenShardKeyFmt, i)
		if err := store.Put(ctx, key, encodeShard(s.shards[i])); err != nil {
			return fmt.Errorf("store %s: %w", key, err)
		}
		s.dirty[i] = false
	}
	return nil
}

// needsInit reports whether the folder's first pass (or the re-reading of
// a lost shard) is still to be completed.
func (s *seenSet) needsInit() bool {
	return !s.initialized || slices.Contains(s.reset[:], true)
}

// markInitialized stores the folder's meta record: from now on its new
// files are announced normally.
func (s *seenSet) markInitialized(ctx context.Context, store state.Store, m folderMeta) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s%s: %w", s.prefix, metaRecordKey, err)
	}
	if err := store.Put(ctx, s.prefix+metaRecordKey, raw); err != nil {
		return fmt.Errorf("store %s%s: %w", s.prefix, metaRecordKey, err)
	}
	s.initialized = true
	s.reset = [seenShards]bool{}
	return nil
}

func encodeShard(m map[uint64]struct{}) []byte {
	hs := make([]uint64, 0, len(m))
	for h := range m {
		hs = append(hs, h)
	}
	slices.Sort(hs)
	out := make([]byte, 1, 1+8*len(hs))
	out[0] = seenFormatV1
	for _, h := range hs {
		out = binary.BigEndian.AppendUint64(out, h)
	}
	return out
}

func decodeShard(raw []byte) ([]uint64, error) {
	if len(raw) == 0 || raw[0] != seenFormatV1 {
		return nil, errors.New("unknown seen-set format")
	}
	body := raw[1:]
	if len(body)%8 != 0 {
		return nil, fmt.Errorf("seen set of %d bytes is not a list of 8-byte hashes", len(body))
	}
	out := make([]uint64, 0, len(body)/8)
	for i := 0; i < len(body); i += 8 {
		out = append(out, binary.BigEndian.Uint64(body[i:]))
	}
	return out, nil
}
