package bus

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
)

// TestPoisonEvents: the bus refuses an event over its payload limit (1 MB
// by default) with an error that says it is for good, so that a watcher
// skips it instead of retrying it for ever; a bus that is down is not
// permanent.
func TestPoisonEvents(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())

	big := testEvent(t, "big")
	big.Data = []byte(`"` + strings.Repeat("x", 2<<20) + `"`)
	err := b.PublishEvent(ctx, big)
	if err == nil || !IsPermanent(err) || !errors.Is(err, ErrPoison) {
		t.Fatalf("2 MB event: err = %v, want a permanent error", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "2.0 MB, over the bus's message limit of 1.0 MB") {
		t.Errorf("error %q does not say the sizes", msg)
	}
	var perr *PoisonError
	if !errors.As(err, &perr) || perr.Subject != EventSubject(event.TypeFeedItem) {
		t.Errorf("error %v: want a *PoisonError for %s", err, EventSubject(event.TypeFeedItem))
	}

	noID := testEvent(t, "x")
	noID.ID = ""
	if err := b.PublishEvent(ctx, noID); !IsPermanent(err) {
		t.Errorf("event without id: err = %v, want permanent", err)
	}
	badType := testEvent(t, "y")
	badType.Type = "feed item"
	if err := b.PublishEvent(ctx, badType); !IsPermanent(err) {
		t.Errorf("event with a bad type: err = %v, want permanent", err)
	}

	// Just under the limit goes through.
	ok := testEvent(t, "ok")
	ok.Data = []byte(`"` + strings.Repeat("x", 900<<10) + `"`)
	if err := b.PublishEvent(ctx, ok); err != nil {
		t.Fatalf("900 KB event: %v", err)
	}

	// A closed bus fails, but not for good.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	err = b.PublishEvent(ctx, testEvent(t, "later"))
	if err == nil || IsPermanent(err) {
		t.Fatalf("closed bus: err = %v, want a temporary error", err)
	}
}

// TestMaxPayload: the embedded server's limit can be lowered, and the bus
// measures against it.
func TestMaxPayload(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	b, err := Open(ctx, Config{DataDir: t.TempDir(), MaxPayload: 8 << 10}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ev := testEvent(t, "mid")
	ev.Data = []byte(`"` + strings.Repeat("x", 10<<10) + `"`)
	if err := b.PublishEvent(ctx, ev); !IsPermanent(err) || !strings.Contains(err.Error(), "limit of 8.0 KB") {
		t.Fatalf("10 KB event on an 8 KB bus: err = %v, want permanent", err)
	}
	if err := b.PublishEvent(ctx, testEvent(t, "small")); err != nil {
		t.Fatal(err)
	}
}
