package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Size caps of the streams and buckets: a backstop far above normal use
// (the budget table in doc.go and the README), so that nothing a source
// sends can fill the disk. A stream of history (EVENTS, SUGGESTIONS,
// FEEDBACK) drops its oldest messages when full, and so does SCHEDULE (the
// server allows nothing else with schedules); WORK refuses new jobs; a state bucket refuses new writes (its writer reports the
// error), except agentd_feed_seen, a cache that forgets its oldest records.
const (
	maxBytesEvents      = 256 << 20
	maxBytesSuggestions = 64 << 20
	maxBytesFeedback    = 32 << 20
	maxBytesSchedule    = 64 << 20
	maxBytesWork        = 64 << 20

	maxBytesWatchers    = 128 << 20 // cursors, Maildir seen sets, calendar copies
	maxBytesSuggState   = 128 << 20 // suggestion status and the planner's state
	maxBytesDelivery    = 64 << 20
	maxBytesFeedSeen    = 128 << 20
	maxBytesPoison      = 8 << 20
	maxBytesOtherBucket = 64 << 20 // agentd_llm, agentd_digest, …

	// otherBuckets is how many buckets besides buckets() the store
	// budget leaves room for (agentd_llm and agentd_digest today).
	otherBuckets = 4
)

// bucketMaxBytes is the cap of a KV bucket.
func bucketMaxBytes(bucket string) int64 {
	switch bucket {
	case BucketWatchers:
		return maxBytesWatchers
	case BucketSuggestions:
		return maxBytesSuggState
	case BucketDelivery:
		return maxBytesDelivery
	case BucketFeedSeen:
		return maxBytesFeedSeen
	case BucketPoison:
		return maxBytesPoison
	}
	return maxBytesOtherBucket
}

// buckets are the KV buckets the bus creates when it opens.
func buckets() []string {
	return []string{BucketWatchers, BucketSuggestions, BucketDelivery, BucketFeedSeen, BucketPoison}
}

// storeBudget is the embedded server's JetStream storage limit: the sum of
// every cap. The server reserves each stream's MaxBytes against it, so a
// known limit (rather than 75 % of the free disk, its default) lets agentd
// start on a nearly full disk, and the store can never grow past it.
func storeBudget() int64 {
	var sum int64
	for _, c := range streamConfigs() {
		sum += c.MaxBytes
	}
	for _, b := range buckets() {
		sum += bucketMaxBytes(b)
	}
	return sum + otherBuckets*maxBytesOtherBucket
}

// cacheStreamConfig is the stream behind a cache bucket such as
// agentd_feed_seen: the stream nats.go makes for kvConfig(bucket), but one
// that drops its oldest records when full rather than refusing writes
// (nats.go always asks for DiscardNew).
func cacheStreamConfig(bucket string, maxBytes int64) jetstream.StreamConfig {
	c := kvConfig(bucket)
	dup := 2 * time.Minute
	if c.TTL > 0 && c.TTL < dup {
		dup = c.TTL
	}
	return jetstream.StreamConfig{
		Name:              "KV_" + bucket,
		Subjects:          []string{"$KV." + bucket + ".>"},
		MaxMsgsPerSubject: int64(c.History),
		MaxBytes:          maxBytes,
		MaxAge:            c.TTL,
		MaxMsgSize:        -1,
		MaxMsgs:           -1,
		MaxConsumers:      -1,
		Storage:           c.Storage,
		Replicas:          1,
		AllowRollup:       true,
		DenyDelete:        true,
		AllowDirect:       true,
		Duplicates:        dup,
		Discard:           jetstream.DiscardOld,
	}
}

// keyValue creates or updates bucket and binds to it.
func keyValue(ctx context.Context, js jetstream.JetStream, bucket string) (jetstream.KeyValue, error) {
	if bucket != BucketFeedSeen {
		return js.CreateOrUpdateKeyValue(ctx, kvConfig(bucket))
	}
	if _, err := js.CreateOrUpdateStream(ctx, cacheStreamConfig(bucket, bucketMaxBytes(bucket))); err != nil {
		return nil, fmt.Errorf("stream of %s: %w", bucket, err)
	}
	return js.KeyValue(ctx, bucket)
}
