package app

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/control"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers"
)

// timingOut is a store whose writes time out, as on a damaged bus.
type timingOut struct{ state.Store }

func (timingOut) Put(context.Context, string, []byte) error {
	return errors.New("put \"cursor\": context deadline exceeded")
}

// writer saves its state once and fails when it cannot.
type writer struct{ store state.Store }

func (writer) Name() string                  { return "mail:work" }
func (writer) Connect(context.Context) error { return nil }
func (writer) Close(context.Context) error   { return nil }
func (w writer) Run(ctx context.Context, _ watchers.Publish) error {
	if err := w.store.Put(ctx, "cursor", []byte("1")); err != nil {
		return err
	}
	<-ctx.Done()
	return ctx.Err()
}

// TestCheckSaysStateWritesFail: beside a daemon whose state writes time
// out, `agentd check` fails the store line and says why.
func TestCheckSaysStateWritesFail(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte("bus: {data_dir: "+data+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sw := watchers.NewStateWrites(nil, nil)
	r := watchers.NewRunner(slog.New(slog.DiscardHandler), watchers.WithStateWrites(sw))
	rctx, stop := context.WithCancel(ctx)
	defer func() { stop(); r.Wait() }()
	r.Start(rctx, []watchers.Watcher{writer{store: sw.Wrap(timingOut{state.NewMemory()})}}, func(context.Context, event.Event) error { return nil })
	a := &App{watchers: r}

	srv, err := control.Listen(control.SocketPath(data), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("GET "+HealthPath, a.healthHandler())
	srv.Serve()
	defer srv.Close(context.Background())

	deadline := time.Now().Add(10 * time.Second)
	for {
		res := checkStore(ctx, cfg, nil)
		if len(res) == 1 && !res[0].OK && strings.Contains(res[0].Detail, "cannot save its state") &&
			strings.Contains(res[0].Detail, "deadline exceeded") && strings.Contains(res[0].Detail, "agentd repair") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("check beside a daemon whose state writes fail: %+v", res)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
