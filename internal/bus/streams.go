package bus

import (
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream names.
const (
	StreamEvents      = "EVENTS"
	StreamSuggestions = "SUGGESTIONS"
	StreamFeedback    = "FEEDBACK"
	StreamSchedule    = "SCHEDULE"
	StreamWork        = "WORK"
)

// KV bucket names.
const (
	BucketWatchers    = "agentd_watchers"    // watcher cursors: UIDs, ETags, seen items
	BucketSuggestions = "agentd_suggestions" // suggestion status
	BucketDelivery    = "agentd_delivery"    // delivery log
	// BucketFeedSeen holds the feed items already announced. Its keys
	// expire after FeedSeenTTL unless the feed watcher re-arms them while
	// the item is still in the feed, so the set stays bounded over years.
	BucketFeedSeen = "agentd_feed_seen"
	// BucketPoison holds, per source, the events the bus refused for good
	// (too large, say): skipped so that the source goes on, and shown by
	// `agentd check`. One bounded record per source.
	BucketPoison = "agentd_poison"
)

// FeedSeenTTL is how long a feed item is remembered after it was last
// seen in its feed. The bucket is also capped (see limits.go): when full,
// the records written longest ago go first.
const FeedSeenTTL = 180 * 24 * time.Hour

// Subject prefixes; the last token(s) are the event type, suggestion kind or id.
const (
	SubjectEvents      = "agentd.events."
	SubjectSuggestions = "agentd.suggestions."
	SubjectFeedback    = "agentd.feedback."
	SubjectSchedule    = "agentd.schedule."
	SubjectDue         = "agentd.due."
	SubjectWork        = "agentd.work."
)

const (
	dedupWindow = time.Hour
	// dueRetention is how long a fired reminder stays on agentd.due.<id>.
	dueRetention = 30 * 24 * time.Hour
	// workRetention is how long a job waits for its consumer; a job is
	// gone earlier once a handler is done with it.
	workRetention = 30 * 24 * time.Hour
)

// EventSubject is the subject of events of type typ.
func EventSubject(typ string) string { return SubjectEvents + typ }

// SuggestionSubject is the subject of suggestions of kind kind.
func SuggestionSubject(kind string) string { return SubjectSuggestions + kind }

// FeedbackSubject is the subject of the user's feedback on suggestion id.
func FeedbackSubject(id string) string { return SubjectFeedback + id }

// ScheduleSubject holds the pending schedule of reminder id.
func ScheduleSubject(id string) string { return SubjectSchedule + id }

// DueSubject is where reminder id fires.
func DueSubject(id string) string { return SubjectDue + id }

// DueSubjectID returns the reminder id of a subject "agentd.due.<id>", or ""
// if subject is not a due subject.
func DueSubjectID(subject string) string {
	id, ok := strings.CutPrefix(subject, SubjectDue)
	if !ok {
		return ""
	}
	return id
}

func streamConfigs() []jetstream.StreamConfig {
	return []jetstream.StreamConfig{
		{
			Name:        StreamEvents,
			Description: "what watchers saw in mail, calendars and feeds",
			Subjects:    []string{SubjectEvents + ">"},
			Storage:     jetstream.FileStorage,
			MaxAge:      30 * 24 * time.Hour,
			MaxBytes:    maxBytesEvents,
			Duplicates:  dedupWindow,
		},
		{
			Name:        StreamSuggestions,
			Description: "suggestions and reminders from the planner",
			Subjects:    []string{SubjectSuggestions + ">"},
			Storage:     jetstream.FileStorage,
			MaxAge:      30 * 24 * time.Hour,
			MaxBytes:    maxBytesSuggestions,
			Duplicates:  dedupWindow,
		},
		{
			Name:        StreamFeedback,
			Description: "the user's answers to suggestions: accept, dismiss, snooze",
			Subjects:    []string{SubjectFeedback + ">"},
			Storage:     jetstream.FileStorage,
			MaxAge:      365 * 24 * time.Hour,
			MaxBytes:    maxBytesFeedback,
			Duplicates:  dedupWindow,
		},
		{
			Name:        StreamSchedule,
			Description: "pending reminders (agentd.schedule.<id>) and where they fire (agentd.due.<id>)",
			Subjects:    []string{SubjectSchedule + ">", SubjectDue + ">"},
			Storage:     jetstream.FileStorage,
			// No MaxAge: it would delete schedules that wait longer than
			// it. Fired reminders carry a per-message TTL instead.
			// The server does not allow DiscardNew with schedules: a
			// full SCHEDULE (some 30,000 pending reminders) drops the
			// oldest messages.
			MaxBytes:          maxBytesSchedule,
			Duplicates:        dedupWindow,
			AllowMsgSchedules: true,
			AllowMsgTTL:       true,
			// The server needs roll-ups for schedules and turns them on
			// anyway; saying so keeps CreateOrUpdateStream a no-op.
			AllowRollup: true,
		},
		{
			Name:        StreamWork,
			Description: "durable jobs for slow peers (agentd.work.<kind>.<id>), each removed once done",
			Subjects:    []string{SubjectWork + ">"},
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			MaxAge:      workRetention,
			MaxBytes:    maxBytesWork,
			Discard:     jetstream.DiscardNew, // refuse a job rather than drop a queued one
			Duplicates:  dedupWindow,
		},
	}
}

func kvConfig(bucket string) jetstream.KeyValueConfig {
	c := jetstream.KeyValueConfig{
		Bucket:   bucket,
		History:  1,
		Storage:  jetstream.FileStorage,
		MaxBytes: bucketMaxBytes(bucket),
	}
	if bucket == BucketFeedSeen {
		c.TTL = FeedSeenTTL
	}
	return c
}

// checkToken rejects what cannot be one or more subject tokens: empty
// tokens, wildcards and white space.
func checkToken(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" || tok == "*" || tok == ">" || strings.ContainsAny(tok, " \t\r\n") {
			return fmt.Errorf("%s %q is not a valid subject token", what, s)
		}
	}
	return nil
}
