package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers"
)

// noisyPassword is a password manager that is locked until the file "ok"
// exists, and then says much more on stderr than why.
const noisyPassword = `if [ -f ok ]; then echo pw; else echo 'gpg: decryption failed: No secret key' >&2; echo 'debug dump: session 7f3a9c2e1b' >&2; exit 2; fi`

func noisyPasswordConfig(t *testing.T) (*config.Config, string) {
	t.Helper()
	dir := t.TempDir()
	yaml := fmt.Sprintf(`user: {email: me@example.com, timezone: UTC}
bus: {data_dir: %s}
sources:
  mail:
    - name: work
      imap: {host: 127.0.0.1, port: 1, username: me, password_command: %q}
`, filepath.Join(dir, "data"), noisyPassword)
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, dir
}

// TestPasswordCommandLoggedOncePerOutage: a failing password command's
// stderr was copied into the log on every retry. The watcher's runner
// retries it many times; the log has its exit status and the first line
// of its stderr once, and never the rest.
func TestPasswordCommandLoggedOncePerOutage(t *testing.T) {
	cfg, _ := noisyPasswordConfig(t)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	w, err := mailWatcher(cfg.Sources.Mail[0], state.NewMemory(), logger, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	r := watchers.NewRunner(logger, watchers.WithBackoff(time.Millisecond, 2*time.Millisecond))
	ctx, cancel := context.WithCancel(t.Context())
	r.Start(ctx, []watchers.Watcher{w}, func(context.Context, event.Event) error { return nil })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if h := r.Health(); len(h) == 1 && h[0].Failures >= 5 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	r.Wait()
	if h := r.Health(); h[0].Failures < 5 {
		t.Fatalf("only %d failures, want at least 5 retries", h[0].Failures)
	}
	out := logs.String()
	if n := strings.Count(out, "gpg: decryption failed"); n != 1 {
		t.Errorf("stderr's first line logged %d times over the retries, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "exit status 2") {
		t.Errorf("exit status not logged:\n%s", out)
	}
	if strings.Contains(out, "7f3a9c2e1b") || strings.Contains(out, "debug dump") {
		t.Errorf("stderr beyond its first line logged:\n%s", out)
	}
}

// TestSecretOnce: the drafts store reads the password on every retry of a
// job; the failure is logged once per outage and the retries' errors do
// not carry the stderr line.
func TestSecretOnce(t *testing.T) {
	cfg, dir := noisyPasswordConfig(t)
	var logs bytes.Buffer
	s := newSecretOnce(cfg.Sources.Mail[0].IMAP.Password, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := t.Context()
	for i := range 3 {
		_, err := s.Resolve(ctx)
		if err == nil {
			t.Fatal("locked password manager: no error")
		}
		if got := strings.Contains(err.Error(), "gpg: decryption failed"); got != (i == 0) {
			t.Errorf("try %d: error %q; want the stderr line only in the first", i+1, err)
		}
		if !strings.Contains(err.Error(), "exit status 2") {
			t.Errorf("try %d: error %q lacks the exit status", i+1, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ok"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Resolve(ctx); err != nil || v != "pw" {
		t.Fatalf("unlocked: %q, %v", v, err)
	}
	os.Remove(filepath.Join(dir, "ok"))
	if _, err := s.Resolve(ctx); err == nil || !strings.Contains(err.Error(), "gpg: decryption failed") {
		t.Errorf("a new outage: %v, want the full error again", err)
	}
	out := logs.String()
	if n := strings.Count(out, "password command failed"); n != 2 {
		t.Errorf("logged the failure %d times over two outages, want 2:\n%s", n, out)
	}
	if n := strings.Count(out, "works again"); n != 1 {
		t.Errorf("logged the recovery %d times, want 1:\n%s", n, out)
	}
	if strings.Contains(out, "7f3a9c2e1b") {
		t.Errorf("stderr beyond its first line logged:\n%s", out)
	}
}
