package watchers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/redact"
	"github.com/agentd/agentd/internal/state"
)

// Poison is one event the bus refused for good (too large for it, say).
// It is skipped: no retry can publish it, and retrying would stop its
// source, whose cursor moves only past what was published.
type Poison struct {
	EventID string    `json:"event_id"`
	Type    string    `json:"type"`
	Subject string    `json:"subject,omitempty"` // the event's subject, cut
	Size    int       `json:"size"`              // bytes of the event's data
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

// PoisonRecord is what is kept of one source's poison events.
type PoisonRecord struct {
	Source string `json:"source"`
	Count  int    `json:"count"`
	// Recent are the last poison events, oldest first; the last one is
	// the latest.
	Recent []Poison `json:"recent"`
}

// Last is the latest poison event.
func (r PoisonRecord) Last() Poison {
	if len(r.Recent) == 0 {
		return Poison{}
	}
	return r.Recent[len(r.Recent)-1]
}

// maxRecentPoison bounds the poison events kept per source; the count
// goes on.
const maxRecentPoison = 20

// poisonPrefix starts the keys of the poison records: one per source.
const poisonPrefix = "poison."

// PoisonBook keeps, per source, the events the bus refused for good, in a
// state store (the daemon's agentd_poison bucket): one record per source,
// so it stays small however many there are. Safe for concurrent use.
type PoisonBook struct {
	store state.Store
	now   func() time.Time
	mu    sync.Mutex // serializes read-modify-write of a record
}

// NewPoisonBook keeps records in store; now (nil: time.Now) stamps them.
func NewPoisonBook(store state.Store, now func() time.Time) *PoisonBook {
	if now == nil {
		now = time.Now
	}
	return &PoisonBook{store: store, now: now}
}

// Record adds p (stamped now when p.At is zero) to source's record. It
// reports false when p's event was recorded already: a source that could
// not save its progress after skipping it meets it again.
func (b *PoisonBook) Record(ctx context.Context, source string, p Poison) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.At.IsZero() {
		p.At = b.now().UTC()
	}
	rec, err := b.get(ctx, source)
	if err != nil {
		return false, err
	}
	if slices.ContainsFunc(rec.Recent, func(q Poison) bool { return q.EventID == p.EventID }) {
		return false, nil
	}
	rec.Count++
	rec.Recent = append(rec.Recent, p)
	if n := len(rec.Recent); n > maxRecentPoison {
		rec.Recent = slices.Clone(rec.Recent[n-maxRecentPoison:])
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return false, fmt.Errorf("poison record of %s: encode: %w", source, err)
	}
	if err := b.store.Put(ctx, poisonPrefix+source, raw); err != nil {
		return false, fmt.Errorf("poison record of %s: %w", source, err)
	}
	return true, nil
}

func (b *PoisonBook) get(ctx context.Context, source string) (PoisonRecord, error) {
	raw, err := b.store.Get(ctx, poisonPrefix+source)
	if errors.Is(err, state.ErrNotFound) {
		return PoisonRecord{Source: source}, nil
	}
	if err != nil {
		return PoisonRecord{}, fmt.Errorf("poison record of %s: %w", source, err)
	}
	var rec PoisonRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		// A damaged record is started afresh: it is a report, not state
		// anything depends on.
		return PoisonRecord{Source: source}, nil
	}
	rec.Source = source
	return rec, nil
}

// List returns every source's record, sorted by source.
func (b *PoisonBook) List(ctx context.Context) ([]PoisonRecord, error) {
	keys, err := b.store.Keys(ctx, poisonPrefix)
	if err != nil {
		return nil, fmt.Errorf("poison records: %w", err)
	}
	var out []PoisonRecord
	for _, k := range keys {
		rec, err := b.get(ctx, strings.TrimPrefix(k, poisonPrefix))
		if err != nil {
			return nil, err
		}
		if rec.Count > 0 {
			out = append(out, rec)
		}
	}
	return out, nil
}

// Quarantine wraps publish so that no single event can stop a source. An
// event that publish refuses for good (isPoison says so) is recorded in
// book with the reason, logged once, and reported to the watcher as done,
// so that its cursor moves on to what comes next. Any other error (the bus
// is down) is returned as it is, and the watcher tries again later; so is
// a failure to record, so that nothing is skipped unrecorded.
func Quarantine(publish Publish, book *PoisonBook, isPoison func(error) bool, logger *slog.Logger) Publish {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return func(ctx context.Context, ev event.Event) error {
		err := publish(ctx, ev)
		if err == nil || !isPoison(err) {
			return err
		}
		reason := redact.Error(err).Error()
		p := Poison{EventID: ev.ID, Type: ev.Type, Subject: cut(ev.Subject, 200), Size: len(ev.Data), Reason: reason}
		added, rerr := book.Record(ctx, ev.Source, p)
		if rerr != nil {
			return fmt.Errorf("%w (and recording it as poison failed: %w)", err, rerr)
		}
		if added {
			logger.Warn("event refused by the bus for good; skipped, the source goes on",
				"source", ev.Source, "event", ev.ID, "type", ev.Type, "subject", p.Subject, "bytes", p.Size, "reason", reason)
		}
		return nil
	}
}

// cut bounds s to n runes, marking a cut with "…".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
