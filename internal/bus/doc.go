// Package bus is agentd's NATS JetStream: an embedded nats-server running
// inside the process (the default) or an external NATS, the streams and KV
// buckets every component relies on, and small publish/consume helpers.
// It is the only package that imports NATS (nats.go, nats-server; the
// archtest import rules enforce it): the rest of agentd sees a [Handler]
// taking a [Message], and a state.Store from [Bus.Store].
//
// # Streams and subjects
//
//	stream       subjects                          retention
//	EVENTS       agentd.events.<type>              file, 30 days, 256 MiB, duplicates 1 h
//	SUGGESTIONS  agentd.suggestions.<kind>         file, 30 days, 64 MiB, duplicates 1 h
//	FEEDBACK     agentd.feedback.<id>              file, 365 days, 32 MiB, duplicates 1 h
//	SCHEDULE     agentd.schedule.<id>              file, no age limit, 64 MiB, duplicates 1 h
//	             agentd.due.<id>                   (fired reminders expire after 30 days)
//	WORK         agentd.work.<kind>.<id>           work queue, file, 30 days, 64 MiB, duplicates 1 h
//
// # Size budget
//
// Nothing in the data dir grows without bound. Every stream and KV bucket
// has a MaxBytes cap far above normal use (limits.go), and the embedded
// server's storage limit is their sum, 1,192 MiB (with room for four
// buckets more than the ones below, 64 MiB each: agentd_llm,
// agentd_digest), so the store can never outgrow it whatever a source
// sends. A full history stream (EVENTS, SUGGESTIONS, FEEDBACK, and
// SCHEDULE, where the server allows nothing else) drops its oldest
// messages; WORK refuses new jobs; a state bucket refuses writes, and its
// writer reports the error; agentd_feed_seen is a cache
// and forgets its oldest records. A year of normal use (200 mails, 200 new
// feed items of 20 feeds, 40 suggestions and 10 reminders a day) takes
// about 110 MB, estimated from measured record sizes (a feed-seen record
// takes 131 bytes on disk):
//
//	store                 limit                      cap       a year of normal use
//	EVENTS                30 days                    256 MiB   36 MB (1.2 MB a day)
//	SUGGESTIONS           30 days                    64 MiB    3 MB
//	FEEDBACK              365 days                   32 MiB    0 (unused; 5 MB if used)
//	SCHEDULE              fired: 30 days             64 MiB    1 MB
//	WORK                  30 days, removed when done 64 MiB    1 MB
//	agentd_watchers       one value a key            128 MiB   10 MB (cursors, Maildir seen sets, calendars)
//	agentd_suggestions    one value a key            128 MiB   15 MB (status, planner state)
//	agentd_delivery       one value a key            64 MiB    7 MB
//	agentd_feed_seen      180 days after last seen   128 MiB   16 MB (3 records an item), oldest dropped when full
//	agentd_poison         one record a source        8 MiB     < 1 MB
//	agentd_llm, _digest   one value a key            64 MiB    20 MB
//	total                                            1,192 MiB about 110 MB
//
// A feed that rotates its items cannot fill the disk: a poll reads at most
// 1000 items and announces at most 50 (watchers/feed), and its seen
// records age out after 180 days or, sooner, at the bucket's cap.
//
// FEEDBACK is meant for the user's answers (accept, dismiss, snooze), kept
// longer than suggestions so that a later planner can learn which rules to
// quieten; publish to it with PublishJSON(ctx, FeedbackSubject(id), msgID,
// v). Nothing publishes or reads it yet: the daemon records feedback as the
// suggestion's status in the agentd_suggestions bucket.
//
// # Consuming
//
// [Bus.Consume] runs a [Handler] on each message of a durable consumer, one
// at a time. The handler gets a [Message] (subject, data, headers, how often
// it was delivered) and its error decides what happens to the message: nil
// acks it (and waits for the server's confirmation); [RetryAfter](d, err)
// delivers it again after d; [Drop](err) gives up on it for good, logged once
// at Error with its subject; any other error delivers it again after 5 s,
// doubling with each delivery up to 5 min. [MaxDeliver](n) drops a message
// delivered more than n times without calling the handler. A handler that
// takes long is reported to the server as in progress, so its message is not
// delivered again meanwhile. The consumer has a plain 30 s AckWait and no
// BackOff list: with one, the server would stretch every retry delay after
// the first redelivery.
//
// # Work queue
//
// WORK holds jobs that must survive restarts and wait for a slow peer (an
// LLM drafting a reply). [Bus.PublishWork](ctx, kind, id, v) queues v as JSON
// on [WorkSubject](kind, id) with Nats-Msg-Id "<kind>.<id>", so the same job
// published twice within an hour (also after it was done) is queued once. An
// id of [A-Za-z0-9_=-] stays readable in the subject; any other is
// base64url-encoded behind "b64-" ([WorkSubjectID] decodes it). Consume one
// kind with Consume(ctx, StreamWork, durable, []string{WorkFilter(kind)}, h):
// a work queue takes one consumer per kind, with filters that do not
// overlap. A job is removed once its handler returns nil or Drop.
//
// # Key/value state
//
// [Bus.Store] returns a KV bucket as a state.Store. Keys made of
// [A-Za-z0-9_=-] tokens separated by dots are kept as they are (readable in
// `nats kv ls`); any other key is stored base64url-encoded behind "b64.".
// Stored data depends on this mapping.
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
