package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
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

// feedServer serves an RSS feed whose items the test can add to.
type feedServer struct {
	mu    sync.Mutex
	items []string // titles; item i has guid "item-i"
	hits  int
}

func (f *feedServer) add(title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, title)
}

func (f *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits++
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Test feed</title><link>http://example.com/</link>`)
	for i, t := range f.items {
		// Recent items: published an hour before now.
		pub := time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z)
		fmt.Fprintf(&b, `<item><title>%s</title><link>http://example.com/%d</link><guid>item-%d</guid><pubDate>%s</pubDate><description>Item %d</description></item>`, t, i, i, pub, i)
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	io.WriteString(w, b.String())
}

// daemon is a running `agentd run` process.
type daemon struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	done  chan struct{}
	// log is the daemon's log file and logFrom where its own lines
	// begin (daemons of one config share the file); "" if not kept.
	log     string
	logFrom int64
}

func startDaemon(t testing.TB, bin, cfg string) *daemon {
	t.Helper()
	cmd := exec.Command(bin, "run", "--config", cfg, "--log-format", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.OpenFile(filepath.Join(filepath.Dir(cfg), "agentd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	cmd.Stderr = logf
	logFrom, err := logf.Seek(0, io.SeekEnd)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, done: make(chan struct{}), log: logf.Name(), logFrom: logFrom}
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			d.mu.Lock()
			d.lines = append(d.lines, sc.Text())
			d.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return d
}

// waitFor waits until a stdout line contains s.
func (d *daemon) waitFor(t testing.TB, s string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if d.count(s) > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no line with %q on the terminal notifier within 30s; got:\n%s", s, strings.Join(d.snapshot(), "\n"))
}

func (d *daemon) count(s string) int {
	n := 0
	for _, l := range d.snapshot() {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

func (d *daemon) snapshot() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.lines...)
}

func (d *daemon) stop(t testing.TB) {
	t.Helper()
	// Suggestions are shown before Start returns (the control socket
	// opens last), and a SIGTERM while starting exits with status 1 by
	// design: wait until the daemon says it started.
	if d.log != "" {
		deadline := time.Now().Add(30 * time.Second)
		for {
			b, err := os.ReadFile(d.log)
			if err == nil && int64(len(b)) >= d.logFrom && bytes.Contains(b[d.logFrom:], []byte("agentd started")) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("agentd did not say it started within 30s:\n%s", b)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-d.done
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("agentd run did not exit cleanly on SIGTERM: %v", err)
	}
}

// oneFeedConfig writes a config with one feed, served by the returned
// feedServer until the test ends, the terminal notifier and its data dir in
// a temp dir. It returns the server, the config's path and the data dir.
func oneFeedConfig(t *testing.T) (fs *feedServer, cfg, data string) {
	t.Helper()
	fs = &feedServer{}
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	data = filepath.Join(dir, "data")
	cfg = filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf("user: {name: Test, email: test@example.com, timezone: UTC, interests: [golang, go]}\n"+
		"bus: {data_dir: %s}\nsources:\n  feeds:\n    - {name: test, url: %q, every: 1h}\nnotify: {terminal: {}}\n", data, srv.URL+"/feed.xml")
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return fs, cfg, data
}

func buildAgentd(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "agentd")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestRunEndToEnd runs the real binary on a temp config with a local feed:
// each matching item reaches the terminal notifier exactly once, across a
// config reload (SIGHUP) and a restart of the daemon.
func TestRunEndToEnd(t *testing.T) {
	bin := buildAgentd(t)
	fs := &feedServer{}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	fs.add("Go 1.99 released with generics everywhere")
	fs.add("Knitting patterns for winter") // matches no interest

	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	writeConfig := func(extraFeed string) {
		t.Helper()
		body := fmt.Sprintf(`user:
  name: Test
  email: test@example.com
  timezone: UTC
  interests: [golang, go, "home automation"]
bus:
  data_dir: %s
sources:
  feeds:
    - {name: test, url: %q, every: 1h}
%s
notify:
  terminal: {}
`, filepath.Join(dir, "data"), srv.URL+"/feed.xml", extraFeed)
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig("")

	d := startDaemon(t, bin, cfg)
	d.waitFor(t, "Go 1.99 released")

	// A new matching item, picked up when the config is reloaded (the
	// watchers restart and poll at once).
	fs.add("Home Automation with a Raspberry Pi")
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	d.waitFor(t, "Home Automation with a Raspberry Pi")
	d.stop(t)
	if n := d.count("Go 1.99 released"); n != 1 {
		t.Fatalf("first item shown %d times, want 1:\n%s", n, strings.Join(d.snapshot(), "\n"))
	}
	if n := d.count("Knitting"); n != 0 {
		t.Fatalf("non-matching item was suggested:\n%s", strings.Join(d.snapshot(), "\n"))
	}

	// Restart: nothing already shown comes back; a new item does.
	fs.add("Golang tips: context cancellation")
	d2 := startDaemon(t, bin, cfg)
	d2.waitFor(t, "Golang tips")
	// Give the daemon a moment to (wrongly) repeat anything.
	time.Sleep(500 * time.Millisecond)
	d2.stop(t)
	for _, old := range []string{"Go 1.99 released", "Home Automation with a Raspberry Pi"} {
		if n := d2.count(old); n != 0 {
			t.Fatalf("%q shown again after restart:\n%s", old, strings.Join(d2.snapshot(), "\n"))
		}
	}
	if n := d2.count("Golang tips"); n != 1 {
		t.Fatalf("new item shown %d times, want 1", n)
	}
}
