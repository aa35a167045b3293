// Package correspondence is the planner's enricher for mail.received and
// mail.sent: it plans the user's side of a correspondence (replies owed,
// answers awaited, deadlines and bookings a mail mentions). It follows
// threads across events and restarts (in the planner's store) and turns each
// mail into units with the facts the rules in rules/builtin/mail.yaml act
// on: who is waiting on whom, deadlines and bookings in the text, and
// whether the mail was written by a person.
//
// Everything a mail says reaches the rules only as fact values: a subject or
// a sentence is never evaluated, and nothing in a mail changes which rules
// run or who is told.
package correspondence

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/planner/extract"
)

// Defaults for the zero values of Config.
const (
	// DefaultFollowUpAfter is how long agentd waits for an answer to a
	// question the user asked before reminding them (planner.follow_up_after).
	DefaultFollowUpAfter = 72 * time.Hour
	// DefaultBackfillSettle is how long after the last look-back mail the
	// summary of a new account's open items is delivered: every look-back
	// mail moves it, so it arrives once, when reading has settled.
	DefaultBackfillSettle = 30 * time.Second
)

// Bounds on what is remembered, so the store does not grow with the mailbox.
const (
	// maxMessages is how many messages of a thread are kept (the latest).
	maxMessages = 20
	// maxIDs is how many Message-IDs point at one thread.
	maxIDs = 60
	// maxParticipants bounds the addresses kept per thread.
	maxParticipants = 30
	// threadTTL: a thread without a message for this long is forgotten.
	threadTTL = 90 * 24 * time.Hour
	// sweepEvery is how often (on the planner's clock) forgotten threads are
	// looked for across the whole store; in between, they are dropped when
	// touched.
	sweepEvery = 24 * time.Hour
	// maxBackfillItems bounds the open items of one summary.
	maxBackfillItems = 100
)

// Unit kinds, in facts.unit.
const (
	UnitMessage         = "message"
	UnitAwaitingMyReply = "awaiting_my_reply"
	UnitAwaitingTheirs  = "awaiting_their_reply"
	UnitDeadline        = "deadline"
	UnitBooking         = "booking"
	UnitBackfillSummary = "backfill_summary"
	// UnitBounce (bounce.go): a recipient a mail of the user's did not reach.
)

// Config is what the enricher needs to know about the user.
type Config struct {
	// Me are the user's addresses (the account's address and aliases);
	// compared case-insensitively. A mail from one of them is the user's.
	Me []string
	// Location is the user's time zone: "Friday" and "09:00" are read in
	// it. Default time.Local.
	Location *time.Location
	// FollowUpAfter is planner.follow_up_after (default DefaultFollowUpAfter).
	FollowUpAfter time.Duration
	// BackfillSettle delays the look-back summary (default
	// DefaultBackfillSettle).
	BackfillSettle time.Duration
	// Name is the user's name: a mailing-list mail that asks them by name
	// (or by address) is a question to them.
	Name string
}

// Enricher computes mail facts; see the package comment. It is safe for
// concurrent use: events are applied to the store one at a time.
type Enricher struct {
	cfg    Config
	me     map[string]bool
	names  Names
	store  state.Store
	logger *slog.Logger

	mu        sync.Mutex
	lastSweep time.Time
}

// New builds an enricher keeping its threads in store (the planner's
// memory; keys start with "mail.").
func New(cfg Config, store state.Store, logger *slog.Logger) *Enricher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.FollowUpAfter <= 0 {
		cfg.FollowUpAfter = DefaultFollowUpAfter
	}
	if cfg.BackfillSettle <= 0 {
		cfg.BackfillSettle = DefaultBackfillSettle
	}
	me := make(map[string]bool, len(cfg.Me))
	for _, a := range cfg.Me {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			me[a] = true
		}
	}
	return &Enricher{cfg: cfg, me: me, names: NewNames(cfg.Name, cfg.Me), store: store, logger: logger}
}

// Enrich records the mail in its thread and returns the units of the
// thread (who is waiting on whom), of the mail itself (deadlines, bookings)
// and, for look-back mail, of the account's summary. The scopes are the
// thread's, the mail's and the summary's, so what no longer holds (a reply
// came) is withdrawn.
func (e *Enricher) Enrich(ctx context.Context, ev event.Event, now time.Time) ([]planner.Unit, []string, error) {
	if ev.Type != event.TypeMailReceived && ev.Type != event.TypeMailSent {
		return nil, nil, nil
	}
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		return nil, nil, fmt.Errorf("mail enricher: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()

	if now.Sub(e.lastSweep) >= sweepEvery {
		// Forgetting old threads can wait for the next sweep; a store that
		// keeps failing is reported once a day, not on every mail.
		e.lastSweep = now
		if err := e.sweep(ctx, now); err != nil {
			e.logger.Warn("mail threads: sweeping old threads failed; retrying tomorrow", "err", err)
		}
	}

	rec := e.record(ev, m, now)
	// Bookings come from robots (airlines, shops): automated is expected.
	// The user's own mail confirms nothing to them (a confirmation they
	// forward is someone else's trip; their copy arrived in the INBOX).
	var bookings []extract.Booking
	if !rec.Mine {
		bookings = extract.Bookings(m.Subject, m.Text, m.Language, rec.Date, e.cfg.Location)
	}
	if bills(bookings) || invites(m) {
		// One story, one nudge: the question of an invoice ("paperless
		// billing?") or of an invitation ("can you make it?") is answered
		// by paying or by answering the invitation, which have their own
		// suggestions. A friend's flight details with "can you pick me
		// up?" still ask.
		rec.Asks, rec.Question = false, ""
	}
	th, err := e.track(ctx, ev, m, &rec, now)
	if err != nil {
		return nil, nil, fmt.Errorf("mail enricher: event %s (message %s): %w", ev.ID, m.MessageID, err)
	}

	msgScope := "mail.msg." + rec.Key
	threadScope := "mail.thread." + th.ID
	scopes := []string{threadScope, msgScope}

	// A report that the mail reached nobody: no answer will come, the
	// report is the nudge. Its thread (if another) is re-evaluated too.
	other, err := e.markBounced(ctx, m, th, now)
	if err != nil {
		return nil, nil, fmt.Errorf("mail enricher: event %s: bounce: %w", ev.ID, err)
	}
	units := e.threadUnits(ev, th, m.Backfill, now)
	if other != nil {
		units = append(units, e.threadUnits(ev, other, m.Backfill, now)...)
		scopes = append(scopes, "mail.thread."+other.ID)
	}
	units = append(units, e.messageUnits(ev, m, rec, th, bookings, now)...)
	if units, err = e.screen(ctx, m, rec, units); err != nil {
		return nil, nil, fmt.Errorf("mail enricher: event %s: %w", ev.ID, err)
	}
	units = oneNudge(units)
	bounced, err := e.bounceUnits(ctx, ev, m, rec, th, now)
	if err != nil {
		return nil, nil, fmt.Errorf("mail enricher: event %s: bounce: %w", ev.ID, err)
	}
	units = append(units, bounced...)
	if m.Backfill {
		sum, err := e.backfill(ctx, ev, m, rec, th, units, now)
		if err != nil {
			return nil, nil, fmt.Errorf("mail enricher: event %s: look-back summary: %w", ev.ID, err)
		}
		units = append(units, sum...)
		scopes = append(scopes, backfillScope(m.Account))
	}
	return units, scopes, nil
}

// bills reports whether one of the bookings is an invoice.
func bills(bookings []extract.Booking) bool {
	for _, b := range bookings {
		if b.Kind == "invoice" {
			return true
		}
	}
	return false
}

// invites reports whether the mail carries an invitation to answer (not
// an answer to the user's own invitation).
func invites(m event.Mail) bool {
	for _, inv := range m.Invitations {
		switch strings.ToUpper(inv.Method) {
		case "REQUEST", "ADD", "":
			return true
		}
	}
	return false
}

// isMe reports whether addr is one of the user's addresses.
func (e *Enricher) isMe(addr string) bool {
	return e.me[strings.ToLower(strings.TrimSpace(addr))]
}

var _ planner.Enricher = (*Enricher)(nil)
