package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/control"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/planner/llm"
)

// controlNow is the clock of the control tests: far enough ahead that a
// snooze scheduled on the bus (on the wall clock) never fires during them.
func controlNow() time.Time { return time.Date(2036, 3, 10, 22, 30, 0, 0, time.UTC) }

// controlConfig is a config whose data dir path is short enough for a
// Unix socket, in the zone Europe/Paris.
func controlConfig(t *testing.T) *config.Config {
	t.Helper()
	dir, err := os.MkdirTemp("", "agentd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	yaml := fmt.Sprintf("user: {name: Test, email: test@example.com, timezone: Europe/Paris}\nbus: {data_dir: %s}\nnotify: {terminal: {}}\n",
		filepath.Join(dir, "data"))
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// twoSuggestions records two delivered suggestions whose ids share their
// first character (and differ in the second), as if the daemon had
// delivered them.
func twoSuggestions(ctx context.Context, t *testing.T, book *suggestions.Book) (a, b event.Suggestion) {
	t.Helper()
	a = event.Suggestion{ID: "ab12cd34ef56ab12cd34ef56", Kind: event.KindSuggestion, Priority: event.PriorityHigh,
		Title: "Answer Sophie", Created: controlNow().Add(-time.Hour)}
	b = event.Suggestion{ID: "ac98ba76dc54ac98ba76dc54", Kind: event.KindSuggestion, Priority: event.PriorityNormal,
		Title: "Read the Go blog", Created: controlNow().Add(-2 * time.Hour)}
	for _, s := range []event.Suggestion{a, b} {
		if err := book.Delivered(ctx, s, event.StatusDelivered); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

func ids(recs []suggestions.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Suggestion.ID[:2]+":"+r.Status)
	}
	return out
}

// TestControlSocket: a running App answers the ledger and the suggestion
// book over its control socket, which replaced a stale one and is gone
// after Stop.
func TestControlSocket(t *testing.T) {
	ctx := t.Context()
	cfg := controlConfig(t)
	path := control.SocketPath(cfg.Bus.DataDir)
	// A socket left behind by a killed daemon: bound, nobody listening.
	if err := os.MkdirAll(cfg.Bus.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()

	a, err := New(Options{Config: cfg, Now: func() time.Time { return controlNow() }})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	if a.control == nil {
		t.Fatal("the control socket was not opened")
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %s: %v, %v", path, fi, err)
	}

	store, err := a.bus.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	book := suggestions.New(store, busOutbox{a.bus}, a.now)
	sa, sb := twoSuggestions(ctx, t, book)
	llmStore, err := a.bus.Store(ctx, BucketLLM)
	if err != nil {
		t.Fatal(err)
	}
	if err := llm.NewStoreLedger(llm.StoreLedgerConfig{Store: llmStore}).Record(ctx, llm.Entry{Time: controlNow(), Purpose: llm.PurposeDraft, Model: "m"}); err != nil {
		t.Fatal(err)
	}

	entries, err := ReadLedger(ctx, cfg, controlNow().Add(-time.Hour), nil)
	if err != nil || len(entries) != 1 || entries[0].Model != "m" {
		t.Errorf("ledger over the socket: %+v, %v", entries, err)
	}

	opts := SuggestionsOptions{Now: func() time.Time { return controlNow() }}
	recs, err := ListSuggestions(ctx, cfg, false, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(recs), " "); got != "ab:delivered ac:delivered" {
		t.Errorf("list: %s", got)
	}

	// The ids share "a": too short; "ab" is unique.
	if _, err := AnswerSuggestion(ctx, cfg, "a", suggestions.ActionDismiss, "", opts); err == nil ||
		!strings.Contains(err.Error(), "ambiguous") || !strings.Contains(err.Error(), sa.ID) || !strings.Contains(err.Error(), sb.ID) {
		t.Errorf("ambiguous prefix: %v", err)
	}
	if _, err := AnswerSuggestion(ctx, cfg, "ff", suggestions.ActionDismiss, "", opts); err == nil ||
		!strings.HasSuffix(err.Error(), `no suggestion with id "ff" (agentd suggestions list --all shows them all)`) {
		t.Errorf("unknown id: %v", err)
	}
	rec, err := AnswerSuggestion(ctx, cfg, "ab", suggestions.ActionDismiss, "", opts)
	if err != nil || rec.Suggestion.ID != sa.ID || rec.Status != event.StatusDismissed {
		t.Fatalf("dismiss: %+v, %v", rec, err)
	}
	rec, err = AnswerSuggestion(ctx, cfg, "ac98", suggestions.ActionSnooze, "tomorrow", opts)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	// 22:30 UTC is 23:30 in Paris: tomorrow is the 11th, 09:00 there.
	if want := time.Date(2036, 3, 11, 9, 0, 0, 0, paris); rec.Status != event.StatusSnoozed || !rec.Until.Equal(want) {
		t.Errorf("snooze: %s until %s, want snoozed until %s", rec.Status, rec.Until, want)
	}

	// The endpoints themselves: all=1 lists the dismissed one too; an
	// until is read in the user's zone by the daemon as well.
	c, err := control.Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var all []suggestions.Record
	if err := c.Get(ctx, "/v1/suggestions?all=1", &all); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(all), " "); got != "ab:dismissed ac:snoozed" && got != "ac:snoozed ab:dismissed" {
		t.Errorf("list all: %s", got)
	}
	if err := c.Post(ctx, "/v1/suggestions/ac/snooze", SuggestionAnswer{Until: "30m"}, &rec); err != nil || !rec.Until.Equal(controlNow().Add(30*time.Minute)) {
		t.Errorf("snooze 30m: %v, %v", rec.Until, err)
	}
	if err := c.Post(ctx, "/v1/suggestions/ac/snooze", SuggestionAnswer{Until: "soon"}, nil); err == nil || !strings.Contains(err.Error(), "tomorrow") {
		t.Errorf("bad until: %v", err)
	}
	if err := c.Post(ctx, "/v1/suggestions/ac/forget", SuggestionAnswer{}, nil); err == nil || !strings.Contains(err.Error(), "unknown action") {
		t.Errorf("bad action: %v", err)
	}
	if err := c.Post(ctx, "/v1/suggestions/ac/done", SuggestionAnswer{}, &rec); err != nil || rec.Status != event.StatusDone {
		t.Errorf("done: %+v, %v", rec, err)
	}

	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left after Stop: %v", err)
	}
}

// TestSuggestionsOffline: with no daemon on the data dir, the suggestion
// commands read and answer the book on the data dir itself.
func TestSuggestionsOffline(t *testing.T) {
	ctx := t.Context()
	cfg := controlConfig(t)
	b, err := bus.Open(ctx, busConfig(cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := b.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	sa, _ := twoSuggestions(ctx, t, suggestions.New(store, busOutbox{b}, func() time.Time { return controlNow() }))
	b.Close()

	opts := SuggestionsOptions{Now: func() time.Time { return controlNow() }}
	rec, err := AnswerSuggestion(ctx, cfg, sa.ID[:8], suggestions.ActionSnooze, "1h", opts)
	if err != nil || rec.Status != event.StatusSnoozed || !rec.Until.Equal(controlNow().Add(time.Hour)) {
		t.Fatalf("snooze offline: %+v, %v", rec, err)
	}
	if _, err := AnswerSuggestion(ctx, cfg, "0000", suggestions.ActionDone, "", opts); !errors.Is(err, state.ErrNotFound) ||
		err.Error() != `no suggestion with id "0000" (agentd suggestions list --all shows them all)` {
		t.Errorf("unknown id offline: %v", err)
	}
	recs, err := ListSuggestions(ctx, cfg, false, opts)
	if err != nil {
		t.Fatal(err)
	}
	// The snoozed one shows first: it comes back at a set time.
	if got := strings.Join(ids(recs), " "); got != "ab:snoozed ac:delivered" {
		t.Errorf("list offline: %s", got)
	}
	if _, err := os.Stat(control.SocketPath(cfg.Bus.DataDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the offline path left a socket: %v", err)
	}
}

// TestStartWithoutControlSocket: a daemon whose socket cannot be made
// still runs.
func TestStartWithoutControlSocket(t *testing.T) {
	cfg := controlConfig(t)
	// A non-empty directory where the socket goes cannot be replaced.
	if err := os.MkdirAll(filepath.Join(control.SocketPath(cfg.Bus.DataDir), "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatalf("start without a control socket: %v", err)
	}
	if a.control != nil {
		t.Error("control socket opened over a directory")
	}
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}
