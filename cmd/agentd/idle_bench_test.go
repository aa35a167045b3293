package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIdleRSSRatio measures `agentd run` idle with 100 feeds (each
// served with an ETag and answered 304 on a re-poll) beside the bus alone
// (testdata/barebus: the same embedded nats-server with agentd's streams
// and buckets) in the same run, and reports both resident sizes and their
// ratio. The daemon is read after its first sync and its trim (10 s
// after the last work); AGENTD_BENCH_IDLE longer than a minute also covers
// a round of 304s. It also reports each resident size split into its
// anonymous part (heap, stacks) and its file-backed part (the mapped
// binary: agentd hands back the pages of code an idle daemon does not run,
// see internal/exepages; the bare bus does not).
//
//	go test ./cmd/agentd -run '^$' -bench IdleRSSRatio -benchtime 1x
func BenchmarkIdleRSSRatio(b *testing.B) {
	bin := buildAgentd(b)
	bare := buildBareBus(b)
	var mu sync.Mutex
	polls := map[int]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		etag := `"` + r.URL.Path + `-v1"`
		w.Header().Set("ETag", etag)
		mu.Lock()
		polls[http.StatusOK]++
		if r.Header.Get("If-None-Match") == etag {
			polls[http.StatusOK]--
			polls[http.StatusNotModified]++
			mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		mu.Unlock()
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
		fmt.Fprintf(&feeds, "    - {name: f%d, url: %q, every: 1m}\n", i, fmt.Sprintf("%s/feed/%d", srv.URL, i))
	}
	cfg := filepath.Join(dir, "config.yaml")
	conf := fmt.Sprintf("user: {timezone: UTC, interests: [golang]}\nbus: {data_dir: %s}\nsources:\n  feeds:\n%snotify: {terminal: {}}\n",
		filepath.Join(dir, "data"), feeds.String())
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		b.Fatal(err)
	}

	var agentdRSS, bareRSS, agentdAnon, agentdFile, bareAnon, bareFile float64
	for b.Loop() {
		bb := startBareBus(b, bare, filepath.Join(dir, "bare"))
		d := startDaemon(b, bin, cfg)
		deadline := time.Now().Add(60 * time.Second)
		for d.count("about golang") < 2000 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(idleFor())
		// One reading each, so that the parts add up to the whole.
		agentdAnon, agentdFile = readRSSPartsMB(b, d.cmd.Process.Pid)
		bareAnon, bareFile = readRSSPartsMB(b, bb.Process.Pid)
		agentdRSS, bareRSS = agentdAnon+agentdFile, bareAnon+bareFile
		d.stop(b)
		stopBareBus(b, bb)
		for _, sub := range []string{"data", "bare"} {
			if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
				b.Fatal(err)
			}
		}
	}
	mu.Lock()
	b.ReportMetric(float64(polls[http.StatusNotModified]), "304s")
	mu.Unlock()
	b.ReportMetric(agentdRSS, "agentd-rss-MB")
	b.ReportMetric(bareRSS, "bus-rss-MB")
	b.ReportMetric(agentdRSS/bareRSS, "ratio")
	b.ReportMetric(agentdAnon, "agentd-anon-MB")
	b.ReportMetric(agentdFile, "agentd-file-MB")
	b.ReportMetric(bareAnon, "bus-anon-MB")
	b.ReportMetric(bareFile, "bus-file-MB")
}

func buildBareBus(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "barebus")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./testdata/barebus").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBareBus runs the bus alone on dataDir and waits until it is ready.
func startBareBus(b *testing.B, bin, dataDir string) *exec.Cmd {
	b.Helper()
	cmd := exec.Command(bin, dataDir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		b.Fatalf("barebus: %q, %v", line, err)
	}
	return cmd
}

func stopBareBus(b *testing.B, cmd *exec.Cmd) {
	b.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		b.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("barebus did not exit cleanly: %v", err)
	}
}
