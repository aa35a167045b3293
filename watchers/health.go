package watchers

import (
	"sync"
	"time"
)

// Health is what the runner knows about one watcher, for `agentd check`,
// the logs and (later) the dashboard.
type Health struct {
	Name      string    `json:"name"`
	OK        bool      `json:"ok"`
	Connected bool      `json:"connected"`
	LastOK    time.Time `json:"last_ok,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	Failures  int       `json:"failures"`
	// Since is when the current state (ok or failing) began.
	Since time.Time `json:"since"`
}

// HealthReporter is implemented by watchers that know more about their
// source's health than the runner can see (a feed that fails inside Run).
type HealthReporter interface {
	Health() Health
}

// Tracker keeps one source's Health, so that every watcher records and
// logs failures the same way: a streak of failures is one state change,
// logged once, and the recovery is another. Safe for concurrent use.
type Tracker struct {
	mu sync.Mutex
	h  Health
}

// NewTracker starts tracking the source name as of now (neither ok nor
// failing yet).
func NewTracker(name string, now time.Time) *Tracker {
	return &Tracker{h: Health{Name: name, Since: now}}
}

// Record notes the outcome of one pass (err nil: it worked). changed
// reports a new state: the first failure of a streak, or the first success
// after failures (with how many there were), which is what callers log.
func (t *Tracker) Record(now time.Time, err error) (changed bool, failures int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := &t.h
	if err == nil {
		failures = h.Failures
		changed = !h.OK && failures > 0
		if !h.OK {
			h.Since = now
		}
		h.OK, h.LastOK, h.LastError, h.Failures = true, now, "", 0
		return changed, failures
	}
	changed = h.OK || h.Failures == 0
	if changed {
		h.Since = now
	}
	h.OK, h.LastError = false, err.Error()
	h.Failures++
	return changed, h.Failures
}

// SetConnected records whether the source is connected right now.
func (t *Tracker) SetConnected(c bool) {
	t.mu.Lock()
	t.h.Connected = c
	t.mu.Unlock()
}

// Health returns a snapshot.
func (t *Tracker) Health() Health {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.h
}
