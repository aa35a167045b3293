package feed

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// BenchmarkParseCorpus parses every feed in the corpus once per iteration
// and reports items/s and allocations per item.
func BenchmarkParseCorpus(b *testing.B) {
	_, files := corpusFeeds(b)
	type doc struct {
		body []byte
		ct   string
	}
	var docs []doc
	for _, path := range files {
		body, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, doc{body, corpusContentType(body)})
	}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	items := 0
	for b.Loop() {
		for _, d := range docs {
			if f, err := Parse(bytes.NewReader(d.body), d.ct); err == nil {
				items += len(f.Items)
			}
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
	if items > 0 {
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(items), "allocs/item")
	}
	b.ReportMetric(float64(len(docs)), "files/op")
}

// BenchmarkParseLarge parses the largest real feeds (190 KB Atom, 167 KB RSS).
func BenchmarkParseLarge(b *testing.B) {
	for _, name := range []string{"large_atom.xml", "large_rss.xml"} {
		b.Run(name, func(b *testing.B) {
			body, err := os.ReadFile(filepath.Join(corpusDir(b), "feeds", "miniflux-v2", "internal", "reader", "parser", "testdata", name))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				f, err := Parse(bytes.NewReader(body), "")
				if err != nil {
					b.Fatal(err)
				}
				n = len(f.Items)
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

// BenchmarkPoll1000Unchanged polls 1,000 feeds on one local server that
// answers 304 to all of them: the steady state of a daemon with many
// feeds. One op is one cycle over all feeds, 8 at a time.
func BenchmarkPoll1000Unchanged(b *testing.B) {
	const feeds = 1000
	const parallel = 8
	body := rssDoc("Bench", testItem{GUID: "1", Title: "one"}, testItem{GUID: "2", Title: "two"})
	etag := `"` + event.Hash(body)[:16] + `"`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: parallel, MaxConnsPerHost: parallel}}
	store := state.NewMemory()
	publish := func(context.Context, event.Event) error { return nil }
	ws := make([]*Watcher, feeds)
	for i := range ws {
		w, err := New(Config{Name: fmt.Sprintf("f%d", i), URL: fmt.Sprintf("%s/feed/%d", srv.URL, i)}, store, nil, WithHTTPClient(client))
		if err != nil {
			b.Fatal(err)
		}
		ws[i] = w
	}
	cycle := func() {
		var wg sync.WaitGroup
		sem := make(chan struct{}, parallel)
		for _, w := range ws {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if err := w.SyncOnce(context.Background(), publish); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	cycle() // first poll: 200 and announce; the benchmark measures the 304s
	b.ReportAllocs()
	before := rusage(b)
	b.ResetTimer()
	for b.Loop() {
		cycle()
	}
	b.StopTimer()
	cpu := rusage(b) - before
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms-wall/cycle")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "ms-cpu/cycle")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*feeds), "µs-cpu/feed")
}

// rusage is the process's user+system CPU time (client and server share
// the process, so this counts both ends of every request).
func rusage(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
