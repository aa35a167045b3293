package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
)

// The whole pipeline against bare JetStream (issue 9, "Proof that stays"):
// synthetic feed items are published on the bus, planned by the real
// planner with the built-in rules (each matches an interest, so each makes
// one suggestion), stored, published again as suggestions and delivered
// to the terminal notifier writing to nowhere (the null notifier). Beside
// it, on the same embedded server in the same run, bus.Raw publishes and
// consumes as many messages of the same size with no agentd code. The
// ratio is what agentd costs over JetStream; rss-MB is the process's
// resident set after the run (VmRSS; the server is in the process).
//
//	go test ./internal/app -run '^$' -bench Pipeline -benchtime 5x
func BenchmarkPipeline(b *testing.B) {
	const batch = 200
	ctx := b.Context()
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
	a, err := New(Options{Config: cfg, Stdout: out})
	if err != nil {
		b.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer a.Stop(context.Background())
	raw, err := a.bus.Raw(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close(context.Background())

	sample, err := json.Marshal(benchEvent(0, time.Now()))
	if err != nil {
		b.Fatal(err)
	}
	// One batch of each first: warm caches, consumers and the planner.
	next := 0
	runPipeline := func() time.Duration {
		start := time.Now()
		want := out.count() + batch
		for range batch {
			next++
			if err := a.bus.PublishEvent(ctx, benchEvent(next, time.Now())); err != nil {
				b.Fatal(err)
			}
		}
		out.wait(b, want, time.Minute)
		return time.Since(start)
	}
	runRaw := func() time.Duration {
		start := time.Now()
		if err := raw.Run(ctx, batch, sample); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	runPipeline()
	runRaw()

	var pipe, bare time.Duration
	b.ResetTimer()
	for range b.N {
		pipe += runPipeline()
		bare += runRaw()
	}
	b.StopTimer()
	if got, want := out.count(), (b.N+1)*batch; got != want {
		b.Fatalf("%d suggestions delivered for %d events", got, want)
	}
	events := float64(b.N * batch)
	b.ReportMetric(float64(pipe.Nanoseconds())/events, "pipeline-ns/event")
	b.ReportMetric(float64(bare.Nanoseconds())/events, "raw-ns/msg")
	b.ReportMetric(float64(pipe)/float64(bare), "pipeline/raw")
	b.ReportMetric(float64(len(sample)), "event-bytes")
	if rss, err := vmRSS(); err == nil {
		b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
	} else {
		b.Logf("no RSS: %v", err)
	}
}

// benchEvent is feed item i, published at now: it names an interest in its
// title, so the feed-interest rule suggests reading it.
func benchEvent(i int, now time.Time) event.Event {
	item := event.FeedItem{
		Feed: "bench", FeedTitle: "Bench news", FeedURL: "https://example.org/feed.xml",
		GUID:       "https://example.org/post/" + strconv.Itoa(i),
		Link:       "https://example.org/post/" + strconv.Itoa(i),
		Title:      fmt.Sprintf("Golang release notes, part %d", i),
		Summary:    strings.Repeat("What changed in the toolchain and the standard library. ", 6),
		Categories: []string{"go", "releases"},
		Published:  now.Add(-time.Hour),
	}
	ev, err := event.New("feed:bench", event.TypeFeedItem, item.Ref(), item.Title, item.Published, now, item)
	if err != nil {
		panic(err)
	}
	return ev
}

// writeCounter is the terminal notifier's output: it keeps nothing and
// counts the writes, one per delivered suggestion.
type writeCounter struct {
	mu     sync.Mutex
	writes int
	more   chan struct{}
}

func (c *writeCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	if c.more != nil {
		close(c.more)
		c.more = nil
	}
	return len(p), nil
}

func (c *writeCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

// wait returns once at least want writes were made.
func (c *writeCounter) wait(tb testing.TB, want int, timeout time.Duration) {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		if c.writes >= want {
			c.mu.Unlock()
			return
		}
		if c.more == nil {
			c.more = make(chan struct{})
		}
		more := c.more
		c.mu.Unlock()
		select {
		case <-more:
		case <-deadline:
			tb.Fatalf("%d suggestions delivered after %v, want %d", c.count(), timeout, want)
		}
	}
}

// vmRSS is the process's resident set size in bytes, from /proc.
func vmRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}
