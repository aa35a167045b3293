// Package state is the small key/value contract components keep their state
// in. It holds only the Store interface, ErrNotFound and Memory, an
// in-memory Store for `agentd plan` (which must save nothing) and for tests;
// it imports no NATS, so watchers, the planner and the notifiers do not link
// the JetStream client. The daemon's Store is a JetStream KV bucket, made
// by internal/bus (Bus.Store).
package state

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
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

var _ Store = (*Memory)(nil)
