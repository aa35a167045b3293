package event

import "time"

// CalendarEvent is the data of calendar.event.changed and
// calendar.event.cancelled: one calendar object (a UID with its overrides)
// as of the watcher's clock, with its occurrences inside the horizon.
type CalendarEvent struct {
	Calendar    string   `json:"calendar"`             // configured source name
	Collection  string   `json:"collection,omitempty"` // CalDAV calendar name, if several
	Href        string   `json:"href,omitempty"`
	UID         string   `json:"uid"`
	Sequence    int      `json:"sequence,omitempty"`
	Method      string   `json:"method,omitempty"` // REQUEST, CANCEL, REPLY when from an iTIP message
	Summary     string   `json:"summary"`
	Description string   `json:"description,omitempty"` // plain text, bounded
	Location    string   `json:"location,omitempty"`
	URL         string   `json:"url,omitempty"`
	Conference  []string `json:"conference,omitempty"` // meeting links found in the event
	Status      string   `json:"status,omitempty"`     // CONFIRMED, TENTATIVE, CANCELLED
	Categories  []string `json:"categories,omitempty"`
	Transparent bool     `json:"transparent,omitempty"` // TRANSP:TRANSPARENT: does not block time
	AllDay      bool     `json:"all_day,omitempty"`
	Recurring   bool     `json:"recurring,omitempty"`
	// Instance: the object is one occurrence of a series without the
	// series (a RECURRENCE-ID alone, as an iTIP message about one
	// occurrence carries it); its occurrence's RecurrenceID says which.
	Instance  bool     `json:"instance,omitempty"`
	Organizer *Person  `json:"organizer,omitempty"`
	Attendees []Person `json:"attendees,omitempty"`
	// Alarms are the event's own VALARMs, as offsets before the start
	// (negative = after) or absolute times.
	Alarms []Alarm `json:"alarms,omitempty"`
	// Window is the span the occurrences were expanded over.
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	// Occurrences inside the window, cancelled ones included (Cancelled).
	// They are the first ones of the window, at most a bounded number:
	// when some were left out, WindowEnd is the start of the first one
	// left out and Truncated lists "occurrences".
	Occurrences []Occurrence `json:"occurrences"`
	// Truncated names the fields that were cut to keep the event small
	// ("summary", "attendees", "occurrences"…); a cut text ends in "…".
	Truncated []string `json:"truncated,omitempty"`
}

// Person is an organizer or attendee.
type Person struct {
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"`
	PartStat string `json:"partstat,omitempty"` // NEEDS-ACTION, ACCEPTED, DECLINED, TENTATIVE, DELEGATED
	Role     string `json:"role,omitempty"`
	RSVP     bool   `json:"rsvp,omitempty"`
}

// Alarm is one VALARM.
type Alarm struct {
	Before time.Duration `json:"before,omitempty"` // before the start (negative: after)
	At     time.Time     `json:"at,omitzero"`      // absolute trigger
	Action string        `json:"action,omitempty"`
}

// Occurrence is one instance of an event.
type Occurrence struct {
	// RecurrenceID is the original start of this instance (RFC 3339, or
	// YYYY-MM-DD for all-day), stable when the instance is moved.
	RecurrenceID string    `json:"recurrence_id"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	AllDay       bool      `json:"all_day,omitempty"`
	Cancelled    bool      `json:"cancelled,omitempty"`
	// Summary and Location differ from the event's when an override
	// changed them.
	Summary  string `json:"summary,omitempty"`
	Location string `json:"location,omitempty"`
	// Attendees is set when an override changed them (the user declined
	// this one occurrence of an accepted series, say).
	Attendees []Person `json:"attendees,omitempty"`
}
