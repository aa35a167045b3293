package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/agentd/agentd/event"
)

// PublishEvent publishes ev on agentd.events.<type>. The server drops an
// event whose id it has seen within the last hour.
func (b *Bus) PublishEvent(ctx context.Context, ev event.Event) error {
	if err := checkToken("event type", ev.Type); err != nil {
		return fmt.Errorf("bus: publish event %q: %w", ev.ID, &PoisonError{Subject: SubjectEvents + ev.Type, Reason: err.Error(), Err: err})
	}
	if ev.ID == "" {
		return fmt.Errorf("bus: publish event of type %s: %w", ev.Type, &PoisonError{Subject: EventSubject(ev.Type), Reason: "empty id"})
	}
	if err := b.publishJSON(ctx, EventSubject(ev.Type), ev, jetstream.WithMsgID(ev.ID)); err != nil {
		return fmt.Errorf("bus: publish event %s: %w", ev.ID, err)
	}
	return nil
}

// PublishSuggestion publishes s on agentd.suggestions.<kind>. The server
// drops the same version of a suggestion (same id, same words and moment)
// seen within the last hour, so a retry after a crash is not delivered
// twice; a changed version of it (a reply draft that replaced the rules'
// text) goes out.
func (b *Bus) PublishSuggestion(ctx context.Context, s event.Suggestion) error {
	if err := checkToken("suggestion kind", s.Kind); err != nil {
		return fmt.Errorf("bus: publish suggestion %q: %w", s.ID, err)
	}
	if s.ID == "" {
		return fmt.Errorf("bus: publish suggestion of kind %s: empty id", s.Kind)
	}
	if err := b.publishJSON(ctx, SuggestionSubject(s.Kind), s, jetstream.WithMsgID(suggestionVersion(s))); err != nil {
		return fmt.Errorf("bus: publish suggestion %s: %w", s.ID, err)
	}
	return nil
}

// ScheduleReminder makes s arrive on agentd.due.<s.ID> at s.Due, durably:
// the server holds the schedule, across restarts. Scheduling the same id
// again moves the reminder. If s.Due is not after now, the reminder is
// delivered at once (and a pending schedule for it is dropped).
func (b *Bus) ScheduleReminder(ctx context.Context, s event.Suggestion, now time.Time) error {
	if err := checkToken("reminder id", s.ID); err != nil {
		return fmt.Errorf("bus: schedule reminder: %w", err)
	}
	if s.Due.IsZero() {
		return fmt.Errorf("bus: schedule reminder %s: no due time", s.ID)
	}
	if !s.Due.After(now) {
		// Drop a pending schedule first: if publishing then fails the
		// caller retries, whereas the other order could fire twice.
		if err := b.CancelReminder(ctx, s.ID); err != nil {
			return err
		}
		msgID := s.ID + "@" + strconv.FormatInt(s.Due.Unix(), 10)
		if err := b.publishJSON(ctx, DueSubject(s.ID), s,
			jetstream.WithMsgID(msgID), jetstream.WithMsgTTL(dueRetention)); err != nil {
			return fmt.Errorf("bus: deliver reminder %s due %s: %w", s.ID, s.Due.Format(time.RFC3339), err)
		}
		return nil
	}
	// Schedules have whole-second precision; round up so it never fires early.
	at := s.Due.Truncate(time.Second)
	if at.Before(s.Due) {
		at = at.Add(time.Second)
	}
	if err := b.publishJSON(ctx, ScheduleSubject(s.ID), s,
		jetstream.WithScheduleAt(at),
		jetstream.WithScheduleTarget(DueSubject(s.ID)),
		jetstream.WithScheduleTTL(dueRetention)); err != nil {
		return fmt.Errorf("bus: schedule reminder %s at %s: %w", s.ID, at.Format(time.RFC3339), err)
	}
	return nil
}

// CancelReminder drops the pending schedule of reminder id; a reminder that
// already fired is not affected. Cancelling an unknown id is not an error.
func (b *Bus) CancelReminder(ctx context.Context, id string) error {
	if err := checkToken("reminder id", id); err != nil {
		return fmt.Errorf("bus: cancel reminder: %w", err)
	}
	if err := b.streams[StreamSchedule].Purge(ctx, jetstream.WithPurgeSubject(ScheduleSubject(id))); err != nil {
		return fmt.Errorf("bus: cancel reminder %s: %w", id, err)
	}
	return nil
}

// PublishJSON publishes v as JSON on subject, which must belong to one of
// the streams (feedback goes to FeedbackSubject(id)). A non-empty msgID
// makes the server drop a repeat within the last hour.
func (b *Bus) PublishJSON(ctx context.Context, subject, msgID string, v any) error {
	if err := checkToken("subject", subject); err != nil {
		return fmt.Errorf("bus: publish: %w", err)
	}
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if err := b.publishJSON(ctx, subject, v, opts...); err != nil {
		return fmt.Errorf("bus: %w", err)
	}
	return nil
}

func (b *Bus) publishJSON(ctx context.Context, subject string, v any, opts ...jetstream.PublishOpt) error {
	data, err := json.Marshal(v)
	if err != nil {
		return &PoisonError{Subject: subject, Reason: "cannot be encoded: " + err.Error(), Err: err}
	}
	if err := b.checkSize(subject, data); err != nil {
		return err
	}
	if _, err := b.js.Publish(ctx, subject, data, opts...); err != nil {
		if perr := classify(subject, len(data), err); perr != err {
			return perr
		}
		if errors.Is(err, jetstream.ErrNoStreamResponse) {
			return fmt.Errorf("publish to %s (no stream answered; is the server running?): %w", subject, err)
		}
		return fmt.Errorf("publish to %s: %w", subject, err)
	}
	return nil
}

// suggestionVersion is the dedup id of one version of s.
func suggestionVersion(s event.Suggestion) string {
	v := []string{s.Kind, s.Title, s.Body, s.Priority, s.Due.UTC().Format(time.RFC3339Nano), s.Expires.UTC().Format(time.RFC3339Nano)}
	if s.Draft != nil {
		v = append(v, s.Draft.InReplyTo)
	}
	return s.ID + "." + event.ID(v...)
}
