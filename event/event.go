// Package event holds the contracts that travel on the bus: the Event envelope
// that watchers publish and the Suggestion the planner produces. Both are
// versioned JSON; keep field names stable, scripts and other agentd processes
// depend on them.
package event

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SpecVersion is the version of the Event and Suggestion wire format.
const SpecVersion = "1"

// Event types. The bus subject of an event is "agentd.events.<type>".
const (
	TypeMailReceived     = "mail.received"
	TypeMailSent         = "mail.sent"
	TypeMailFlags        = "mail.flags"
	TypeCalendarChanged  = "calendar.event.changed"
	TypeCalendarCanceled = "calendar.event.cancelled"
	TypeFeedItem         = "feed.item"
)

// Event is what a watcher saw happen in a source. Modelled on CloudEvents.
type Event struct {
	SpecVersion string `json:"specversion"`
	// ID is deterministic: the same mail, occurrence or feed item always has
	// the same id, so re-publishing it is a no-op (Nats-Msg-Id).
	ID string `json:"id"`
	// Source is "feed:<name>", "mail:<account>" or "calendar:<name>".
	Source string `json:"source"`
	Type   string `json:"type"`
	// Time is when the thing happened in the source (a feed item's published
	// date, a mail's Date), not when agentd saw it. Zero if unknown.
	Time time.Time `json:"time,omitzero"`
	// Seen is when the watcher saw it.
	Seen    time.Time       `json:"seen"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// New builds an event with a deterministic id derived from source, type and key.
func New(source, typ, key, subject string, at, seen time.Time, data any) (Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("event %s %s: encode data: %w", source, typ, err)
	}
	return Event{
		SpecVersion: SpecVersion,
		ID:          ID(source, typ, key),
		Source:      source,
		Type:        typ,
		Time:        at,
		Seen:        seen,
		Subject:     subject,
		Data:        raw,
	}, nil
}

// ID returns a deterministic, subject-safe identifier for parts.
func ID(parts ...string) string {
	return Hash(parts...)[:24]
}

// Hash returns the hex SHA-256 of parts joined by NUL bytes.
func Hash(parts ...string) string {
	h := sha256.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Decode unmarshals the event's data into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("event %s (%s): decode data: %w", e.ID, e.Type, err)
	}
	return nil
}

// SourceKind returns "feed", "mail" or "calendar" from Source.
func (e Event) SourceKind() string {
	kind, _, _ := strings.Cut(e.Source, ":")
	return kind
}

// SourceName returns the configured name of the source.
func (e Event) SourceName() string {
	_, name, _ := strings.Cut(e.Source, ":")
	return name
}

// FeedItem is the data of a feed.item event.
type FeedItem struct {
	Feed       string    `json:"feed"` // configured feed name
	FeedTitle  string    `json:"feed_title,omitempty"`
	FeedURL    string    `json:"feed_url"` // URL the feed was fetched from
	GUID       string    `json:"guid,omitempty"`
	Link       string    `json:"link,omitempty"`
	Title      string    `json:"title"`
	Summary    string    `json:"summary,omitempty"` // plain text, bounded
	Categories []string  `json:"categories,omitempty"`
	Authors    []string  `json:"authors,omitempty"`
	Published  time.Time `json:"published,omitzero"`
	Updated    time.Time `json:"updated,omitzero"`
	// Truncated names the fields that were cut to keep the event small
	// ("categories", "link"…); a cut text ends in "…".
	Truncated []string `json:"truncated,omitempty"`
}

// Ref returns the item's stable reference: its GUID, else its link.
func (f FeedItem) Ref() string {
	if f.GUID != "" {
		return f.GUID
	}
	return f.Link
}
