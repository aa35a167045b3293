// Package state is the small key/value contract components keep their state
// in: a JetStream KV bucket in the daemon, a map in `agentd plan` (which must
// save nothing) and in tests.
package state

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrNotFound is returned by Get when the key has no value.
var ErrNotFound = errors.New("state: key not found")

// Store is a key/value store. Keys are arbitrary strings; implementations
// escape them as their backend needs.
type Store interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
	// Keys lists keys that start with prefix.
	Keys(ctx context.Context, prefix string) ([]string, error)
}

// Memory is an in-memory Store, safe for concurrent use.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{m: map[string][]byte{}} }

func (s *Memory) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

func (s *Memory) Put(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = append([]byte(nil), value...)
	return nil
}

func (s *Memory) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

func (s *Memory) Keys(_ context.Context, prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// KV is a Store on a JetStream key/value bucket.
type KV struct {
	kv jetstream.KeyValue
}

// NewKV wraps a JetStream KV bucket.
func NewKV(kv jetstream.KeyValue) *KV { return &KV{kv: kv} }

func (s *KV) Get(ctx context.Context, key string) ([]byte, error) {
	e, err := s.kv.Get(ctx, encodeKey(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("state %s: get %q: %w", s.kv.Bucket(), key, err)
	}
	return e.Value(), nil
}

func (s *KV) Put(ctx context.Context, key string, value []byte) error {
	if _, err := s.kv.Put(ctx, encodeKey(key), value); err != nil {
		return fmt.Errorf("state %s: put %q: %w", s.kv.Bucket(), key, err)
	}
	return nil
}

func (s *KV) Delete(ctx context.Context, key string) error {
	err := s.kv.Purge(ctx, encodeKey(key))
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("state %s: delete %q: %w", s.kv.Bucket(), key, err)
	}
	return nil
}

func (s *KV) Keys(ctx context.Context, prefix string) ([]string, error) {
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
	sort.Strings(out)
	return out, nil
}

// encodeKey maps an arbitrary string to a valid KV key: tokens made of
// [A-Za-z0-9_-=] separated by dots are kept (readable in `nats kv ls`), any
// other key is base64url-encoded behind a "b64." prefix.
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

var (
	_ Store = (*Memory)(nil)
	_ Store = (*KV)(nil)
)
