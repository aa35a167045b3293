package app

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/bus"
)

// TestOneDaemonPerDataDir: two daemons on one config both started, and
// every nudge arrived twice. The second is now refused at once, naming the
// data dir and the first one's pid; plan and check still work beside the
// first; once it stops, another may start.
func TestOneDaemonPerDataDir(t *testing.T) {
	ctx := t.Context()
	cfg := maildirConfig(t, map[string]string{"1.req": invitationMail("REQUEST", "req@example.com", "Fri, 20 Nov 2026 10:00:00 +0100", 0)})
	first, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer first.Stop(context.Background())

	second, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = second.Start(ctx)
	if err == nil {
		second.Stop(context.Background())
		t.Fatal("a second daemon started on a data dir in use")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("refused after %s, want at once", took)
	}
	dir := busConfig(cfg).DataDir
	if !errors.Is(err, bus.ErrLocked) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second start: %v; want bus.ErrLocked naming %s and pid %d", err, dir, os.Getpid())
	}
	if err := second.Stop(context.Background()); err != nil {
		t.Fatalf("stopping the refused daemon: %v", err)
	}

	// plan keeps everything in memory; check runs its own throw-away bus.
	ss, failed, err := Plan(ctx, cfg, PlanOptions{At: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), Horizon: 96 * time.Hour})
	if err != nil || len(failed) > 0 || len(ss) == 0 {
		t.Fatalf("plan beside the daemon: %d suggestions, %v %v", len(ss), failed, err)
	}
	for _, r := range Check(ctx, cfg, nil, nil) {
		if !r.OK && !strings.HasPrefix(r.Component, "notify") {
			t.Errorf("check beside the daemon: %s: %s", r.Component, r.Detail)
		}
	}

	// The first one is unharmed, and once it stops the data dir is free.
	if _, err := first.bus.Messages(ctx, bus.StreamEvents, "agentd.events.>"); err != nil {
		t.Fatal(err)
	}
	if err := first.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	third, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := third.Start(ctx); err != nil {
		t.Fatalf("start after the first stopped: %v", err)
	}
	if err := third.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}
