package main

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/bus"
)

// TestRepairDamagedConsumer: 64 random bytes in a consumer's state file
// stopped agentd from starting with no hint how to recover. Start now fails
// naming the file and `agentd repair`; repair refuses beside a running
// daemon, mends the store when it is stopped, and the next start works and
// announces only what is new.
func TestRepairDamagedConsumer(t *testing.T) {
	bin := buildAgentd(t)
	fs, cfg, data := oneFeedConfig(t)
	fs.add("Go 1.99 released with generics everywhere")

	d := startDaemon(t, bin, cfg)
	d.waitFor(t, "Go 1.99 released")
	if code, out, errOut := runCLI(t, "repair", "--config", cfg); code != 1 || !strings.Contains(errOut, "in use by a running agentd") ||
		!strings.Contains(errOut, "stop it first") {
		t.Errorf("repair beside the daemon: exit %d, want 1 naming the daemon\n%s%s", code, out, errOut)
	}
	d.stop(t)

	streams := filepath.Join(data, "jetstream", "$G", "streams")
	damaged := []string{
		filepath.Join(streams, "EVENTS", "obs", "planner", "o.dat"),
		filepath.Join(streams, "SUGGESTIONS", "obs", "notify", "o.dat"),
	}
	for _, f := range damaged {
		junk := make([]byte, 64)
		if _, err := rand.Read(junk); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, junk, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "run", "--config", cfg, "--log-format", "text").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("start on a damaged store: %v, want exit status 1\n%s", err, out)
	}
	for _, want := range append([]string{"agentd repair"}, damaged...) {
		if !strings.Contains(string(out), want) {
			t.Errorf("start on a damaged store: output lacks %q:\n%s", want, out)
		}
	}

	_, checkOut, _ := runCLI(t, "check", "--config", cfg, "--log-level", "error")
	if !strings.Contains(checkOut, "store") || !strings.Contains(checkOut, "agentd repair") || !strings.Contains(checkOut, damaged[0]) {
		t.Errorf("check on a damaged store does not say so:\n%s", checkOut)
	}

	code, stdout, stderr := runCLI(t, "repair", "--config", cfg, "--log-level", "error")
	if code != 0 || !strings.Contains(stdout, "jetstream.damaged-") ||
		!strings.Contains(stdout, "rebuilt consumer EVENTS/planner: at the next start agentd goes through the 1 message its stream holds again") ||
		!strings.Contains(stdout, "rebuilt consumer SUGGESTIONS/notify: at the next start agentd goes through the 1 message") {
		t.Fatalf("repair: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "repair", "--config", cfg, "--log-level", "error"); code != 0 || !strings.Contains(stdout, "nothing to repair") {
		t.Errorf("second repair: exit %d\n%s%s", code, stdout, stderr)
	}

	if _, checkOut, _ := runCLI(t, "check", "--config", cfg, "--log-level", "error"); !strings.Contains(checkOut, "is readable") {
		t.Errorf("check after repair:\n%s", checkOut)
	}

	fs.add("Go 2.0 released, golang at last")
	d2 := startDaemon(t, bin, cfg)
	// Both rebuilt consumers go through their streams in order: the old
	// item's event and suggestion come before the new item's, so once
	// the new item is shown the old one has had its chance to show again.
	d2.waitFor(t, "Go 2.0 released")
	d2.stop(t)
	if n := d2.count("Go 1.99 released"); n != 0 {
		t.Errorf("after repair, the delivered item was shown again (%d times):\n%s", n, strings.Join(d2.snapshot(), "\n"))
	}
	if n := d2.count("Go 2.0 released"); n != 1 {
		t.Errorf("after repair, the new item was shown %d times, want 1", n)
	}
}

// TestRepairBesideLockHolder: repair beside a daemon repeated the second
// daemon's advice, "give this one its own bus.data_dir", which would
// repair an empty store. It says to stop the daemon and run repair again.
func TestRepairBesideLockHolder(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(filepath.Join(data, "jetstream"), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(data, bus.LockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("4242\n"); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("user: {timezone: UTC}\nbus: {data_dir: "+data+"}\nnotify: {terminal: {}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "repair", "--config", cfg, "--log-level", "error")
	want := "agentd repair: data dir " + data + " is in use by a running agentd (pid 4242): stop it first " +
		"(systemctl --user stop agentd, or Ctrl-C where it runs), then run agentd repair again\n"
	if code != 1 || out != "" || errOut != want {
		t.Errorf("repair beside the lock holder: exit %d, stdout %q\nstderr %q\nwant   %q", code, out, errOut, want)
	}
}
