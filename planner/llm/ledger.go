package llm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// Entry is one record of the egress ledger: what left the machine, when,
// to whom and about what. It holds no content, only sizes and ids, so the
// ledger itself is not a second copy of the user's mail.
type Entry struct {
	Time       time.Time      `json:"time"`
	Host       string         `json:"host"` // the provider's host:port
	Model      string         `json:"model"`
	Purpose    Purpose        `json:"purpose"`
	BytesOut   int            `json:"bytes_out"`
	BytesIn    int            `json:"bytes_in"`
	TokensOut  int            `json:"tokens_out"` // prompt tokens
	TokensIn   int            `json:"tokens_in"`  // completion tokens
	Estimated  bool           `json:"estimated,omitempty"`
	Items      []string       `json:"items,omitempty"`      // event or suggestion ids
	Redactions map[string]int `json:"redactions,omitempty"` // by class: email, phone, iban …
	Cached     bool           `json:"cached,omitempty"`     // answered from the cache: nothing was sent
	Mode       Mode           `json:"mode"`
	Error      string         `json:"error,omitempty"`
}

// Ledger records egress. Implementations must keep entries in time order
// for List.
type Ledger interface {
	Record(ctx context.Context, e Entry) error
	// List returns entries at or after since, oldest first.
	List(ctx context.Context, since time.Time) ([]Entry, error)
}

// DefaultLedgerRetention is how long entries are kept when
// StoreLedgerConfig.Retention is zero.
const DefaultLedgerRetention = 90 * 24 * time.Hour

// StoreLedgerConfig configures a StoreLedger.
type StoreLedgerConfig struct {
	Store     state.Store
	Retention time.Duration // default DefaultLedgerRetention
	Prefix    string        // default "llm.ledger."
	// PruneEvery spaces out pruning, which lists every key; default one
	// hour of entry time. Negative prunes on every write.
	PruneEvery time.Duration
}

// StoreLedger keeps the ledger in a state.Store (the daemon's ledger KV
// bucket). Keys are the entry's UTC time in a fixed-width form plus a random
// suffix, so Keys' sorted order is time order.
type StoreLedger struct {
	cfg StoreLedgerConfig

	mu        sync.Mutex
	lastPrune time.Time
	seq       uint32 // orders entries written in the same nanosecond
}

// NewStoreLedger returns a ledger over cfg.Store.
func NewStoreLedger(cfg StoreLedgerConfig) *StoreLedger {
	if cfg.Store == nil {
		cfg.Store = state.NewMemory()
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultLedgerRetention
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "llm.ledger."
	}
	if cfg.PruneEvery == 0 {
		cfg.PruneEvery = time.Hour
	}
	return &StoreLedger{cfg: cfg}
}

// keyTime is fixed-width so string order is time order; it uses only
// characters a JetStream KV key allows unescaped.
const keyTime = "20060102T150405.000000000Z"

func (l *StoreLedger) key(t time.Time) string {
	l.mu.Lock()
	l.seq++
	seq := l.seq
	l.mu.Unlock()
	// The random part keeps keys of two processes (or of a restart within
	// the same nanosecond, with a coarse clock) distinct.
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("%s%s-%08x%s", l.cfg.Prefix, t.UTC().Format(keyTime), seq, hex.EncodeToString(b[:]))
}

func (l *StoreLedger) keyPrefixTime(k string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(k, l.cfg.Prefix)
	if !ok || len(rest) < len(keyTime) {
		return time.Time{}, false
	}
	t, err := time.Parse(keyTime, rest[:len(keyTime)])
	return t, err == nil
}

// Record stores e and, at most once per PruneEvery, deletes entries older
// than the retention as of e.Time.
func (l *StoreLedger) Record(ctx context.Context, e Entry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("llm ledger: %w", err)
	}
	if err := l.cfg.Store.Put(ctx, l.key(e.Time), v); err != nil {
		return fmt.Errorf("llm ledger: %w", err)
	}
	l.mu.Lock()
	due := l.cfg.PruneEvery < 0 || l.lastPrune.IsZero() || e.Time.Sub(l.lastPrune) >= l.cfg.PruneEvery
	if due {
		l.lastPrune = e.Time
	}
	l.mu.Unlock()
	if !due {
		return nil
	}
	_, err = l.Prune(ctx, e.Time)
	return err
}

// Prune deletes entries older than the retention at now.
func (l *StoreLedger) Prune(ctx context.Context, now time.Time) (int, error) {
	keys, err := l.cfg.Store.Keys(ctx, l.cfg.Prefix)
	if err != nil {
		return 0, fmt.Errorf("llm ledger: %w", err)
	}
	cut := now.Add(-l.cfg.Retention)
	n := 0
	for _, k := range keys {
		t, ok := l.keyPrefixTime(k)
		if ok && !t.Before(cut) {
			break // sorted: the rest are newer
		}
		if err := l.cfg.Store.Delete(ctx, k); err != nil {
			return n, fmt.Errorf("llm ledger: %w", err)
		}
		n++
	}
	return n, nil
}

// List returns entries at or after since, oldest first.
func (l *StoreLedger) List(ctx context.Context, since time.Time) ([]Entry, error) {
	keys, err := l.cfg.Store.Keys(ctx, l.cfg.Prefix)
	if err != nil {
		return nil, fmt.Errorf("llm ledger: %w", err)
	}
	var out []Entry
	for _, k := range keys {
		if t, ok := l.keyPrefixTime(k); !ok || t.Before(since) {
			continue
		}
		v, err := l.cfg.Store.Get(ctx, k)
		if err != nil {
			continue // pruned meanwhile
		}
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return out, fmt.Errorf("llm ledger: entry %s: %w", k, err)
		}
		out = append(out, e)
	}
	return out, nil
}

var _ Ledger = (*StoreLedger)(nil)
