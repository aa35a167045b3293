package event

import "time"

// Kinds of suggestion. The bus subject is "agentd.suggestions.<kind>".
const (
	KindReminder   = "reminder"
	KindSuggestion = "suggestion"
	KindDraft      = "draft"
)

// Priorities, lowest first. Notifiers map them to urgency.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Status of a suggestion over its life.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusAccepted  = "accepted"
	StatusDismissed = "dismissed"
	StatusDone      = "done"
	StatusSnoozed   = "snoozed"
	StatusExpired   = "expired"
	StatusWithdrawn = "withdrawn"
)

// About names one thing a suggestion is about.
type About struct {
	Source string `json:"source"` // "feed:go-blog"
	Type   string `json:"type"`   // event type
	// Ref is the mail's Message-ID, the calendar event's UID or the feed
	// item's GUID (falling back to its link).
	Ref string `json:"ref"`
	// RecurrenceID is the original start of the one occurrence meant
	// (RFC 3339, or a date for all-day), omitted otherwise.
	RecurrenceID string `json:"recurrence_id,omitempty"`
}

// Suggestion is one nudge for the user.
type Suggestion struct {
	SpecVersion string `json:"specversion"`
	// ID is deterministic from the rule and what it is about, so the same
	// nudge is never delivered twice.
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Body     string `json:"body,omitempty"`
	Priority string `json:"priority"`
	// Due is when a reminder fires; zero for suggestions.
	Due time.Time `json:"due,omitzero"`
	// Expires is when the suggestion stops being worth showing; zero = never.
	Expires time.Time `json:"expires,omitzero"`
	// Created is the planner's clock when it was made.
	Created time.Time `json:"created"`
	About   []About   `json:"about"`
	// Link is what "open" opens, if anything.
	Link    string   `json:"link,omitempty"`
	Actions []string `json:"actions,omitempty"`
	Rule    string   `json:"rule"`
	Why     string   `json:"why"`
	Status  string   `json:"status,omitempty"`
	// Draft is the reply a kind draft suggestion saves in the user's
	// Drafts folder (never sent); nil for other kinds.
	Draft *Draft `json:"draft,omitempty"`
	// Quiet means digest only: the user dismissed this rule's suggestions
	// so often that they are no longer pushed (desktop, terminal, ntfy,
	// webhook); they wait in the daily digest and `agentd suggestions`.
	Quiet bool `json:"quiet,omitempty"`
}

// PriorityRank orders priorities: low 0 … urgent 3; unknown counts as normal.
func PriorityRank(p string) int {
	switch p {
	case PriorityLow:
		return 0
	case PriorityHigh:
		return 2
	case PriorityUrgent:
		return 3
	default:
		return 1
	}
}

// OpenAt reports whether the suggestion is something the user should see at t:
// created by then and not expired.
func (s Suggestion) OpenAt(t time.Time) bool {
	if !s.Expires.IsZero() && !t.Before(s.Expires) {
		return false
	}
	return true
}
