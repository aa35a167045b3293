package maildir

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/agentd/agentd/internal/state"
)

// countingStore counts the writes that reach a real Memory store.
type countingStore struct {
	*state.Memory
	puts atomic.Int64
}

func (s *countingStore) Put(ctx context.Context, key string, value []byte) error {
	s.puts.Add(1)
	return s.Memory.Put(ctx, key, value)
}

func TestSeenSetFiftyThousandNames(t *testing.T) {
	const n = 50_000
	ctx := context.Background()
	store := &countingStore{Memory: state.NewMemory()}
	prefix := seenPrefix("home", "")
	ss, corrupt, err := loadSeen(ctx, store, prefix)
	if err != nil || len(corrupt) != 0 {
		t.Fatalf("loadSeen on an empty store: %v, corrupt %q", err, corrupt)
	}
	name := func(i int) string {
		return fmt.Sprintf("%d.M%dP%d.mail.example.org,S=%d", 1700000000+i*37, i, 4000+i%97, 2000+i)
	}
	for i := range n {
		ss.add(name(i))
	}
	if err := ss.flush(ctx, store); err != nil {
		t.Fatal(err)
	}
	keys, err := store.Keys(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	total, largest := 0, 0
	for _, k := range keys {
		v, err := store.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		total += len(v)
		largest = max(largest, len(v))
	}
	if len(keys) != seenShards {
		t.Errorf("%d keys, want %d", len(keys), seenShards)
	}
	// 8 bytes per name plus a version byte per key; one key well under
	// JetStream's 1 MB message limit.
	if want := 8*n + seenShards; total != want {
		t.Errorf("stored %d bytes for %d names, want %d", total, n, want)
	}
	if largest > 16<<10 {
		t.Errorf("largest key holds %d bytes", largest)
	}
	t.Logf("%d names: %d keys, %d bytes in all, largest key %d bytes", n, len(keys), total, largest)

	re, corrupt, err := loadSeen(ctx, store, prefix)
	if err != nil || len(corrupt) != 0 {
		t.Fatalf("reload: %v, corrupt %q", err, corrupt)
	}
	if re.len() != n {
		t.Fatalf("reloaded %d names, want %d", re.len(), n)
	}
	for i := range n {
		if !re.has(name(i)) {
			t.Fatalf("%s lost", name(i))
		}
	}
	for i := n; i < n+1000; i++ {
		if re.has(name(i)) {
			t.Fatalf("%s seen but never added", name(i))
		}
	}

	// One more name rewrites one key, not the set.
	before := store.puts.Load()
	re.add("1800000000.new.host")
	re.add(name(3)) // known: no write
	if err := re.flush(ctx, store); err != nil {
		t.Fatal(err)
	}
	if got := store.puts.Load() - before; got != 1 {
		t.Errorf("adding one name wrote %d keys, want 1", got)
	}
}

func TestDecodeShardRejectsGarbage(t *testing.T) {
	cases := map[string][]byte{
		"empty":         {},
		"wrong version": {9, 0, 0, 0, 0, 0, 0, 0, 1},
		"partial hash":  {seenFormatV1, 1, 2, 3},
		"text":          []byte("garbage"),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeShard(raw); err == nil {
				t.Fatalf("decodeShard(%q) succeeded", raw)
			}
		})
	}
	m := map[uint64]struct{}{3: {}, 1: {}, 1 << 63: {}}
	hs, err := decodeShard(encodeShard(m))
	if err != nil || len(hs) != 3 || hs[0] != 1 || hs[1] != 3 || hs[2] != 1<<63 {
		t.Fatalf("round trip = %v, %v", hs, err)
	}
	if !strings.HasPrefix(seenPrefix("home", "[Gmail]/Sent Mail"), "maildir.home.") {
		t.Errorf("prefix %q", seenPrefix("home", "[Gmail]/Sent Mail"))
	}
}
