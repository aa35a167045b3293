package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/agentd/agentd/event"
)

// natsServerBinary builds the real nats-server from the module in go.mod,
// cached under the repository's bin/ by version.
func natsServerBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool to build nats-server: %v", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin", "nats-server-v"+server.VERSION)
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	// Build next to the target and rename, so a parallel test run never
	// sees half a binary.
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", tmp, "github.com/nats-io/nats-server/v2")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build nats-server %s: %v\n%s", server.VERSION, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// natsServer is a nats-server process.
type natsServer struct {
	bin, storeDir string
	port          int
	cmd           *exec.Cmd
}

func (s *natsServer) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command(s.bin, "-js", "-a", "127.0.0.1", "-p", strconv.Itoa(s.port), "-sd", s.storeDir, "-n", "agentd-test")
	s.cmd.Stdout, s.cmd.Stderr = t.Output(), t.Output()
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start nats-server: %v", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.kill(t)
			t.Fatalf("nats-server not listening on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *natsServer) kill(t *testing.T) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	err := s.cmd.Wait()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Errorf("wait for nats-server: %v", err)
	}
	s.cmd = nil
}

func TestExternalServerSurvivesRestart(t *testing.T) {
	t.Parallel()
	srv := &natsServer{bin: natsServerBinary(t), storeDir: t.TempDir(), port: freePort(t)}
	srv.start(t)
	t.Cleanup(func() { srv.kill(t) })

	ctx := testContext(t, 60*time.Second)
	logs := &logBuffer{}
	url := "nats://127.0.0.1:" + strconv.Itoa(srv.port)
	b, err := Open(ctx, Config{URL: url}, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		t.Logf("bus log:\n%s", logs)
	})
	if b.Embedded() {
		t.Error("Embedded() = true for an external server")
	}
	if b.ServerVersion() != server.VERSION {
		t.Errorf("ServerVersion() = %q, want %q", b.ServerVersion(), server.VERSION)
	}
	if b.ClientURL() != url {
		t.Errorf("ClientURL() = %q, want %q", b.ClientURL(), url)
	}
	for _, name := range []string{StreamEvents, StreamSuggestions, StreamFeedback, StreamSchedule} {
		if _, err := b.JetStream().Stream(ctx, name); err != nil {
			t.Errorf("stream %s on the external server: %v", name, err)
		}
	}
	if err := b.PublishEvent(ctx, testEvent(t, "before")); err != nil {
		t.Fatalf("PublishEvent before restart: %v", err)
	}

	srv.kill(t)
	srv.start(t)

	// The first publishes may time out while the client reconnects and the
	// server recovers its streams.
	after := testEvent(t, "after")
	var pubErr error
	for attempt := 0; ctx.Err() == nil; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		pubErr = b.PublishEvent(pctx, after)
		cancel()
		if pubErr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if pubErr != nil {
		t.Fatalf("PublishEvent after the server restarted: %v", pubErr)
	}
	if n := streamMsgs(t, ctx, b, StreamEvents, EventSubject(event.TypeFeedItem)); n != 2 {
		t.Errorf("EVENTS holds %d events after the restart, want 2 (one from before, one after)", n)
	}
	if n := logs.count("bus disconnected"); n != 1 {
		t.Errorf("logged %q %d times, want once", "bus disconnected", n)
	}
	if n := logs.count("bus reconnected"); n != 1 {
		t.Errorf("logged %q %d times, want once", "bus reconnected", n)
	}
}
