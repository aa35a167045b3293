package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// collection is what is remembered of one collection: a CalDAV calendar, a
// vdir folder, a single file or a subscription.
type collection struct {
	// Token is the CalDAV sync-token (or getctag) seen at the last full
	// query, or the HTTP ETag of a subscription.
	Token string `json:"token,omitempty"`
	// LastModified is a subscription's Last-Modified header.
	LastModified string `json:"last_modified,omitempty"`
	// Full is when the CalDAV time range was last queried in full.
	Full time.Time `json:"full,omitzero"`
	// Items maps each object's href to its ETag.
	Items map[string]string `json:"items"`
}

// pending is the state a Change will store on Commit: the collections it
// touched (nil = forget the collection).
type pending struct {
	owner *stateStore
	cols  map[string]*collection
}

// chunkSize keeps each stored value well under NATS' default 1 MiB payload
// limit: a calendar with 10,000 objects needs about 1 MB of href→ETag map.
const chunkSize = 256 << 10

// stateStore keeps a source's collections in a state.Store under one key
// prefix and caches the committed view in memory. Layout:
//
//	<base>index        JSON list of collection ids
//	<base>c/<id>       the collection's JSON, or "parts N" when split
//	<base>c/<id>/<i>   part i of a split collection
type stateStore struct {
	st   state.Store
	base string

	mu     sync.Mutex
	loaded bool
	cols   map[string]*collection
	parts  map[string]int
}

func newStateStore(st state.Store, base string) *stateStore {
	return &stateStore{st: st, base: base}
}

func (s *stateStore) colKey(id string) string { return s.base + "c/" + id }

// snapshot returns the committed collections (loading them on first use).
// The caller must not modify them; clone before changing.
func (s *stateStore) snapshot(ctx context.Context) (map[string]*collection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded {
		return s.cols, nil
	}
	cols := map[string]*collection{}
	parts := map[string]int{}
	raw, err := s.st.Get(ctx, s.base+"index")
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return nil, fmt.Errorf("load state %q: %w", s.base+"index", err)
	}
	var ids []string
	if err == nil {
		if err := json.Unmarshal(raw, &ids); err != nil {
			return nil, fmt.Errorf("load state %q: %w", s.base+"index", err)
		}
	}
	for _, id := range ids {
		key := s.colKey(id)
		data, n, err := s.getBlob(ctx, key)
		if errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load state %q: %w", key, err)
		}
		var c collection
		if err := json.Unmarshal(data, &c); err != nil {
			// A damaged record costs one refetch of that collection,
			// not a source that never works again.
			continue
		}
		if c.Items == nil {
			c.Items = map[string]string{}
		}
		cols[id] = &c
		parts[key] = n
	}
	s.cols, s.parts, s.loaded = cols, parts, true
	return s.cols, nil
}

// commit stores p and makes it the committed view.
func (s *stateStore) commit(ctx context.Context, p *pending) error {
	if p == nil || len(p.cols) == 0 {
		return nil
	}
	if p.owner != s {
		return errors.New("commit: change comes from another source")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		return errors.New("commit: no fetch before")
	}
	next := maps.Clone(s.cols)
	for id, c := range p.cols {
		key := s.colKey(id)
		if c == nil {
			if err := s.deleteBlob(ctx, key); err != nil {
				return err
			}
			delete(next, id)
			continue
		}
		data, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("save state %q: %w", key, err)
		}
		if err := s.putBlob(ctx, key, data); err != nil {
			return err
		}
		next[id] = c
	}
	ids := slices.Sorted(maps.Keys(next))
	idx, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("save state %q: %w", s.base+"index", err)
	}
	if err := s.st.Put(ctx, s.base+"index", idx); err != nil {
		return fmt.Errorf("save state %q: %w", s.base+"index", err)
	}
	s.cols = next
	return nil
}

// reset forgets every collection.
func (s *stateStore) reset(ctx context.Context) error {
	if _, err := s.snapshot(ctx); err != nil {
		return err
	}
	p := &pending{owner: s, cols: map[string]*collection{}}
	s.mu.Lock()
	for id := range s.cols {
		p.cols[id] = nil
	}
	s.mu.Unlock()
	if len(p.cols) == 0 {
		return nil
	}
	return s.commit(ctx, p)
}

func (s *stateStore) getBlob(ctx context.Context, key string) ([]byte, int, error) {
	v, err := s.st.Get(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	rest, split := cutPrefix(v, "parts ")
	if !split {
		return v, 0, nil
	}
	n, err := strconv.Atoi(string(rest))
	if err != nil || n < 1 {
		return nil, 0, fmt.Errorf("bad part count %q", rest)
	}
	var out []byte
	for i := range n {
		part, err := s.st.Get(ctx, key+"/"+strconv.Itoa(i))
		if err != nil {
			return nil, 0, fmt.Errorf("part %d: %w", i, err)
		}
		out = append(out, part...)
	}
	return out, n, nil
}

func (s *stateStore) putBlob(ctx context.Context, key string, data []byte) error {
	old := s.parts[key]
	n := 0 // parts in use; 0 when the value is stored whole
	if len(data) <= chunkSize {
		if err := s.st.Put(ctx, key, data); err != nil {
			return fmt.Errorf("save state %q: %w", key, err)
		}
	} else {
		n = (len(data) + chunkSize - 1) / chunkSize
		for i := range n {
			part := data[i*chunkSize : min(len(data), (i+1)*chunkSize)]
			if err := s.st.Put(ctx, key+"/"+strconv.Itoa(i), part); err != nil {
				return fmt.Errorf("save state %q part %d: %w", key, i, err)
			}
		}
		// The header goes last: until it is written, the old value
		// (and its parts, overwritten in place) is still what is read.
		if err := s.st.Put(ctx, key, []byte("parts "+strconv.Itoa(n))); err != nil {
			return fmt.Errorf("save state %q: %w", key, err)
		}
	}
	s.dropParts(ctx, key, n, old)
	s.parts[key] = n
	return nil
}

func (s *stateStore) deleteBlob(ctx context.Context, key string) error {
	if err := s.st.Delete(ctx, key); err != nil {
		return fmt.Errorf("delete state %q: %w", key, err)
	}
	s.dropParts(ctx, key, 0, s.parts[key])
	delete(s.parts, key)
	return nil
}

// dropParts deletes parts [from, to) left over from a larger value. A
// failure only leaves unread garbage behind.
func (s *stateStore) dropParts(ctx context.Context, key string, from, to int) {
	for i := from; i < to; i++ {
		_ = s.st.Delete(ctx, key+"/"+strconv.Itoa(i))
	}
}

func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix {
		return b[len(prefix):], true
	}
	return b, false
}
