package llm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// DefaultCacheTTL is how long an answer is reused when CacheConfig.TTL is
// zero: long enough that re-planning a month-old thread asks nothing again.
const DefaultCacheTTL = 30 * 24 * time.Hour

// Cache keeps answers by a hash of what was asked, in a state.Store, so the
// same question is not sent twice, across restarts too. Only successful,
// validated answers are cached.
type Cache struct {
	store  state.Store
	ttl    time.Duration
	prefix string
}

// CacheConfig configures a Cache.
type CacheConfig struct {
	Store  state.Store
	TTL    time.Duration // default DefaultCacheTTL
	Prefix string        // default "llm.cache."
}

// NewCache returns a cache over cfg.Store.
func NewCache(cfg CacheConfig) *Cache {
	c := &Cache{store: cfg.Store, ttl: cfg.TTL, prefix: cfg.Prefix}
	if c.store == nil {
		c.store = state.NewMemory()
	}
	if c.ttl <= 0 {
		c.ttl = DefaultCacheTTL
	}
	if c.prefix == "" {
		c.prefix = "llm.cache."
	}
	return c
}

type cacheEntry struct {
	Time     time.Time `json:"time"`
	Response Response  `json:"response"`
}

// CacheKey hashes what determines an answer: model, purpose, messages,
// schema and sampling settings. Items and Redactions are bookkeeping and
// left out. Fields are length-prefixed through JSON so no two requests
// share a key by concatenation.
func CacheKey(model string, req Request) string {
	h := sha256.New()
	var schema any
	if req.Schema != nil {
		schema = req.Schema
	}
	// Encoding these types cannot fail.
	_ = json.NewEncoder(h).Encode([]any{"v1", model, req.Purpose, req.Messages, schema, req.MaxTokens, req.Temperature})
	return hex.EncodeToString(h.Sum(nil))
}

// Get returns the answer stored under key if it is younger than the TTL at
// now; an expired entry is deleted.
func (c *Cache) Get(ctx context.Context, key string, now time.Time) (Response, bool, error) {
	v, err := c.store.Get(ctx, c.prefix+key)
	if errors.Is(err, state.ErrNotFound) {
		return Response{}, false, nil
	}
	if err != nil {
		return Response{}, false, fmt.Errorf("llm cache: %w", err)
	}
	var e cacheEntry
	if err := json.Unmarshal(v, &e); err != nil || now.Sub(e.Time) >= c.ttl {
		// Corrupt or expired: forget it and ask again.
		if err := c.store.Delete(ctx, c.prefix+key); err != nil {
			return Response{}, false, fmt.Errorf("llm cache: %w", err)
		}
		return Response{}, false, nil
	}
	r := e.Response
	r.Cached = true
	return r, true, nil
}

// Put stores res under key, stamped with now.
func (c *Cache) Put(ctx context.Context, key string, now time.Time, res Response) error {
	res.Cached = false
	v, err := json.Marshal(cacheEntry{Time: now.UTC(), Response: res})
	if err != nil {
		return fmt.Errorf("llm cache: %w", err)
	}
	if err := c.store.Put(ctx, c.prefix+key, v); err != nil {
		return fmt.Errorf("llm cache: %w", err)
	}
	return nil
}

// Prune deletes entries expired at now and returns how many; the app runs
// it daily. Get already ignores expired entries, so this only frees space.
func (c *Cache) Prune(ctx context.Context, now time.Time) (int, error) {
	keys, err := c.store.Keys(ctx, c.prefix)
	if err != nil {
		return 0, fmt.Errorf("llm cache: %w", err)
	}
	n := 0
	for _, k := range keys {
		v, err := c.store.Get(ctx, k)
		if err != nil {
			continue // deleted meanwhile
		}
		var e cacheEntry
		if json.Unmarshal(v, &e) == nil && now.Sub(e.Time) < c.ttl {
			continue
		}
		if err := c.store.Delete(ctx, k); err != nil {
			return n, fmt.Errorf("llm cache: %w", err)
		}
		n++
	}
	return n, nil
}
