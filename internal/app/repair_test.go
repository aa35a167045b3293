package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/suggestions"
)

// TestRepairPlansWhatWasPending: three feed items are planned and shown;
// two more reach the bus while agentd is stopped; then the planner's and
// the notifiers' consumer state files are damaged. After `agentd repair`
// the two items were never planned (the rebuilt consumer started after
// the stream's last message). Now they are planned and shown once, and the
// three shown before are not shown again although both consumers go
// through their streams once more.
func TestRepairPlansWhatWasPending(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	now := time.Date(2027, 3, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), fmt.Appendf(nil, `user: {name: Test, email: test@example.com, timezone: UTC, interests: [golang]}
bus: {data_dir: %s}
sources: {feeds: []}
notify: {terminal: {min_priority: low}}
`, filepath.Join(dir, "data")))
	if err != nil {
		t.Fatal(err)
	}
	title := func(i int) string { return fmt.Sprintf("Golang release notes, part %d", i) }

	out := &syncBuffer{}
	a, err := New(Options{Config: cfg, Stdout: out, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if err := a.bus.PublishEvent(ctx, benchEvent(i, now)); err != nil {
			t.Fatal(err)
		}
	}
	waitShown(t, out, 30*time.Second, title(1), title(2), title(3))
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// Mail, say, that arrived and was published, but not planned yet.
	b, err := bus.Open(ctx, busConfig(cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4; i <= 5; i++ {
		if err := b.PublishEvent(ctx, benchEvent(i, now)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	streams := filepath.Join(cfg.Bus.DataDir, "jetstream", "$G", "streams")
	for _, f := range []string{
		filepath.Join(streams, bus.StreamEvents, "obs", "planner", "o.dat"),
		filepath.Join(streams, bus.StreamSuggestions, "obs", "notify", "o.dat"),
	} {
		if err := os.WriteFile(f, []byte(rand.Text()+rand.Text()), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	rep, err := Repair(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	replay := map[string]uint64{}
	for _, c := range rep.Consumers {
		replay[c.String()] = c.Replay
	}
	if replay["EVENTS/planner"] != 5 || replay["SUGGESTIONS/notify"] != 3 || len(replay) != 2 {
		t.Errorf("rebuilt %v, want EVENTS/planner replaying 5 and SUGGESTIONS/notify replaying 3", rep.Consumers)
	}

	// Repaired an hour later: a suggestion offered again would say so.
	later := now.Add(time.Hour)
	out2 := &syncBuffer{}
	a2, err := New(Options{Config: cfg, Stdout: out2, Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	if err := a2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a2.Stop(context.Background())
	waitShown(t, out2, 30*time.Second, title(4), title(5))
	waitIdle(t, ctx, a2.bus, bus.StreamEvents, "planner")
	waitIdle(t, ctx, a2.bus, bus.StreamSuggestions, "notify")
	shown := out2.String()
	for i := 1; i <= 5; i++ {
		want := 0
		if i >= 4 {
			want = 1
		}
		if n := strings.Count(shown, title(i)); n != want {
			t.Errorf("after repair, %q shown %d times, want %d; output:\n%s", title(i), n, want, shown)
		}
	}

	// The suggestion records: one per item, each delivered, the three
	// from before the damage with their first creation time.
	store, err := a2.bus.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := suggestions.New(store, nil, func() time.Time { return later }).List(ctx, suggestions.Filter{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("%d suggestion records after the replay, want 5: %+v", len(recs), recs)
	}
	for _, r := range recs {
		created := later
		for i := 1; i <= 3; i++ {
			if strings.Contains(r.Suggestion.Title, title(i)) {
				created = now
			}
		}
		if r.Status != event.StatusDelivered || !r.Created.Equal(created) {
			t.Errorf("record %q: %s, created %s; want delivered, created %s", r.Suggestion.Title, r.Status, r.Created, created)
		}
	}
}

// waitShown waits until every title is on the terminal.
func waitShown(t *testing.T, out *syncBuffer, timeout time.Duration, titles ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		missing := ""
		for _, s := range titles {
			if !strings.Contains(out.String(), s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q not shown within %s; output:\n%s", missing, timeout, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitIdle waits until the consumer has nothing left to deliver and no
// delivery unanswered.
func waitIdle(t *testing.T, ctx context.Context, b *bus.Bus, stream, durable string) {
	t.Helper()
	for {
		pending, unacked, err := b.Backlog(ctx, stream, durable)
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 && unacked == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s on %s: %d pending, %d unanswered when the test ended", durable, stream, pending, unacked)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
