// Package source fetches calendar objects (raw iCalendar) from CalDAV
// servers, ICS subscriptions and local files or vdir folders, and tells what
// changed since the last committed fetch. It does not interpret iCalendar
// beyond a sanity check; parsing and recurrence expansion live in
// watchers/internal/ics.
//
// Every source works the same way:
//
//	ch, err := f.Fetch(ctx)   // what changed since the last Commit (first time: everything)
//	... publish the events derived from ch ...
//	err = f.Commit(ctx, ch)   // record progress only once the events are stored
//
// A Change that is not committed is found again by the next Fetch, so a
// crash between Fetch and publish loses nothing (at-least-once; events carry
// deterministic ids, so the bus drops the repeats).
package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Object is one calendar object resource: one event (with its overrides) on
// a CalDAV server or in a vdir, or a whole .ics file or subscription.
type Object struct {
	// Calendar is the human name of the calendar the object belongs to:
	// the CalDAV display name (or the last path segment), the vdir
	// collection's displayname (or folder name), or the source name.
	Calendar string
	// Href is the object's stable key: the CalDAV href (a path), the
	// absolute file path, or the subscription URL as redact.Link shows it
	// (credentials and tokens replaced by redact.Mask).
	Href string
	// ETag changes whenever Data changes.
	ETag string
	// Data is the raw iCalendar text, as served. From CalDAV it arrives
	// inside XML, whose parsers turn CRLF line ends into LF: parse
	// leniently.
	Data []byte
}

// Change is the result of one Fetch.
type Change struct {
	// Changed holds new and modified objects.
	Changed []Object
	// Removed holds the hrefs of objects deleted at the source (or whose
	// calendar was deleted or is no longer selected).
	Removed []string
	// OutOfWindow holds the hrefs of CalDAV objects that no longer overlap
	// the queried time range but still exist on the server (an event that
	// is over). They are forgotten, not cancelled.
	OutOfWindow []string

	// next is the state to store on Commit.
	next *pending
}

// Empty reports whether nothing changed.
func (c Change) Empty() bool {
	return len(c.Changed) == 0 && len(c.Removed) == 0 && len(c.OutOfWindow) == 0
}

// Fetcher is one calendar source.
type Fetcher interface {
	// Fetch returns what changed since the last committed Fetch; the first
	// Fetch with an empty store returns every object.
	Fetch(ctx context.Context) (Change, error)
	// Commit records ch as seen, so the next Fetch does not return it
	// again. Commit the most recent Change only.
	Commit(ctx context.Context, ch Change) error
	// Reset forgets every stored state, so the next Fetch returns every
	// object again (for a watcher that lost its own view).
	Reset(ctx context.Context) error
}

// ErrUnauthorized is returned (wrapped) when the server answers 401. It is
// permanent until the configuration changes.
var ErrUnauthorized = errors.New("authentication failed (HTTP 401): check username/password")

// ErrNotCalendar is returned (wrapped) when a subscription or file does not
// hold iCalendar data (an HTML login page served with 200, say).
var ErrNotCalendar = errors.New("not iCalendar data (no BEGIN:VCALENDAR)")

// ErrTooLarge is returned (wrapped) when a response or file exceeds the
// size limit (WithMaxBytes).
var ErrTooLarge = errors.New("too large")

// StatusError is an HTTP answer that is neither success nor 304.
type StatusError struct {
	Code   int
	Status string
}

func (e *StatusError) Error() string { return "http status " + e.Status }

// Temporary reports whether retrying later may help: server errors, 408
// and 429 are temporary; other client errors need a configuration change.
func (e *StatusError) Temporary() bool {
	return e.Code >= 500 || e.Code == 408 || e.Code == 429
}

// IsPermanent reports whether err needs the user to act (wrong password,
// calendar or URL not found, not a calendar) rather than a retry.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrNotCalendar) || errors.Is(err, errCalendarNotFound) {
		return true
	}
	var se *StatusError
	if errors.As(err, &se) {
		return !se.Temporary()
	}
	return false
}

// errCalendarNotFound is wrapped when a calendar named in the
// configuration does not exist on the server.
var errCalendarNotFound = errors.New("calendar not found")

// Option tunes a fetcher.
type Option func(*options)

type options struct {
	now      func() time.Time
	maxBytes int64
}

func buildOptions(opts []Option) options {
	o := options{now: time.Now, maxBytes: 32 << 20}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithClock sets the clock (the CalDAV time range and rescans use it); nil
// keeps time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithMaxBytes caps the size of one HTTP response or one file (default
// 32 MiB).
func WithMaxBytes(n int64) Option { return func(o *options) { o.maxBytes = n } }

// contentHash is a short hex SHA-256 of b, used as an ETag where the source
// has none.
func contentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
