package suggestions

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// A rule whose suggestions the user dismisses again and again gets
// quieter: after QuieterAfter dismissals within QuietWindow its new
// suggestions come one priority lower, after DigestOnlyAfter they are no
// longer pushed at all (event.Suggestion.Quiet) and wait in the digest.
// Their why says so. Marking one of the rule's suggestions done (or
// opening it) starts the count again. Reminders are not counted: closing
// a reminder that fired says "seen", not "stop".
const (
	QuietWindow     = 14 * 24 * time.Hour
	QuieterAfter    = 3
	DigestOnlyAfter = 6
)

// maxDismissals bounds the times kept per rule.
const maxDismissals = 2 * DigestOnlyAfter

// dismissalPrefix starts the keys of the dismissal logs, kept in the
// Book's store beside the records. Suggestion ids are hex, so no record's
// key starts with it.
const dismissalPrefix = "dismissals."

// dismissalKey is the key of rule's log: the name in hex, since rule
// names may hold characters a key may not.
func dismissalKey(rule string) string { return dismissalPrefix + hex.EncodeToString([]byte(rule)) }

// dismissalLog is when the user dismissed a rule's suggestions, oldest
// first.
type dismissalLog struct {
	Rule string      `json:"rule"`
	At   []time.Time `json:"at"`
}

// Quieting is what the Book did to a suggestion because its rule was
// dismissed often: kept in its Record, so offering the same suggestion
// again compares like with like.
type Quieting struct {
	// Dismissed is how many of the rule's suggestions the user dismissed
	// within QuietWindow when this one was made.
	Dismissed int `json:"dismissed"`
	// Priority is the rule's own priority for it, before quieting.
	Priority string `json:"priority"`
	// DigestOnly is set from DigestOnlyAfter dismissals on.
	DigestOnly bool `json:"digest_only,omitempty"`
}

// Note is what the suggestion's why gains: "quieter: you dismissed 3 of
// these lately".
func (q Quieting) Note() string {
	what := "quieter"
	if q.DigestOnly {
		what = "quieter, digest only"
	}
	return fmt.Sprintf("%s: you dismissed %d of these lately", what, q.Dismissed)
}

// apply returns s as q makes it: a priority lower (low for digest only),
// Quiet for digest only, the note in its why.
func (q Quieting) apply(s event.Suggestion) event.Suggestion {
	s.Priority = lower(q.Priority)
	if q.DigestOnly {
		s.Priority, s.Quiet = event.PriorityLow, true
	}
	note := "(" + q.Note() + ")"
	if s.Why == "" {
		s.Why = note
	} else if !strings.HasSuffix(s.Why, note) {
		s.Why += " " + note
	}
	return s
}

// lower is one priority below p; low stays low.
func lower(p string) string {
	switch event.PriorityRank(p) {
	case event.PriorityRank(event.PriorityUrgent):
		return event.PriorityHigh
	case event.PriorityRank(event.PriorityHigh):
		return event.PriorityNormal
	default:
		return event.PriorityLow
	}
}

// counted reports whether dismissing s counts towards its rule's quieting.
func counted(s event.Suggestion) bool { return s.Rule != "" && s.Kind != event.KindReminder }

// Dismissals returns how many of rule's suggestions the user dismissed
// within QuietWindow before now.
func (b *Book) Dismissals(ctx context.Context, rule string) (int, error) {
	l, err := b.dismissals(ctx, rule)
	if err != nil {
		return 0, err
	}
	return len(recent(l.At, b.now())), nil
}

// quieting is what a new suggestion s gets from its rule's dismissals:
// nil when it stays as it is.
func (b *Book) quieting(ctx context.Context, s event.Suggestion) (*Quieting, error) {
	if !counted(s) {
		return nil, nil
	}
	n, err := b.Dismissals(ctx, s.Rule)
	if err != nil {
		return nil, fmt.Errorf("dismissals of rule %s: %w", s.Rule, err)
	}
	if n < QuieterAfter {
		return nil, nil
	}
	return &Quieting{Dismissed: n, Priority: s.Priority, DigestOnly: n >= DigestOnlyAfter}, nil
}

// noteDismissal adds a dismissal of s's rule at now.
func (b *Book) noteDismissal(ctx context.Context, s event.Suggestion, now time.Time) error {
	if !counted(s) {
		return nil
	}
	l, err := b.dismissals(ctx, s.Rule)
	if err != nil {
		return err
	}
	l.Rule = s.Rule
	l.At = append(recent(l.At, now), now)
	if len(l.At) > maxDismissals {
		l.At = l.At[len(l.At)-maxDismissals:]
	}
	raw, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encode dismissals: %w", err)
	}
	return b.store.Put(ctx, dismissalKey(s.Rule), raw)
}

// clearDismissals forgets the dismissals of s's rule: the user found one
// of its suggestions worth acting on.
func (b *Book) clearDismissals(ctx context.Context, s event.Suggestion) error {
	if !counted(s) {
		return nil
	}
	err := b.store.Delete(ctx, dismissalKey(s.Rule))
	if errors.Is(err, state.ErrNotFound) {
		return nil
	}
	return err
}

func (b *Book) dismissals(ctx context.Context, rule string) (dismissalLog, error) {
	raw, err := b.store.Get(ctx, dismissalKey(rule))
	if errors.Is(err, state.ErrNotFound) {
		return dismissalLog{Rule: rule}, nil
	}
	if err != nil {
		return dismissalLog{}, err
	}
	var l dismissalLog
	if err := json.Unmarshal(raw, &l); err != nil {
		return dismissalLog{}, fmt.Errorf("decode dismissals of rule %s: %w", rule, err)
	}
	return l, nil
}

// recent is the times within QuietWindow before now.
func recent(at []time.Time, now time.Time) []time.Time {
	return slices.DeleteFunc(slices.Clone(at), func(t time.Time) bool {
		return !t.After(now.Add(-QuietWindow)) || t.After(now)
	})
}
