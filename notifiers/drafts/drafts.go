// Package drafts saves reply drafts where the user's mail client shows
// them: the Drafts mailbox of an IMAP account (APPEND with \Draft) or the
// Drafts folder of a Maildir (flag D). It never sends anything; there is
// no SMTP here.
//
// The lifecycle is one draft per thread state. The same thread state (the
// same ThreadKey answering the same InReplyTo) never makes a second draft,
// also after a restart: what was written is remembered in a state store,
// and the Message-ID is derived from the thread state, so a draft saved
// just before a crash is found again. When the thread moves on (a new mail
// to answer), agentd's previous draft is replaced if the user has not
// touched it; Withdraw removes it when the user replied. A draft the user
// edited is never modified nor deleted: agentd lets go of it.
package drafts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// Config of the drafts notifier.
type Config struct {
	// Accounts maps a mail source's configured name (event.Draft.Account)
	// to the store its drafts go to.
	Accounts map[string]Store
}

// Option configures a Notifier.
type Option func(*Notifier)

// WithClock sets the clock that dates drafts and records (default
// time.Now).
func WithClock(now func() time.Time) Option { return func(n *Notifier) { n.now = now } }

// Notifier saves drafts and keeps track of them per thread.
type Notifier struct {
	accounts map[string]Store
	state    state.Store
	logger   *slog.Logger
	now      func() time.Time
	// mu serialises the find-replace-record sequences: two saves for one
	// thread must not both think there is no draft yet.
	mu sync.Mutex
}

// Why agentd let go of a draft (record.Released).
const (
	releasedEdited    = "edited"    // the user changed it: theirs now
	releasedGone      = "gone"      // not found any more: sent or deleted by the user
	releasedWithdrawn = "withdrawn" // the thread needs no reply any more
	releasedReplaced  = "replaced"  // removed for the thread's newer draft
)

// record is what the state store keeps per thread.
type record struct {
	Account   string    `json:"account"`
	MessageID string    `json:"message_id"`
	InReplyTo string    `json:"in_reply_to,omitempty"`
	Hash      string    `json:"hash,omitempty"`
	Written   time.Time `json:"written"`
	// Released says agentd no longer owns the draft and why; the record
	// stays so the same thread state makes no new draft.
	Released string `json:"released,omitempty"`
}

const keyPrefix = "drafts/"

// ErrUserDraft is Save's answer for a thread whose earlier draft the user
// edited: the reply is theirs now, and agentd writes no other draft there.
var ErrUserDraft = errors.New("the user edited agentd's draft of this thread")

// ErrPermanent marks failures a retry cannot fix: an unknown account, a
// draft that cannot be composed.
var ErrPermanent = errors.New("permanent")

// New returns the notifier. It connects to nothing.
func New(cfg Config, store state.Store, logger *slog.Logger, opts ...Option) (*Notifier, error) {
	if store == nil {
		return nil, errors.New("drafts: no state store")
	}
	for name, s := range cfg.Accounts {
		if s == nil {
			return nil, fmt.Errorf("drafts: account %q has no store", name)
		}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{
		accounts: cfg.Accounts,
		state:    store,
		logger:   logger.With("notifier", "drafts"),
		now:      time.Now,
	}
	for _, o := range opts {
		o(n)
	}
	return n, nil
}

// Name is the notifier's name in routes and logs.
func (n *Notifier) Name() string { return "drafts" }

// Save saves d as the draft of its thread and returns its Message-ID
// (without <>). When the thread's current state already has a draft, or
// had one the user edited, sent or deleted, nothing is written and that
// draft's Message-ID is returned.
func (n *Notifier) Save(ctx context.Context, d event.Draft) (string, error) {
	store, err := n.check(d)
	if err != nil {
		return "", err
	}
	msgID := MessageID(DomainOf(d.From.Email), "agentd-draft\x00"+d.Account+"\x00"+d.ThreadKey+"\x00"+d.InReplyTo)
	log := n.logger.With("account", d.Account, "thread", d.ThreadKey, "message_id", msgID)

	n.mu.Lock()
	defer n.mu.Unlock()
	rec, ok, err := n.load(ctx, d.ThreadKey)
	if err != nil {
		return "", err
	}
	if ok && rec.MessageID == msgID {
		log.Debug("thread state already has its draft", "released", rec.Released)
		return msgID, nil
	}
	if ok && rec.Released == releasedEdited {
		log.Info("the user edited agentd's draft of this thread: no new draft")
		return "", ErrUserDraft
	}
	// Composed before anything is removed: a draft that cannot be made
	// must not cost the thread its current one.
	now := n.now()
	raw, err := Compose(d, msgID, now)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	if ok && rec.Released == "" {
		// The thread moved on: agentd's draft of the earlier state goes,
		// unless the user has made it theirs.
		if err := n.release(ctx, d.ThreadKey, rec, log, true); err != nil {
			return "", err
		}
		if rec, _, err := n.load(ctx, d.ThreadKey); err == nil && rec.Released == releasedEdited {
			// Found edited just now: the reply is the user's.
			return "", ErrUserDraft
		}
	}

	// A draft with this id may exist already: written just before a
	// crash, before the record was.
	found, untouched, err := store.Find(ctx, msgID)
	if err != nil {
		return "", fmt.Errorf("drafts %s: find %s: %w", d.Account, msgID, err)
	}
	if found {
		rec := record{Account: d.Account, MessageID: msgID, InReplyTo: d.InReplyTo, Written: now}
		if !untouched {
			rec.Released = releasedEdited
		}
		log.Info("draft already in the Drafts folder; recorded, not written again", "untouched", untouched)
		return msgID, n.put(ctx, d.ThreadKey, rec)
	}

	if err := store.Save(ctx, raw, msgID); err != nil {
		return "", fmt.Errorf("drafts %s: save %s: %w", d.Account, msgID, err)
	}
	sum, _ := digest(raw)
	if err := n.put(ctx, d.ThreadKey, record{Account: d.Account, MessageID: msgID, InReplyTo: d.InReplyTo, Hash: sum, Written: now}); err != nil {
		return "", err
	}
	log.Info("draft saved", "in_reply_to", d.InReplyTo)
	return msgID, nil
}

// Withdraw removes agentd's draft for the thread if the user has not
// touched it (the user replied, or the thread needs no answer any more).
// An edited draft stays. A thread without a draft is not an error.
func (n *Notifier) Withdraw(ctx context.Context, threadKey string) error {
	if strings.TrimSpace(threadKey) == "" {
		return fmt.Errorf("drafts: withdraw: %w: thread key is empty", ErrPermanent)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	rec, ok, err := n.load(ctx, threadKey)
	if err != nil || !ok || rec.Released != "" {
		return err
	}
	log := n.logger.With("account", rec.Account, "thread", threadKey, "message_id", rec.MessageID)
	return n.release(ctx, threadKey, rec, log, false)
}

// release lets go of rec's draft: deleted if untouched, left alone if the
// user edited it, and the record marked released. replacing says a newer
// draft follows (for the log).
func (n *Notifier) release(ctx context.Context, threadKey string, rec record, log *slog.Logger, replacing bool) error {
	reason := releasedWithdrawn
	if replacing {
		reason = releasedReplaced
	}
	store, ok := n.accounts[rec.Account]
	if !ok {
		log.Warn("account of an earlier draft is no longer configured; the draft is left where it is")
		rec.Released = reason
		return n.put(ctx, threadKey, rec)
	}
	found, untouched, err := store.Find(ctx, rec.MessageID)
	if err != nil {
		return fmt.Errorf("drafts %s: find %s: %w", rec.Account, rec.MessageID, err)
	}
	switch {
	case found && untouched:
		err := store.Delete(ctx, rec.MessageID)
		switch {
		case errors.Is(err, ErrEdited):
			log.Info("draft edited by the user meanwhile: left alone")
			reason = releasedEdited
		case err != nil:
			return fmt.Errorf("drafts %s: delete %s: %w", rec.Account, rec.MessageID, err)
		case replacing:
			log.Info("untouched draft removed: the thread moved on")
		default:
			log.Info("untouched draft withdrawn")
		}
	case found:
		log.Info("draft edited by the user: left alone and forgotten")
		reason = releasedEdited
	default:
		log.Debug("draft no longer there (sent or deleted by the user)")
		reason = releasedGone
	}
	rec.Released = reason
	return n.put(ctx, threadKey, rec)
}

// Notify saves the draft of each draft suggestion, and withdraws it for a
// suggestion withdrawn; other suggestions are not this notifier's. retry
// is set when a failure may pass (the mail server was unreachable).
func (n *Notifier) Notify(ctx context.Context, ss ...event.Suggestion) (retry bool, err error) {
	var errs []error
	for _, s := range ss {
		if s.Kind != event.KindDraft || s.Draft == nil {
			continue
		}
		var err error
		if s.Status == event.StatusWithdrawn {
			err = n.Withdraw(ctx, s.Draft.ThreadKey)
		} else {
			_, err = n.Save(ctx, *s.Draft)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("suggestion %s: %w", s.ID, err))
			retry = retry || !errors.Is(err, ErrPermanent)
		}
	}
	return retry, errors.Join(errs...)
}

// Prune forgets released records older than age (by when their draft was
// written); what agentd still owns is kept.
func (n *Notifier) Prune(ctx context.Context, age time.Duration) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	keys, err := n.state.Keys(ctx, keyPrefix)
	if err != nil {
		return 0, fmt.Errorf("drafts: prune: %w", err)
	}
	cutoff := n.now().Add(-age)
	pruned := 0
	for _, k := range keys {
		rec, ok, err := n.load(ctx, strings.TrimPrefix(k, keyPrefix))
		if err != nil {
			return pruned, err
		}
		if ok && rec.Released != "" && rec.Written.Before(cutoff) {
			if err := n.state.Delete(ctx, k); err != nil {
				return pruned, fmt.Errorf("drafts: prune: %w", err)
			}
			pruned++
		}
	}
	return pruned, nil
}

func (n *Notifier) check(d event.Draft) (Store, error) {
	var errs []string
	if strings.TrimSpace(d.ThreadKey) == "" {
		errs = append(errs, "thread key is empty")
	}
	if strings.TrimSpace(d.InReplyTo) == "" {
		errs = append(errs, "in-reply-to is empty")
	}
	if strings.TrimSpace(d.Body) == "" {
		errs = append(errs, "body is empty")
	}
	store, ok := n.accounts[d.Account]
	if !ok {
		known := make([]string, 0, len(n.accounts))
		for a := range n.accounts {
			known = append(known, a)
		}
		sort.Strings(known)
		errs = append(errs, fmt.Sprintf("account %q has no drafts store (configured: %q)", d.Account, known))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("drafts: %w: %s", ErrPermanent, strings.Join(errs, "; "))
	}
	return store, nil
}

func (n *Notifier) load(ctx context.Context, threadKey string) (record, bool, error) {
	raw, err := n.state.Get(ctx, keyPrefix+threadKey)
	if errors.Is(err, state.ErrNotFound) {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, fmt.Errorf("drafts: state of thread %q: %w", threadKey, err)
	}
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		// A damaged record must not cost the user a draft they edited:
		// treat the thread as released, never delete on its word.
		n.logger.Warn("unreadable draft record; treated as released", "thread", threadKey, "err", err)
		return record{Released: releasedGone}, true, nil
	}
	return rec, true, nil
}

func (n *Notifier) put(ctx context.Context, threadKey string, rec record) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("drafts: state of thread %q: %w", threadKey, err)
	}
	if err := n.state.Put(ctx, keyPrefix+threadKey, raw); err != nil {
		return fmt.Errorf("drafts: state of thread %q: %w", threadKey, err)
	}
	return nil
}
