package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkIdleRSS measures the resident memory of `agentd run` idle with
// 100 feeds configured (each polled once, then waiting for its next turn).
// Reported as rss-MB; the target is under 40 MB.
func BenchmarkIdleRSS(b *testing.B) {
	bin := buildAgentd(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>`, r.URL.Path)
		for i := range 20 {
			fmt.Fprintf(w, `<item><title>Item %d of %s about golang</title><link>http://example.com%s/%d</link><pubDate>%s</pubDate></item>`,
				i, r.URL.Path, r.URL.Path, i, time.Now().Add(-time.Duration(i)*time.Hour).UTC().Format(time.RFC1123Z))
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	defer srv.Close()
	dir := b.TempDir()
	var feeds strings.Builder
	for i := range 100 {
		fmt.Fprintf(&feeds, "    - {name: f%d, url: %q, every: 1h}\n", i, fmt.Sprintf("%s/feed/%d", srv.URL, i))
	}
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("user: {timezone: UTC, interests: [golang]}\nbus: {data_dir: %s}\nsources:\n  feeds:\n%snotify: {terminal: {}}\n", filepath.Join(dir, "data"), feeds.String())), 0o600)

	b.ResetTimer()
	var rss float64
	for range b.N {
		d := startDaemon(b, bin, cfg)
		// 100 feeds × 20 items = 2,000 suggestions on the terminal.
		deadline := time.Now().Add(60 * time.Second)
		for d.count("about golang") < 2000 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(idleFor()) // idle
		rss = readRSSMB(b, d.cmd.Process.Pid)
		d.stop(b)
		os.RemoveAll(filepath.Join(dir, "data"))
	}
	b.ReportMetric(rss, "rss-MB")
}

func readRSSMB(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// readRSSPartsMB returns the anonymous (heap, stacks) and file-backed
// (the mapped binary and libraries) parts of a process's resident size.
func readRSSPartsMB(b *testing.B, pid int) (anon, file float64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		b.Fatal(err)
	}
	var rss float64
	for _, line := range strings.Split(string(raw), "\n") {
		key, rest, ok := strings.Cut(line, ":")
		if !ok || (key != "Rss" && key != "Anonymous") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
		if err != nil {
			b.Fatal(err)
		}
		if key == "Rss" {
			rss = kb / 1024
		} else {
			anon = kb / 1024
		}
	}
	return anon, rss - anon
}

// idleFor is how long the daemon idles before its memory is read:
// AGENTD_BENCH_IDLE (a Go duration), default 20s (agentd trims its memory 10s after the last work).
func idleFor() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("AGENTD_BENCH_IDLE")); err == nil {
		return d
	}
	return 20 * time.Second
}
