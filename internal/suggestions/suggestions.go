// Package suggestions keeps the life of every suggestion: made (pending),
// delivered or expired, answered by the user (accepted, dismissed, done,
// snoozed) or withdrawn by the planner. The daemon, `agentd plan`, and what
// reads or answers suggestions later (the CLI, the digest, a dashboard) all
// go through a Book, so they agree on what a suggestion's status means.
//
// A Book keeps one Record per suggestion id in a state.Store and sends what
// must reach the user through an Outbox: the daemon's is the bus, `agentd
// plan` collects in memory. Updates are read-modify-write without a lock, as
// the store has no compare-and-set: the last writer wins.
package suggestions

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// Outbox sends suggestions on their way to the notifiers.
type Outbox interface {
	// Publish hands s to the notifiers now.
	Publish(ctx context.Context, s event.Suggestion) error
	// Schedule hands s to the notifiers at s.Due (at once if s.Due is not
	// after now); scheduling the same id again moves it.
	Schedule(ctx context.Context, s event.Suggestion, now time.Time) error
	// Cancel drops the pending schedule of id; an unknown id is no error.
	Cancel(ctx context.Context, id string) error
}

// Record is what the Book keeps per suggestion id. Its JSON is that of the
// records the daemon has always written (suggestion, status, updated), so
// existing data directories load.
type Record struct {
	// Suggestion is the latest version offered.
	Suggestion event.Suggestion `json:"suggestion"`
	// Status is one of the event.Status constants.
	Status string `json:"status"`
	// Created is when the id was first offered. Records written before it
	// was kept load with the suggestion's own creation time (or Updated).
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated"`
	// Until is when a snoozed suggestion shows again.
	Until time.Time `json:"until,omitzero"`
	// Quieter is set when the suggestion was made quieter because the
	// user dismissed its rule's suggestions often (see QuieterAfter).
	Quieter *Quieting `json:"quieter,omitempty"`
}

// Next is the suggestion as it shows next: for a snoozed one, the copy
// that shows at Until (see SnoozeID), pushed even if the suggestion is
// digest only.
func (r Record) Next() event.Suggestion {
	if r.Status != event.StatusSnoozed || r.Until.IsZero() {
		return r.Suggestion
	}
	c := r.Suggestion
	c.ID = SnoozeID(c.ID)
	c.Kind = event.KindReminder
	c.Due = r.Until
	// The user asked to see it again: a digest-only one is shown too.
	c.Quiet = false
	return c
}

// Open reports whether the user still has the suggestion in front of them
// (or will have, once it is due) at now: not answered as dismissed or done,
// not withdrawn, not expired.
func (r Record) Open(now time.Time) bool {
	switch r.Status {
	case event.StatusDismissed, event.StatusDone, event.StatusWithdrawn, event.StatusExpired:
		return false
	}
	return r.Suggestion.OpenAt(now)
}

// Actions a user can answer a suggestion with (Book.Answer).
const (
	ActionAccept  = "accept"
	ActionDismiss = "dismiss"
	ActionDone    = "done"
	ActionSnooze  = "snooze"
)

// ErrWithdrawn is returned by Answer for a suggestion the planner has
// withdrawn: it no longer holds, so there is nothing to answer.
var ErrWithdrawn = errors.New("suggestion was withdrawn")

// snoozeSuffix marks the id of a snoozed copy. Suggestion ids are hex
// (event.ID), so no id of its own ends in it.
const snoozeSuffix = "-snooze"

// SnoozeID is the id of the copy of suggestion id that shows again when a
// snooze ends. It is the same for every snooze of id, so snoozing again
// moves the copy; Original maps it back.
func SnoozeID(id string) string {
	if orig, ok := Original(id); ok {
		return SnoozeID(orig)
	}
	return id + snoozeSuffix
}

// Original returns the id of the suggestion a snoozed copy stands for, and
// whether id is such a copy.
func Original(id string) (string, bool) {
	orig, ok := strings.CutSuffix(id, snoozeSuffix)
	if !ok || orig == "" {
		return id, false
	}
	return orig, true
}

// Same reports whether b says nothing new over a: same moment, same words.
func Same(a, b event.Suggestion) bool {
	return a.Due.Equal(b.Due) && a.Title == b.Title && a.Body == b.Body && a.Priority == b.Priority && a.Expires.Equal(b.Expires)
}

// Book reads and changes suggestion records.
type Book struct {
	store state.Store
	out   Outbox
	now   func() time.Time
}

// New returns a Book keeping records in store and sending through out. A
// nil now means time.Now.
func New(store state.Store, out Outbox, now func() time.Time) *Book {
	if now == nil {
		now = time.Now
	}
	return &Book{store: store, out: out, now: now}
}

// Offer makes suggestion s: a suggestion with a due time is scheduled,
// any other published; its record is stored as pending once the outbox has
// taken it. An id made before and not withdrawn that says nothing new (see
// Same) is not made again, also after a restart: offered is false then.
//
// A new suggestion of a rule the user dismissed often is made quieter
// (see QuieterAfter); an id made before keeps the quieting it got then.
func (b *Book) Offer(ctx context.Context, s event.Suggestion) (offered bool, err error) {
	now := b.now()
	created := now
	rec, err := b.get(ctx, s.ID)
	found := err == nil
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return false, fmt.Errorf("offer %s: %w", s.ID, err)
	}
	quieter := rec.Quieter
	if !found || rec.Status == event.StatusWithdrawn {
		if quieter, err = b.quieting(ctx, s); err != nil {
			return false, fmt.Errorf("offer %s: %w", s.ID, err)
		}
	}
	if quieter != nil {
		q := *quieter
		// The stored version's priority is the quieter one: a caller that
		// offers it again (with a new title, say) keeps the rule's own.
		if !found || s.Priority != rec.Suggestion.Priority {
			q.Priority = s.Priority
		}
		quieter = &q
		s = q.apply(s)
	}
	if found {
		if rec.Status != event.StatusWithdrawn && Same(rec.Suggestion, s) {
			return false, nil // made before: never twice
		}
		created = rec.Created
		if rec.Status == event.StatusSnoozed {
			// The new version replaces the snoozed copy.
			if err := b.out.Cancel(ctx, SnoozeID(s.ID)); err != nil {
				return false, fmt.Errorf("offer %s: cancel snoozed copy: %w", s.ID, err)
			}
		}
	}
	if !s.Due.IsZero() {
		// Reminders, and suggestions meant for a later moment (a birthday
		// morning), wait in a durable schedule; moving one schedules the
		// same id again, which replaces it.
		err = b.out.Schedule(ctx, s, now)
	} else {
		err = b.out.Publish(ctx, s)
	}
	if err != nil {
		return false, fmt.Errorf("offer %s: %w", s.ID, err)
	}
	if err := b.put(ctx, Record{Suggestion: s, Status: event.StatusPending, Created: created, Updated: now, Quieter: quieter}); err != nil {
		return false, fmt.Errorf("offer %s: %w", s.ID, err)
	}
	return true, nil
}

// Withdraw cancels a suggestion that no longer holds: its pending schedule
// (and that of a snoozed copy) is dropped and its record marked withdrawn,
// so a copy already on its way is not delivered (see ShouldDeliver). An
// unknown id is no error.
func (b *Book) Withdraw(ctx context.Context, id string) error {
	rec, err := b.get(ctx, id)
	if errors.Is(err, state.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("withdraw %s: %w", id, err)
	}
	if rec.Status == event.StatusWithdrawn {
		return nil
	}
	if err := b.cancel(ctx, rec); err != nil {
		return fmt.Errorf("withdraw %s: %w", id, err)
	}
	rec.Status, rec.Until, rec.Updated = event.StatusWithdrawn, time.Time{}, b.now()
	if err := b.put(ctx, rec); err != nil {
		return fmt.Errorf("withdraw %s: %w", id, err)
	}
	return nil
}

// ShouldDeliver reports whether the suggestion (or snoozed copy) id that
// reached the notifiers is still to be shown: not if it was withdrawn,
// dismissed or done, nor an original that the user snoozed; a snoozed
// copy only while its suggestion is snoozed. An id without a record is
// delivered.
func (b *Book) ShouldDeliver(ctx context.Context, id string) (bool, error) {
	orig, isCopy := Original(id)
	rec, err := b.get(ctx, orig)
	if errors.Is(err, state.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("should deliver %s: %w", id, err)
	}
	if isCopy {
		return rec.Status == event.StatusSnoozed, nil
	}
	switch rec.Status {
	case event.StatusWithdrawn, event.StatusDismissed, event.StatusDone, event.StatusSnoozed:
		return false, nil
	}
	return true, nil
}

// Delivered records what the notifiers did with s: event.StatusDelivered
// or event.StatusExpired. For a snoozed copy it is the suggestion's record
// that changes: it shows again. The record keeps the latest version
// offered; s is stored only when there is no record yet. An accepted
// suggestion stays accepted: a new version is offered as pending first, so
// a delivery that finds the user's answer is one of a version offered
// before it (its reminder firing, or a message handled again after a
// crash or a repair), and the answer stands.
func (b *Book) Delivered(ctx context.Context, s event.Suggestion, status string) error {
	id, _ := Original(s.ID)
	rec, err := b.get(ctx, id)
	switch {
	case errors.Is(err, state.ErrNotFound):
		rec = Record{Suggestion: s, Created: b.now()}
	case err != nil:
		return fmt.Errorf("record delivery of %s: %w", s.ID, err)
	case rec.Status == event.StatusAccepted:
		return nil
	}
	rec.Status, rec.Until, rec.Updated = status, time.Time{}, b.now()
	if err := b.put(ctx, rec); err != nil {
		return fmt.Errorf("record delivery of %s: %w", s.ID, err)
	}
	return nil
}

// Get returns the record of id; a snoozed copy's id gives its
// suggestion's record. An unknown id is state.ErrNotFound.
func (b *Book) Get(ctx context.Context, id string) (Record, error) {
	orig, _ := Original(id)
	rec, err := b.get(ctx, orig)
	if err != nil {
		return Record{}, fmt.Errorf("suggestion %s: %w", id, err)
	}
	return rec, nil
}

// Filter selects records for List.
type Filter struct {
	// All lists every record; by default only open ones (Record.Open).
	All bool
	// Statuses, if any, lists only records in one of them (open or not).
	Statuses []string
}

// List returns the records f selects, in the order of Compare on what
// shows next (Record.Next): reminders and snoozed ones first, by when they
// fire, then the rest by priority (highest first) and creation.
func (b *Book) List(ctx context.Context, f Filter) ([]Record, error) {
	keys, err := b.store.Keys(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("list suggestions: %w", err)
	}
	now := b.now()
	var out []Record
	for _, k := range keys {
		if strings.HasPrefix(k, dismissalPrefix) {
			continue
		}
		rec, err := b.get(ctx, k)
		if errors.Is(err, state.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("list suggestions: %w", err)
		}
		switch {
		case len(f.Statuses) > 0:
			if !slices.Contains(f.Statuses, rec.Status) {
				continue
			}
		case !f.All && !rec.Open(now):
			continue
		}
		out = append(out, rec)
	}
	slices.SortStableFunc(out, func(a, b Record) int { return Compare(a.Next(), b.Next()) })
	return out, nil
}

// Answer records the user's answer to suggestion (or snoozed copy) id:
// ActionAccept, ActionDismiss, ActionDone or ActionSnooze. Dismiss and
// done drop what is still scheduled for it. Snooze needs until after now:
// a copy (SnoozeID) is scheduled to show at until, in place of the
// suggestion if that is still scheduled. An unknown id is
// state.ErrNotFound, a withdrawn one ErrWithdrawn.
func (b *Book) Answer(ctx context.Context, id, action string, until time.Time) error {
	return b.answer(ctx, id, action, until, true)
}

// Drop dismisses suggestion id for the user, as the model's judgement
// does with one that does not hold (a scam, no question after all): like
// Answer with ActionDismiss, but it does not count towards making the
// rule quieter, since the user did not dismiss it.
func (b *Book) Drop(ctx context.Context, id string) error {
	return b.answer(ctx, id, ActionDismiss, time.Time{}, false)
}

// answer is Answer; byUser says whether a dismissal counts towards the
// rule's quieting.
func (b *Book) answer(ctx context.Context, id, action string, until time.Time, byUser bool) error {
	orig, _ := Original(id)
	now := b.now()
	status := map[string]string{
		ActionAccept:  event.StatusAccepted,
		ActionDismiss: event.StatusDismissed,
		ActionDone:    event.StatusDone,
		ActionSnooze:  event.StatusSnoozed,
	}[action]
	if status == "" {
		return fmt.Errorf("answer %s: unknown action %q (want accept, dismiss, done or snooze)", id, action)
	}
	if action == ActionSnooze && !until.After(now) {
		return fmt.Errorf("answer %s: snooze until %s, which is not in the future", id, until.Format(time.RFC3339))
	}
	rec, err := b.get(ctx, orig)
	if err != nil {
		return fmt.Errorf("answer %s: %w", id, err)
	}
	if rec.Status == event.StatusWithdrawn {
		return fmt.Errorf("answer %s: %w", id, ErrWithdrawn)
	}
	switch action {
	case ActionDismiss, ActionDone:
		if err := b.cancel(ctx, rec); err != nil {
			return fmt.Errorf("answer %s: %w", id, err)
		}
		rec.Until = time.Time{}
	case ActionSnooze:
		if rec.Suggestion.Due.After(now) {
			// Not shown yet: the copy takes its place.
			if err := b.out.Cancel(ctx, rec.Suggestion.ID); err != nil {
				return fmt.Errorf("answer %s: %w", id, err)
			}
		}
		rec.Status, rec.Until = event.StatusSnoozed, until
		if err := b.out.Schedule(ctx, rec.Next(), now); err != nil {
			return fmt.Errorf("answer %s: snooze: %w", id, err)
		}
	default:
		rec.Until = time.Time{}
	}
	was := rec.Status
	rec.Status, rec.Updated = status, now
	if err := b.put(ctx, rec); err != nil {
		return fmt.Errorf("answer %s: %w", id, err)
	}
	switch {
	case action == ActionDismiss && was != event.StatusDismissed && byUser:
		if err := b.noteDismissal(ctx, rec.Suggestion, now); err != nil {
			return fmt.Errorf("answer %s: count the dismissal: %w", id, err)
		}
	case action == ActionDone || action == ActionAccept:
		if err := b.clearDismissals(ctx, rec.Suggestion); err != nil {
			return fmt.Errorf("answer %s: reset the dismissals: %w", id, err)
		}
	}
	return nil
}

// cancel drops what is still scheduled for rec: the suggestion itself if
// it has a due time, and its snoozed copy.
func (b *Book) cancel(ctx context.Context, rec Record) error {
	if !rec.Suggestion.Due.IsZero() {
		if err := b.out.Cancel(ctx, rec.Suggestion.ID); err != nil {
			return err
		}
	}
	if rec.Status == event.StatusSnoozed {
		if err := b.out.Cancel(ctx, SnoozeID(rec.Suggestion.ID)); err != nil {
			return err
		}
	}
	return nil
}

func (b *Book) put(ctx context.Context, rec Record) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode suggestion record: %w", err)
	}
	return b.store.Put(ctx, rec.Suggestion.ID, raw)
}

func (b *Book) get(ctx context.Context, id string) (Record, error) {
	raw, err := b.store.Get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	var rec Record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return Record{}, fmt.Errorf("decode suggestion record %s: %w", id, err)
	}
	if rec.Created.IsZero() {
		rec.Created = rec.Suggestion.Created
	}
	if rec.Created.IsZero() {
		rec.Created = rec.Updated
	}
	return rec, nil
}

// Compare orders suggestions as the user is shown a list of them:
// reminders first, by due time, then the rest by priority (highest first);
// ties by creation, title and id.
func Compare(a, b event.Suggestion) int {
	ar, br := a.Kind == event.KindReminder, b.Kind == event.KindReminder
	if ar != br {
		if ar {
			return -1
		}
		return 1
	}
	if ar {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(event.PriorityRank(b.Priority), event.PriorityRank(a.Priority)); c != 0 {
		return c
	}
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	return cmp.Or(strings.Compare(a.Title, b.Title), strings.Compare(a.ID, b.ID))
}
