// Package bus is agentd's NATS JetStream: an embedded nats-server running
// inside the process (the default) or an external NATS, the streams and KV
// buckets every component relies on, and small publish/consume helpers.
//
// # Streams and subjects
//
//	stream       subjects                          retention
//	EVENTS       agentd.events.<type>              file, 30 days, duplicates 1 h
//	SUGGESTIONS  agentd.suggestions.<kind>         file, 30 days, duplicates 1 h
//	FEEDBACK     agentd.feedback.<id>              file, 365 days, duplicates 1 h
//	SCHEDULE     agentd.schedule.<id>              file, no age limit, duplicates 1 h
//	             agentd.due.<id>                   (fired reminders expire after 30 days)
//
// Feedback (accept, dismiss, snooze) has its own stream because it is kept
// longer than suggestions: the planner learns from it which rules to quieten.
// Publish it with PublishJSON(ctx, FeedbackSubject(id), msgID, v).
//
// # Reminders
//
// Reminders use JetStream message scheduling (ADR-51, nats-server >= 2.12),
// not in-process timers, so they survive restarts. [Bus.ScheduleReminder]
// publishes the suggestion's JSON to agentd.schedule.<id> with the headers
// Nats-Schedule: "@at <RFC 3339>" and Nats-Schedule-Target: agentd.due.<id>.
// The server keeps one schedule per subject (it adds Nats-Rollup: sub), so
// scheduling the same id again moves the reminder; [Bus.CancelReminder]
// purges the subject. A reminder whose time passed while the server was down
// fires once when it starts again.
//
// At the due time the server stores, on agentd.due.<id>, a copy of the
// schedule message (nats-server v2.15.2 server/scheduler.go):
//   - the payload is unchanged: the JSON of the event.Suggestion;
//   - headers Nats-Schedule*, Nats-Expected-*, Nats-Msg-Id, Nats-TTL and
//     Nats-Rollup are removed;
//   - Nats-Scheduler: agentd.schedule.<id> (the schedule it came from) and
//     Nats-Schedule-Next: purge are added; storing it purges the schedule;
//   - Nats-TTL is set to the delivered-reminder retention (30 days), which is
//     why SCHEDULE has no MaxAge: a MaxAge would delete a schedule that waits
//     longer than it.
//
// The schedule time has whole-second precision (the client formats it with
// time.RFC3339), so the due time is rounded up to the next second: a reminder
// may fire up to a second late, never early. A reminder whose due time is not
// after now is published straight to agentd.due.<id> with Nats-Msg-Id
// "<id>@<due unix seconds>", so calling it twice within an hour delivers once.
// Consumers of agentd.due.> get the id from the subject with [DueSubjectID].
//
// # Embedded and external servers
//
// Without Config.URL an embedded nats-server stores JetStream data under
// Config.DataDir and accepts only the in-process connection, unless
// Config.Listen names a host:port for other agentd processes to join. With
// Config.URL the connection reconnects forever with capped exponential
// backoff and logs "bus disconnected" and "bus reconnected" once per outage.
// Either way the server must be >= 2.12 ([CheckVersion]).
package bus
