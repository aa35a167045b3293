package feed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// floodDoc is an RSS document of n small items, newest first, that stays
// within DefaultMaxBytes for n = 100,000 (about 100 bytes an item).
func floodDoc(n int) string {
	var b strings.Builder
	b.Grow(n * 100)
	b.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Flood</title>" +
		"<link>https://example.org/</link><description>flood</description>\n")
	for i := n; i > 0; i-- {
		fmt.Fprintf(&b, "<item><guid>g%d</guid><link>https://example.org/%d</link><title>Matching item %d</title></item>\n", i, i, i)
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// peakHeap samples the live heap every millisecond until stop is called,
// which returns the highest value seen.
func peakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			mu.Lock()
			peak = max(peak, sample[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// maxRSS is the process's peak resident set size in bytes (Linux reports
// KiB).
func maxRSS(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return float64(ru.Maxrss) * 1024
}

// BenchmarkFlood100k is a new feed of 100,000 matching items (10 MB, just
// within the body cap) polled once by a fresh watcher: it reports the
// events published, the peak live heap and the process's peak RSS. Run it
// alone for a meaningful RSS:
//
//	go test ./watchers/feed -run '^$' -bench Flood100k -benchtime 1x
func BenchmarkFlood100k(b *testing.B) {
	body := floodDoc(100_000)
	if len(body) > DefaultMaxBytes {
		b.Fatalf("document of %d bytes is over the cap", len(body))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	b.SetBytes(int64(len(body)))
	var published int
	var peak uint64
	runtime.GC()
	for b.Loop() {
		w, err := New(Config{Name: "flood", URL: srv.URL}, state.NewMemory(), nil)
		if err != nil {
			b.Fatal(err)
		}
		published = 0
		publish := func(context.Context, event.Event) error { published++; return nil }
		stop := peakHeap()
		if err := w.SyncOnce(context.Background(), publish); err != nil {
			b.Fatal(err)
		}
		peak = max(peak, stop())
	}
	b.ReportMetric(float64(published), "events")
	b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
	b.ReportMetric(maxRSS(b)/1e6, "maxrss-MB")
}
