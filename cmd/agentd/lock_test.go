package main

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSecondDaemonRefused: two `agentd run` on one config both started and
// every nudge arrived twice. The second now exits at once, naming the data
// dir and the first one's pid; check and plan still work beside the first.
func TestSecondDaemonRefused(t *testing.T) {
	bin := buildAgentd(t)
	fs, cfg, data := oneFeedConfig(t)
	fs.add("Go 1.99 released with generics everywhere")

	first := startDaemon(t, bin, cfg)
	first.waitFor(t, "Go 1.99 released")
	pid := first.cmd.Process.Pid

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, bin, "run", "--config", cfg, "--log-format", "text").CombinedOutput()
	took := time.Since(start)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("second daemon: %v, want exit status 1\n%s", err, out)
	}
	if took > 5*time.Second {
		t.Errorf("second daemon took %s to give up, want at once", took)
	}
	for _, want := range []string{"data dir " + data + " is in use by another agentd (pid " + strconv.Itoa(pid) + ")", "one agentd per data dir"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("second daemon's output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("second daemon refused in %s", took.Round(time.Millisecond))

	// check and plan beside the running daemon.
	if code, stdout, stderr := runCLI(t, "check", "--config", cfg); code != 0 || !strings.Contains(stdout, "ok    bus") ||
		strings.Contains(stdout, "FAIL") {
		t.Errorf("check beside the daemon: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "plan", "--config", cfg); code != 0 || !strings.Contains(stdout, "Go 1.99") {
		t.Errorf("plan beside the daemon: exit %d\n%s%s", code, stdout, stderr)
	}
	// ledger asks the daemon, or fails naming it (it must not open the
	// data dir under the daemon).
	if code, stdout, stderr := runCLI(t, "ledger", "--config", cfg); code != 0 && !strings.Contains(stderr, "pid "+strconv.Itoa(pid)) {
		t.Errorf("ledger beside the daemon: exit %d, want success or a message naming pid %d\n%s%s", code, pid, stdout, stderr)
	}

	first.stop(t)
	if n := first.count("Go 1.99 released"); n != 1 {
		t.Fatalf("item shown %d times by the first daemon, want 1", n)
	}
}
