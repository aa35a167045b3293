package bus

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// kvCheckTimeout bounds the reading of one key when the store is checked.
const kvCheckTimeout = 5 * time.Second

// kvCheckWorkers is how many keys are read at once when the store is checked.
const kvCheckWorkers = 4

// maxNamedKeys is how many unreadable keys a Damage names.
const maxNamedKeys = 5

// The KV hang (issue 9). A message block of a KV stream with bytes
// overwritten can leave the embedded server (2.15.x) counting a key whose
// record it cannot read. The server logs nothing, the bus opens, but the
// first write to that key spins for ever inside the server: storeRawMsg
// enforces "one value per key" by removing the key's first message, the
// removal finds nothing and the count never drops. That goroutine holds the
// stream's write path at 100 % CPU, so every later write to the bucket
// times out, listing the bucket's keys never ends, and the server's
// shutdown waits for it. Reading the key instead answers "not found" at
// once; so the bus reads every key the server counts before anything can
// write, and refuses to start on such a bucket with a message naming it
// and the repair. The same check catches a block the server cannot read
// at all while its state file still counts the block's keys: there a
// write "succeeds" but the key then reads as not found.

// kvStreams lists the KV streams of the server.
func kvStreams(ctx context.Context, js jetstream.JetStream) ([]string, error) {
	var names []string
	lister := js.StreamNames(ctx)
	for name := range lister.Name() {
		if strings.HasPrefix(name, "KV_") {
			names = append(names, name)
		}
	}
	if err := lister.Err(); err != nil && !errors.Is(err, jetstream.ErrEndOfData) {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// unreadableKeys returns the subjects of stream that the server counts
// messages on but cannot read the last message of.
func unreadableKeys(ctx context.Context, js jetstream.JetStream, stream string) ([]string, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(">"))
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	subjects := make(chan string)
	results := make(chan error, kvCheckWorkers)
	var mu sync.Mutex
	var bad []string
	for range kvCheckWorkers {
		go func() {
			for subj := range subjects {
				gctx, cancel := context.WithTimeout(ctx, kvCheckTimeout)
				_, err := s.GetLastMsgForSubject(gctx, subj)
				cancel()
				if err != nil && ctx.Err() == nil {
					// Not found, or a read error (a corrupt record): damage.
					mu.Lock()
					bad = append(bad, subj)
					mu.Unlock()
				}
			}
			results <- ctx.Err()
		}()
	}
feed:
	for subj, n := range info.State.Subjects {
		if n == 0 {
			continue
		}
		select {
		case subjects <- subj:
		case <-ctx.Done():
			break feed
		}
	}
	close(subjects)
	for range kvCheckWorkers {
		if err := <-results; err != nil {
			return nil, fmt.Errorf("stream %s: %w", stream, err)
		}
	}
	sort.Strings(bad)
	return bad, nil
}

// keyDamage checks every KV stream for keys the server counts but cannot
// read (see above) and describes each such stream as a Damage.
func keyDamage(ctx context.Context, js jetstream.JetStream, jsDir string) ([]Damage, error) {
	streams, err := kvStreams(ctx, js)
	if err != nil {
		return nil, fmt.Errorf("bus: check the store: %w", err)
	}
	var out []Damage
	for _, stream := range streams {
		bad, err := unreadableKeys(ctx, js, stream)
		if err != nil {
			return nil, fmt.Errorf("bus: check the store: %w", err)
		}
		if len(bad) == 0 {
			continue
		}
		named := make([]string, 0, min(len(bad), maxNamedKeys))
		prefix := "$KV." + strings.TrimPrefix(stream, "KV_") + "."
		for _, subj := range bad[:min(len(bad), maxNamedKeys)] {
			k := strings.TrimPrefix(subj, prefix)
			if dk, ok := decodeKey(k); ok {
				k = dk
			}
			named = append(named, fmt.Sprintf("%q", k))
		}
		more := ""
		if len(bad) > maxNamedKeys {
			more = fmt.Sprintf(" and %d more", len(bad)-maxNamedKeys)
		}
		out = append(out, Damage{
			Stream: stream,
			Path:   filepath.Join(jsDir, "$G", "streams", stream, "msgs"),
			Detail: fmt.Sprintf("a message block holds %d key(s) the server counts but cannot read (%s%s); a write to one can hang the server or be lost",
				len(bad), strings.Join(named, ", "), more),
			Keys: bad,
		})
	}
	return out, nil
}

// checkKeys fails if a KV bucket of the embedded server holds keys it
// counts but cannot read: the first write to one would hang the bus.
func (b *Bus) checkKeys(ctx context.Context) error {
	if b.damage == nil {
		return nil
	}
	start := time.Now()
	ds, err := keyDamage(ctx, b.js, b.damage.jsDir)
	if err != nil {
		return err
	}
	b.logger.Debug("store checked: KV keys readable", "took", time.Since(start), "damaged_streams", len(ds))
	if len(ds) == 0 {
		return nil
	}
	b.damage.add(ds...)
	// The blocks the server said it could not read name the files.
	var all []Damage
	for _, d := range b.damage.list() {
		for _, k := range ds {
			if d.Stream == k.Stream {
				all = append(all, d)
				break
			}
		}
	}
	return &DamagedError{Damage: all}
}
