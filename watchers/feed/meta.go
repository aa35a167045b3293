package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/redact"
	"github.com/agentd/agentd/internal/state"
)

// A feed's validators and permanent redirect are kept under a key that
// names the hash of the configured URL, never the URL: a feed URL often
// holds a token (?token=…, a private path), and the watchers' KV is no
// place for secrets. A changed URL is a new key, so it starts afresh.

// metaPrefix starts every meta key of the feed, the one of the current
// URL, of earlier URLs and the key used before hashing.
func (w *Watcher) metaPrefix() string { return "feed." + w.cfg.Name + ".meta" }

func (w *Watcher) metaKey() string {
	return w.metaPrefix() + "." + event.Hash("feed-url", w.cfg.URL)[:32]
}

// legacyMetaKey is where the meta was kept, with the URL in clear in the
// value, before the key named the URL's hash.
func (w *Watcher) legacyMetaKey() string { return w.metaPrefix() }

// loadMeta reads the feed's meta. A record under the legacy key is moved
// to the hashed key (if it belongs to the configured URL) and deleted; so
// are the records of earlier URLs.
func (w *Watcher) loadMeta(ctx context.Context) (meta, error) {
	raw, err := w.store.Get(ctx, w.metaKey())
	if err == nil {
		var m meta
		if err := json.Unmarshal(raw, &m); err != nil {
			// A corrupt record costs one unconditional GET, nothing more.
			w.logger.Warn("feed state unreadable; starting without validators", "err", err)
			return meta{}, nil
		}
		m.URL = ""
		return m, nil
	}
	if !errors.Is(err, state.ErrNotFound) {
		return meta{}, fmt.Errorf("load meta: %w", err)
	}
	var m meta
	if raw, err := w.store.Get(ctx, w.legacyMetaKey()); err == nil {
		var old meta
		if json.Unmarshal(raw, &old) == nil && old.URL == w.cfg.URL {
			m = old
			m.URL = ""
			if err := w.saveMeta(ctx, m); err != nil {
				return meta{}, err
			}
		}
	} else if !errors.Is(err, state.ErrNotFound) {
		return meta{}, fmt.Errorf("load meta: %w", err)
	}
	if err := w.forgetOtherMeta(ctx); err != nil {
		return meta{}, err
	}
	return m, nil
}

// forgetOtherMeta deletes the legacy record and those of URLs no longer
// configured.
func (w *Watcher) forgetOtherMeta(ctx context.Context) error {
	keys, err := w.store.Keys(ctx, w.metaPrefix())
	if err != nil {
		return fmt.Errorf("list meta: %w", err)
	}
	for _, k := range keys {
		if k != w.metaKey() && (k == w.legacyMetaKey() || len(k) > len(w.metaPrefix()) && k[len(w.metaPrefix())] == '.') {
			if err := w.store.Delete(ctx, k); err != nil && !errors.Is(err, state.ErrNotFound) {
				return fmt.Errorf("delete old meta: %w", err)
			}
		}
	}
	return nil
}

// saveMeta stores m without secrets: a permanent redirect whose target
// holds one (a token, a private path, credentials) is remembered in memory
// only, until the next start.
func (w *Watcher) saveMeta(ctx context.Context, m meta) error {
	m.URL = ""
	if m.PermanentURL != "" && redact.Link(m.PermanentURL) != m.PermanentURL {
		w.mu.Lock()
		w.moved = m.PermanentURL
		w.mu.Unlock()
		m.PermanentURL = ""
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode meta: %w", err)
	}
	if err := w.store.Put(ctx, w.metaKey(), raw); err != nil {
		return fmt.Errorf("save meta: %w", err)
	}
	return nil
}

// movedTo is a permanent redirect's target kept in memory only.
func (w *Watcher) movedTo() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.moved
}

func (w *Watcher) seenKey(hash string) string { return "feed." + w.cfg.Name + ".seen." + hash }
