package digest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/agentd/agentd/internal/state"
)

// Sender sends one message (SMTP).
type Sender interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// Config is the daily digest's setting (config.Digest).
type Config struct {
	// At is the local time of day it is sent, since midnight.
	At time.Duration
	// Location is the user's zone; nil = UTC.
	Location *time.Location
	From, To string
	// Empty is "short" (a short mail on a quiet day, the default) or
	// "skip" (none).
	Empty string
}

// Empty modes (config.DigestEmptyShort …).
const (
	EmptyShort = "short"
	EmptySkip  = "skip"
)

// Backoff of a failed send: the wait doubles from RetryBase up to
// RetryMax, until the day ends.
const (
	RetryBase = time.Minute
	RetryMax  = 30 * time.Minute
)

// checkEvery is the wall-clock check: cron runs on the monotonic clock and
// does not catch up, so a laptop that slept through the time (or a daemon
// started later that day) is noticed within a minute.
const checkEvery = time.Minute

// keepDays is how long the per-day records stay in the store.
const keepDays = 60

// keyPrefix starts the store's keys: keyPrefix + "2026-12-08".
const keyPrefix = "digest."

// Digester builds, records and sends the daily digest. Safe for concurrent
// use: the cron job, the minute check and SendNow take turns.
type Digester struct {
	cfg   Config
	src   Sources
	send  Sender
	store state.Store
	log   *slog.Logger
	now   func() time.Time
	base  time.Duration
	max   time.Duration

	mu sync.Mutex
	// done is the last day known sent or skipped: no store read for it.
	done string
	// The failures of the day being sent: how many, when the next try
	// is due, and whether one was permanent (no more tries in this run;
	// a reload or restart tries again).
	failDay  string
	failures int
	nextTry  time.Time
	gaveUp   bool
}

// Option changes a Digester.
type Option func(*Digester)

// WithClock sets the wall clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(g *Digester) {
		if now != nil {
			g.now = now
		}
	}
}

// WithRetry sets the backoff of failed sends.
func WithRetry(base, max time.Duration) Option {
	return func(g *Digester) {
		if base > 0 {
			g.base = base
		}
		if max > 0 {
			g.max = max
		}
	}
}

// New returns a Digester keeping its per-day records in store; it starts
// nothing.
func New(cfg Config, src Sources, send Sender, store state.Store, log *slog.Logger, opts ...Option) *Digester {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Empty == "" {
		cfg.Empty = EmptyShort
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Digester{cfg: cfg, src: src, send: send, store: store, log: log, now: time.Now, base: RetryBase, max: RetryMax}
	for _, o := range opts {
		o(g)
	}
	return g
}

// record is what the store keeps per local date.
type record struct {
	// State is stateIntent (the message is made and about to be sent),
	// stateSent or stateSkipped (an empty day with empty: skip).
	State     string `json:"state"`
	MessageID string `json:"message_id,omitempty"`
	// Message is the composed mail while it is not sent: a retry, also
	// after a restart, sends the same bytes, so the same Message-ID.
	Message []byte    `json:"message,omitempty"`
	Created time.Time `json:"created"`
	Sent    time.Time `json:"sent,omitzero"`
	Items   int       `json:"items"`
}

const (
	stateIntent  = "intent"
	stateSent    = "sent"
	stateSkipped = "skipped"
)

// Spec is the cron spec of the daily send: "CRON_TZ=Europe/Paris 30 7 * * *".
func (g *Digester) Spec() string {
	h, m := int(g.cfg.At/time.Hour), int(g.cfg.At%time.Hour/time.Minute)
	return fmt.Sprintf("CRON_TZ=%s %d %d * * *", g.cfg.Location, m, h)
}

// SendTime is when the digest of t's local day is due. A time of day that
// a DST change skips (02:30 on the day clocks go forward) is the moment
// after the gap.
func (g *Digester) SendTime(t time.Time) time.Time {
	l := t.In(g.cfg.Location)
	h, m := int(g.cfg.At/time.Hour), int(g.cfg.At%time.Hour/time.Minute)
	at := time.Date(l.Year(), l.Month(), l.Day(), h, m, 0, 0, g.cfg.Location)
	if at.Hour()*60+at.Minute() < h*60+m && at.Day() == l.Day() {
		// In a gap, time.Date may answer with the clock before it
		// (02:30 → 01:30 EST): move on by the gap's length.
		_, before := at.Add(-12 * time.Hour).Zone()
		_, after := at.Add(12 * time.Hour).Zone()
		at = at.Add(time.Duration(after-before) * time.Second)
	}
	return at
}

// Key is the store key of t's local day.
func (g *Digester) Key(t time.Time) string {
	return keyPrefix + t.In(g.cfg.Location).Format("2006-01-02")
}

// Run sends the digest once a day until ctx ends: at start if today's is
// due and not sent, at the cron time, after a failure when the backoff
// says, and at every minute's wall-clock check.
func (g *Digester) Run(ctx context.Context) error {
	c := cron.New()
	kick := make(chan struct{}, 1)
	job := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	if _, err := c.AddFunc(g.Spec(), job); err != nil {
		// A zone without an IANA name (a fixed offset) cannot be spelled
		// in CRON_TZ: give cron the zone itself.
		h, m := int(g.cfg.At/time.Hour), int(g.cfg.At%time.Hour/time.Minute)
		c = cron.New(cron.WithLocation(g.cfg.Location))
		if _, err2 := c.AddFunc(fmt.Sprintf("%d %d * * *", m, h), job); err2 != nil {
			return fmt.Errorf("digest: schedule %q: %w", g.Spec(), errors.Join(err, err2))
		}
	}
	c.Start()
	defer func() { <-c.Stop().Done() }()
	tick := time.NewTicker(checkEvery)
	defer tick.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		if _, err := g.Due(ctx); err != nil && ctx.Err() == nil {
			g.log.Debug("digest: not sent yet", "err", err)
		}
		if next := g.retryAt(); !next.IsZero() {
			retry.Reset(max(next.Sub(g.now()), 0))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-kick:
		case <-tick.C:
		case <-retry.C:
		}
	}
}

func (g *Digester) retryAt() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gaveUp {
		return time.Time{}
	}
	return g.nextTry
}

// Due sends today's digest if its time has passed and it was not sent or
// skipped yet; sent reports a send. The intent is recorded (with the
// message) before the send and the sent mark after it, under the local
// date, so no day gets two digests: a retry of a recorded intent sends the
// same message. A failure is retried after a backoff (see Run), not before.
func (g *Digester) Due(ctx context.Context) (sent bool, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if now.Before(g.SendTime(now)) {
		return false, nil
	}
	key := g.Key(now)
	if g.done == key {
		return false, nil
	}
	if g.failDay == key && (g.gaveUp || now.Before(g.nextTry)) {
		return false, nil
	}
	rec, err := g.get(ctx, key)
	switch {
	case errors.Is(err, state.ErrNotFound):
		rec, err = g.make(ctx, now)
		if err != nil {
			return false, g.failed(key, now, err)
		}
		if rec.State == stateSkipped {
			if err := g.put(ctx, key, rec); err != nil {
				return false, g.failed(key, now, err)
			}
			g.done = key
			g.log.Info("digest: nothing to tell today; skipped (notify.digest.empty: skip)")
			return false, nil
		}
		// The intent, before anything leaves.
		if err := g.put(ctx, key, rec); err != nil {
			return false, g.failed(key, now, err)
		}
	case err != nil:
		return false, g.failed(key, now, err)
	case rec.State == stateSent || rec.State == stateSkipped:
		g.done = key
		return false, nil
	default:
		g.log.Info("digest: sending the recorded digest again: it was not sent", "message_id", rec.MessageID)
	}
	if err := g.send.Send(ctx, g.cfg.From, []string{g.cfg.To}, rec.Message); err != nil {
		return false, g.failed(key, now, err)
	}
	// Sent: from here on, this run never sends today's again, even if the
	// mark cannot be written.
	g.done, g.failDay, g.failures, g.nextTry, g.gaveUp = key, "", 0, time.Time{}, false
	rec.State, rec.Sent, rec.Message = stateSent, g.now(), nil
	if err := g.put(ctx, key, rec); err != nil {
		g.log.Error("digest: sent, but recording it failed: a restart today may send it again (same Message-ID)", "message_id", rec.MessageID, "err", err)
	}
	g.log.Info("digest sent", "to", g.cfg.To, "message_id", rec.MessageID, "items", rec.Items)
	g.prune(ctx, now)
	return true, nil
}

// failed notes a failed attempt at key's digest and when to try again.
func (g *Digester) failed(key string, now time.Time, err error) error {
	if g.failDay != key {
		g.failDay, g.failures, g.gaveUp = key, 0, false
	}
	g.failures++
	if !IsTemporary(err) {
		g.gaveUp = true
		g.log.Error("digest: sending failed; no more tries until agentd is reloaded or restarted", "err", err)
		return err
	}
	wait := g.base
	for i := 1; i < g.failures && wait < g.max; i++ {
		wait *= 2
	}
	wait = min(wait, g.max)
	g.nextTry = now.Add(wait)
	level := slog.LevelWarn
	if g.failures > 1 {
		level = slog.LevelDebug // said once per day; the count tells the rest
	}
	g.log.Log(context.Background(), level, "digest: sending failed; trying again", "attempt", g.failures, "retry_in", wait, "err", err)
	return err
}

// make builds, renders and composes the digest of now's day.
func (g *Digester) make(ctx context.Context, now time.Time) (record, error) {
	d, err := Build(ctx, g.src, now, g.cfg.Location, g.log)
	if err != nil {
		return record{}, err
	}
	if d.Empty() && g.cfg.Empty == EmptySkip {
		return record{State: stateSkipped, Created: now}, nil
	}
	r, err := Render(d)
	if err != nil {
		return record{}, err
	}
	id := NewMessageID(d.Day, g.cfg.From)
	msg, err := Compose(Header{From: g.cfg.From, To: g.cfg.To, MessageID: id, Date: now.In(g.cfg.Location)}, r)
	if err != nil {
		return record{}, err
	}
	return record{State: stateIntent, MessageID: id, Message: msg, Created: now, Items: d.Items()}, nil
}

// Preview builds and renders the digest as it would be at at, without
// sending or recording anything.
func (g *Digester) Preview(ctx context.Context, at time.Time) (Digest, Rendered, error) {
	d, err := Build(ctx, g.src, at, g.cfg.Location, g.log)
	if err != nil {
		return Digest{}, Rendered{}, err
	}
	r, err := Render(d)
	return d, r, err
}

// SendNow builds and sends a digest at once (`agentd digest send`), also
// on an empty day. It is not the daily one: it is not recorded and does
// not take the place of today's.
func (g *Digester) SendNow(ctx context.Context) (messageID string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	_, r, err := g.Preview(ctx, now)
	if err != nil {
		return "", err
	}
	id := NewMessageID(now.In(g.cfg.Location), g.cfg.From)
	msg, err := Compose(Header{From: g.cfg.From, To: g.cfg.To, MessageID: id, Date: now.In(g.cfg.Location)}, r)
	if err != nil {
		return "", err
	}
	if err := g.send.Send(ctx, g.cfg.From, []string{g.cfg.To}, msg); err != nil {
		return "", err
	}
	return id, nil
}

func (g *Digester) get(ctx context.Context, key string) (record, error) {
	raw, err := g.store.Get(ctx, key)
	if err != nil {
		return record{}, err
	}
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return record{}, fmt.Errorf("digest: record %s: %w", key, err)
	}
	return rec, nil
}

func (g *Digester) put(ctx context.Context, key string, rec record) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("digest: record %s: %w", key, err)
	}
	if err := g.store.Put(ctx, key, raw); err != nil {
		return fmt.Errorf("digest: record %s: %w", key, err)
	}
	return nil
}

// prune drops the records of days long gone.
func (g *Digester) prune(ctx context.Context, now time.Time) {
	keys, err := g.store.Keys(ctx, keyPrefix)
	if err != nil {
		return
	}
	oldest := g.Key(now.AddDate(0, 0, -keepDays))
	for _, k := range keys {
		if strings.Compare(k, oldest) < 0 {
			_ = g.store.Delete(ctx, k)
		}
	}
}
