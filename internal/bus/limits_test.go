package bus

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/agentd/agentd/internal/state"
)

// TestEveryStreamAndBucketIsBounded: every stream and KV bucket had an age
// limit at most, so a flood (98,000 feed items took 232 MB) could fill
// the disk. Now each has a MaxBytes, their sum is the embedded server's
// storage limit, and history ages out.
func TestEveryStreamAndBucketIsBounded(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())
	if _, err := b.Store(ctx, "agentd_test_extra"); err != nil {
		t.Fatal(err)
	}
	var sum int64
	names := b.JetStream().ListStreams(ctx)
	n := 0
	for info := range names.Info() {
		n++
		c := info.Config
		if c.MaxBytes <= 0 {
			t.Errorf("stream %s has no MaxBytes", c.Name)
		}
		sum += c.MaxBytes
		history := c.Name == StreamEvents || c.Name == StreamSuggestions || c.Name == StreamFeedback || c.Name == StreamWork
		if history && c.MaxAge <= 0 {
			t.Errorf("stream %s keeps its messages for ever", c.Name)
		}
	}
	if err := names.Err(); err != nil {
		t.Fatal(err)
	}
	if want := len(streamConfigs()) + len(buckets()) + 1; n != want {
		t.Errorf("%d streams, want %d", n, want)
	}
	if sum > storeBudget() {
		t.Errorf("caps add up to %d bytes, over the store budget of %d", sum, storeBudget())
	}
	t.Logf("store budget %d MiB", storeBudget()>>20)
	if c := cacheStreamConfig(BucketFeedSeen, 1); c.MaxAge != FeedSeenTTL || c.Discard != jetstream.DiscardOld {
		t.Errorf("feed-seen stream: max age %s, discard %v", c.MaxAge, c.Discard)
	}
}

// TestRotatingFeedCannotFillTheSeenBucket: a feed that serves new items on
// every poll wrote seen records without limit (forgotten only after 180
// days). Now the bucket is capped and, being a cache, drops its oldest
// records when full: writes go on, its size stays under the cap. Shown on
// a 256 KiB cap; the daemon's is maxBytesFeedSeen.
func TestRotatingFeedCannotFillTheSeenBucket(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())
	js := b.JetStream()
	const bucket = "agentd_test_seen"
	const capBytes = 256 << 10
	if _, err := js.CreateOrUpdateStream(ctx, cacheStreamConfig(bucket, capBytes)); err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	st := &kvStore{kv: kv}
	value := []byte(`{"at":"2026-03-05T12:00:00Z"}`)
	key := func(i int) string {
		return fmt.Sprintf("feed.rotating.seen.%032x", i)
	}
	const writes = 6000 // 50 polls of 120 new items
	for i := range writes {
		if err := st.Put(ctx, key(i), value); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	s, err := js.Stream(ctx, "KV_"+bucket)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	perRecord := float64(info.State.Bytes) / float64(info.State.Msgs)
	t.Logf("%d records kept of %d written, %d bytes, %.0f bytes a record", info.State.Msgs, writes, info.State.Bytes, perRecord)
	if info.State.Bytes > capBytes {
		t.Errorf("bucket holds %d bytes, over its cap of %d", info.State.Bytes, capBytes)
	}
	if info.State.Msgs >= writes {
		t.Errorf("nothing was dropped: %d records", info.State.Msgs)
	}
	if _, err := st.Get(ctx, key(0)); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("the oldest record is still there (err %v)", err)
	}
	if _, err := st.Get(ctx, key(writes-1)); err != nil {
		t.Errorf("the newest record: %v", err)
	}
}
