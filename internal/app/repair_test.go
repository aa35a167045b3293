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
	"github.com/agentd/agentd/internal/state"
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
	// The user's answers to what was shown stand after the replay.
	answered := map[string]string{"Read: " + title(1): event.StatusAccepted, "Read: " + title(2): event.StatusDismissed}
	book := suggestions.New(suggestionStore(t, ctx, a.bus), busOutbox{a.bus}, clock)
	recs, err := book.List(ctx, suggestions.Filter{All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		switch answered[r.Suggestion.Title] {
		case event.StatusAccepted:
			err = book.Answer(ctx, r.Suggestion.ID, suggestions.ActionAccept, time.Time{})
		case event.StatusDismissed:
			err = book.Answer(ctx, r.Suggestion.ID, suggestions.ActionDismiss, time.Time{})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(recs) != 3 {
		t.Fatalf("%d suggestion records, want 3: %+v", len(recs), recs)
	}
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

	// The suggestion records: one per item, each delivered or as the
	// user answered it, the three from before the damage with their
	// first creation time.
	recs, err = suggestions.New(suggestionStore(t, ctx, a2.bus), nil, func() time.Time { return later }).List(ctx, suggestions.Filter{All: true})
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
		status := event.StatusDelivered
		if st, ok := answered[r.Suggestion.Title]; ok {
			status = st
		}
		if r.Status != status || !r.Created.Equal(created) {
			t.Errorf("record %q: %s, created %s; want %s, created %s", r.Suggestion.Title, r.Status, r.Created, status, created)
		}
	}
}

func suggestionStore(t *testing.T, ctx context.Context, b *bus.Bus) state.Store {
	t.Helper()
	store, err := b.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	return store
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

// TestRepairAsksTheModelNothingAgain: a question by mail got a reply
// draft written by the model and was shown; then the planner's and the
// notifiers' consumer state files are damaged and repaired. Going through
// the mail event and the suggestion again writes no second draft, asks
// the model nothing and shows nothing again.
func TestRepairAsksTheModelNothingAgain(t *testing.T) {
	ds := newDraftSetup(t, "redacted", replyWith("Hi Sophie,\n\nyes, I will send the signed contract on Friday.\n\nBest,\nAlice"))
	var out syncBuffer
	a := startApp(t, ds.cfg, &out)
	deliver(t, ds.root, "1.q", questionMail("q1@example.org", "", time.Now().Add(-time.Minute),
		"Hi Alice,\n\ncould you send me the signed contract by Friday?\n\nSophie"))
	waitUntil(t, "a draft in Drafts", func() bool { return len(draftFiles(t, ds.root)) == 1 })
	waitUntil(t, "the draft suggestion shown", func() bool { return strings.Contains(out.String(), "yes, I will send") })
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	calls := ds.srv.Calls()
	if calls != 1 {
		t.Fatalf("model calls %d before the repair, want 1", calls)
	}

	streams := filepath.Join(ds.cfg.Bus.DataDir, "jetstream", "$G", "streams")
	for _, f := range []string{
		filepath.Join(streams, bus.StreamEvents, "obs", "planner", "o.dat"),
		filepath.Join(streams, bus.StreamSuggestions, "obs", "notify", "o.dat"),
	} {
		if err := os.WriteFile(f, []byte(rand.Text()+rand.Text()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Repair(t.Context(), ds.cfg, nil)
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	if len(rep.Consumers) != 2 {
		t.Fatalf("rebuilt %v, want the planner and the notifiers", rep.Consumers)
	}

	var out2 syncBuffer
	a = startApp(t, ds.cfg, &out2)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	waitIdle(t, ctx, a.bus, bus.StreamEvents, "planner")
	waitIdle(t, ctx, a.bus, bus.StreamSuggestions, "notify")
	waitIdle(t, ctx, a.bus, bus.StreamWork, "drafts")
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(draftFiles(t, ds.root)); n != 1 {
		t.Errorf("%d drafts after the repair, want 1", n)
	}
	if n := ds.srv.Calls(); n != calls {
		t.Errorf("the model was asked %d more times after the repair", n-calls)
	}
	if s := out2.String(); strings.Contains(s, "Signed contract") || strings.Contains(s, "yes, I will send") {
		t.Errorf("shown again after the repair:\n%s", s)
	}
}

// BenchmarkRepairReplay: what going through the streams again after a
// repair costs. N feed items are planned and shown; the planner's and the
// notifiers' consumer states are damaged and repaired; the benchmark
// measures the next start until both consumers are idle (every event
// planned again, every suggestion offered to the notifiers again), and
// fails if anything is shown again.
//
//	go test ./internal/app -run '^$' -bench RepairReplay -benchtime 1x
func BenchmarkRepairReplay(b *testing.B) {
	const n = 2000
	ctx := b.Context()
	now := time.Date(2027, 3, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), fmt.Appendf(nil, `user: {name: Bench, email: bench@example.com, timezone: UTC, interests: [golang]}
bus: {data_dir: %s}
sources: {feeds: []}
notify: {terminal: {min_priority: low}}
`, filepath.Join(dir, "data")))
		if err != nil {
			b.Fatal(err)
		}
		out := &writeCounter{}
		a, err := New(Options{Config: cfg, Stdout: out, Now: clock})
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Start(ctx); err != nil {
			b.Fatal(err)
		}
		for i := range n {
			if err := a.bus.PublishEvent(ctx, benchEvent(i, now)); err != nil {
				b.Fatal(err)
			}
		}
		out.wait(b, n, 5*time.Minute)
		if err := a.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		streams := filepath.Join(cfg.Bus.DataDir, "jetstream", "$G", "streams")
		for _, f := range []string{
			filepath.Join(streams, bus.StreamEvents, "obs", "planner", "o.dat"),
			filepath.Join(streams, bus.StreamSuggestions, "obs", "notify", "o.dat"),
		} {
			if err := os.WriteFile(f, []byte(rand.Text()+rand.Text()), 0o600); err != nil {
				b.Fatal(err)
			}
		}
		rep, err := Repair(ctx, cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		var replay uint64
		for _, c := range rep.Consumers {
			replay += c.Replay
		}
		if replay != 2*n {
			b.Fatalf("rebuilt %+v, want %d messages to go through", rep.Consumers, 2*n)
		}

		out2 := &writeCounter{}
		a, err = New(Options{Config: cfg, Stdout: out2, Now: clock})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := a.Start(ctx); err != nil {
			b.Fatal(err)
		}
		for _, c := range []string{bus.StreamEvents + "/planner", bus.StreamSuggestions + "/notify"} {
			stream, durable, _ := strings.Cut(c, "/")
			for {
				pending, unacked, err := a.bus.Backlog(ctx, stream, durable)
				if err != nil {
					b.Fatal(err)
				}
				if pending == 0 && unacked == 0 {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		took := time.Since(start)
		b.StopTimer()
		if err := a.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		if got := out2.count(); got != 0 {
			b.Fatalf("%d suggestions shown again after the repair", got)
		}
		b.ReportMetric(float64(took.Nanoseconds())/float64(n), "replay-ns/event")
		b.ReportMetric(took.Seconds(), "replay-s")
	}
}

// TestRepairKeepsWithdrawn: a question by mail was shown, then the user
// replied and the suggestion was withdrawn. Going through both mails
// again after a repair neither brings the suggestion back nor shows it.
func TestRepairKeepsWithdrawn(t *testing.T) {
	ds := newDraftSetup(t, "never", replyWith("unused"))
	var out syncBuffer
	a := startApp(t, ds.cfg, &out)
	deliver(t, ds.root, "1.q", questionMail("q1@example.org", "", time.Now().Add(-time.Minute),
		"Hi Alice,\n\ncould you send me the signed contract by Friday?\n\nSophie"))
	waitUntil(t, "the question shown", func() bool { return strings.Contains(out.String(), "Signed contract") })
	deliver(t, filepath.Join(ds.root, ".Sent"), "2.r", "From: Alice Martin <alice@example.com>\r\nTo: sophie@example.org\r\n"+
		"Subject: Re: Signed contract\r\nMessage-ID: <r1@example.com>\r\nIn-Reply-To: <q1@example.org>\r\nReferences: <q1@example.org>\r\n"+
		"Date: "+time.Now().Format(time.RFC1123Z)+"\r\n\r\nHere it is, Sophie.\r\n")
	book := suggestions.New(suggestionStore(t, t.Context(), a.bus), nil, nil)
	withdrawn := func() []suggestions.Record {
		recs, err := book.List(t.Context(), suggestions.Filter{Statuses: []string{event.StatusWithdrawn}})
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	waitUntil(t, "the suggestion withdrawn after the reply", func() bool { return len(withdrawn()) == 1 })
	before := withdrawn()[0]
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}

	streams := filepath.Join(ds.cfg.Bus.DataDir, "jetstream", "$G", "streams")
	for _, f := range []string{
		filepath.Join(streams, bus.StreamEvents, "obs", "planner", "o.dat"),
		filepath.Join(streams, bus.StreamSuggestions, "obs", "notify", "o.dat"),
	} {
		if err := os.WriteFile(f, []byte(rand.Text()+rand.Text()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Repair(t.Context(), ds.cfg, nil); err != nil {
		t.Fatalf("repair: %v", err)
	}
	var out2 syncBuffer
	a = startApp(t, ds.cfg, &out2)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	waitIdle(t, ctx, a.bus, bus.StreamEvents, "planner")
	waitIdle(t, ctx, a.bus, bus.StreamSuggestions, "notify")
	book = suggestions.New(suggestionStore(t, ctx, a.bus), nil, nil)
	rec, err := book.Get(ctx, before.Suggestion.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != event.StatusWithdrawn || !rec.Updated.Equal(before.Updated) {
		t.Errorf("after the repair the withdrawn suggestion is %s (updated %s), want withdrawn as at %s", rec.Status, rec.Updated, before.Updated)
	}
	if s := out2.String(); strings.Contains(s, "Signed contract") {
		t.Errorf("shown again after the repair:\n%s", s)
	}
}
