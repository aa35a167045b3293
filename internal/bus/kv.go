package bus

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/agentd/agentd/internal/state"
)

// Store returns the KV bucket as a state.Store, creating the bucket (file
// storage, one value per key) or bringing an existing one to that config.
func (b *Bus) Store(ctx context.Context, bucket string) (state.Store, error) {
	kv, err := keyValue(ctx, b.js, bucket)
	if err != nil {
		return nil, fmt.Errorf("bus: KV bucket %s: %w", bucket, err)
	}
	return &kvStore{kv: kv}, nil
}

// kvStore is a state.Store on a JetStream key/value bucket. Keys are
// escaped with encodeKey, so any string is a key.
type kvStore struct {
	kv jetstream.KeyValue
}

var _ state.Store = (*kvStore)(nil)

func (s *kvStore) Get(ctx context.Context, key string) ([]byte, error) {
	e, err := s.kv.Get(ctx, encodeKey(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, state.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("state %s: get %q: %w", s.kv.Bucket(), key, err)
	}
	return e.Value(), nil
}

func (s *kvStore) Put(ctx context.Context, key string, value []byte) error {
	if _, err := s.kv.Put(ctx, encodeKey(key), value); err != nil {
		return fmt.Errorf("state %s: put %q: %w", s.kv.Bucket(), key, err)
	}
	return nil
}

func (s *kvStore) Delete(ctx context.Context, key string) error {
	err := s.kv.Purge(ctx, encodeKey(key))
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("state %s: delete %q: %w", s.kv.Bucket(), key, err)
	}
	return nil
}

func (s *kvStore) Keys(ctx context.Context, prefix string) ([]string, error) {
	lister, err := s.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("state %s: list keys: %w", s.kv.Bucket(), err)
	}
	var out []string
	for k := range lister.Keys() {
		dk, ok := decodeKey(k)
		if ok && strings.HasPrefix(dk, prefix) {
			out = append(out, dk)
		}
	}
	// The lister ends its channel quietly when ctx ends: a partial list
	// is an error, not an answer.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("state %s: list keys: %w", s.kv.Bucket(), err)
	}
	sort.Strings(out)
	return out, nil
}

// encodeKey maps an arbitrary string to a valid KV key: tokens made of
// [A-Za-z0-9_-=] separated by dots are kept (readable in `nats kv ls`), any
// other key is base64url-encoded behind a "b64." prefix. Stored data depends
// on this mapping: do not change it.
func encodeKey(key string) string {
	if validKey(key) && !strings.HasPrefix(key, "b64.") {
		return key
	}
	return "b64." + base64.RawURLEncoding.EncodeToString([]byte(key))
}

func decodeKey(k string) (string, bool) {
	rest, ok := strings.CutPrefix(k, "b64.")
	if !ok {
		return k, true
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func validKey(key string) bool {
	if key == "" || strings.HasPrefix(key, ".") || strings.HasSuffix(key, ".") || strings.Contains(key, "..") {
		return false
	}
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '-', r == '_', r == '=', r == '.':
		default:
			return false
		}
	}
	return true
}
