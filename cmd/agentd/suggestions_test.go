package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/app"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/control"
	"github.com/agentd/agentd/internal/suggestions"
)

// suggestionsNow is the tests' clock: 16:00 UTC is already the next day
// (01:00) in Tokyo, the user's zone. It is far ahead, so a snooze
// scheduled on the bus (on the wall clock) never fires during a test.
func suggestionsNow() time.Time { return time.Date(2036, 3, 10, 16, 0, 0, 0, time.UTC) }

// suggestionsSetup writes a config in the zone Asia/Tokyo with a data dir
// (short enough for the control socket) holding three delivered
// suggestions, two of whose ids start alike.
func suggestionsSetup(t *testing.T) (path string, cfg *config.Config) {
	t.Helper()
	dir, err := os.MkdirTemp("", "agentd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path = filepath.Join(dir, "config.yaml")
	yaml := "user: {name: Alice, email: alice@example.com, timezone: Asia/Tokyo}\n" +
		"bus: {data_dir: " + filepath.Join(dir, "data") + "}\nnotify: {terminal: {}}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err = config.Load(path); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{DataDir: cfg.Bus.DataDir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	store, err := b.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	book := suggestions.New(store, &suggestions.MemoryOutbox{}, suggestionsNow)
	for _, s := range []event.Suggestion{
		{ID: "ab12cd34ef56ab12cd34ef56", Kind: event.KindSuggestion, Priority: event.PriorityHigh, Title: "Answer Sophie", Created: suggestionsNow().Add(-time.Hour)},
		{ID: "ab99ba76dc54ac98ba76dc54", Kind: event.KindSuggestion, Priority: event.PriorityLow, Title: "Read the Go blog", Created: suggestionsNow().Add(-2 * time.Hour)},
		{ID: "f00dcafef00dcafef00dcafe", Kind: event.KindReminder, Priority: event.PriorityNormal, Title: "Dentist",
			Due: time.Date(2036, 3, 11, 2, 30, 0, 0, time.UTC), Created: suggestionsNow().Add(-time.Hour)},
	} {
		if err := book.Delivered(ctx, s, event.StatusDelivered); err != nil {
			t.Fatal(err)
		}
	}
	return path, cfg
}

// runSuggestions runs `agentd suggestions args...` on the tests' clock.
func runSuggestions(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := suggestionsCommand(args, &out, &errb, suggestionsNow)
	return code, out.String(), errb.String()
}

func TestSuggestionsListAndAnswerOnTheDataDir(t *testing.T) {
	path, _ := suggestionsSetup(t)

	code, out, errOut := runSuggestions(t, "--config", path)
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errOut)
	}
	// The reminder first, then by priority; times in Tokyo.
	want := []string{
		"f00dcafe  delivered  reminder    normal  due Tue 2036-03-11 11:30   Dentist",
		"ab12cd34  delivered  suggestion  high    made Tue 2036-03-11 01:00  Answer Sophie",
		"ab99ba76  delivered  suggestion  low     made Tue 2036-03-11 01:00  Read the Go blog",
	}
	if got := strings.TrimRight(out, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("list:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}

	code, out, _ = runSuggestions(t, "list", "--format", "json", "--config", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 {
		t.Fatalf("list json: exit %d:\n%s", code, out)
	}
	var rec suggestions.Record
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil || rec.Suggestion.ID != "ab12cd34ef56ab12cd34ef56" || rec.Status != event.StatusDelivered {
		t.Errorf("json line %q: %+v, %v", lines[1], rec, err)
	}

	// A unique prefix answers; flags may follow the id.
	code, out, errOut = runSuggestions(t, "dismiss", "ab12", "--config", path)
	if code != 0 || out != "dismissed ab12cd34 \"Answer Sophie\"\n" {
		t.Fatalf("dismiss: exit %d, %q, %q", code, out, errOut)
	}
	code, out, _ = runSuggestions(t, "--config", path)
	if code != 0 || strings.Contains(out, "Answer Sophie") || !strings.Contains(out, "Read the Go blog") {
		t.Errorf("dismissed one still listed: exit %d\n%s", code, out)
	}
	code, out, _ = runSuggestions(t, "list", "--all", "--config", path)
	if code != 0 || !strings.Contains(out, "ab12cd34  dismissed") {
		t.Errorf("--all lacks the dismissed one: exit %d\n%s", code, out)
	}

	// Tomorrow is 09:00 the next day in the user's zone: it is already
	// the 11th in Tokyo, so the 12th.
	code, out, errOut = runSuggestions(t, "--config", path, "snooze", "ab99", "tomorrow")
	if code != 0 || out != "snoozed ab99ba76 \"Read the Go blog\": it comes back Wed 12 Mar 2036 at 09:00 JST\n" {
		t.Fatalf("snooze: exit %d, %q, %q", code, out, errOut)
	}
	code, out, _ = runSuggestions(t, "list", "--config", path, "--format", "json")
	var snoozed suggestions.Record
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r suggestions.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(r.Suggestion.ID, "ab99") {
			snoozed = r
		}
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if code != 0 || snoozed.Status != event.StatusSnoozed || !snoozed.Until.Equal(time.Date(2036, 3, 12, 9, 0, 0, 0, tokyo)) {
		t.Errorf("snoozed record: exit %d, %+v", code, snoozed)
	}
	code, out, _ = runSuggestions(t, "--config", path)
	if code != 0 || !strings.Contains(out, "ab99ba76  snoozed    suggestion  low     back Wed 2036-03-12 09:00  Read the Go blog") {
		t.Errorf("snoozed line:\n%s", out)
	}

	code, out, errOut = runSuggestions(t, "done", "0123", "--config", path)
	if code != 1 || out != "" || errOut != "agentd suggestions done: no suggestion with id \"0123\" (agentd suggestions list --all shows them all)\n" {
		t.Errorf("unknown id: exit %d, %q, %q", code, out, errOut)
	}
	code, _, errOut = runSuggestions(t, "done", "ab", "--config", path)
	if code != 1 || !strings.Contains(errOut, "ambiguous") || !strings.Contains(errOut, "ab12cd34ef56ab12cd34ef56") {
		t.Errorf("ambiguous id: exit %d, %q", code, errOut)
	}
	code, _, errOut = runSuggestions(t, "snooze", "f00d", "whenever", "--config", path)
	if code != 1 || !strings.Contains(errOut, "tomorrow") {
		t.Errorf("bad snooze: exit %d, %q", code, errOut)
	}
}

// TestSuggestionsThroughTheDaemon: with a daemon running on the data dir,
// the commands ask it over the control socket.
func TestSuggestionsThroughTheDaemon(t *testing.T) {
	path, cfg := suggestionsSetup(t)
	a, err := app.New(app.Options{Config: cfg, Now: suggestionsNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	if _, err := control.Dial(t.Context(), control.SocketPath(cfg.Bus.DataDir)); err != nil {
		t.Fatalf("the daemon does not answer on its socket: %v", err)
	}

	code, out, errOut := runSuggestions(t, "done", "f00d", "--config", path)
	if code != 0 || out != "marked f00dcafe \"Dentist\" done\n" {
		t.Fatalf("done: exit %d, %q, %q", code, out, errOut)
	}
	code, out, errOut = runSuggestions(t, "snooze", "ab12", "--config", path)
	if code != 0 || out != "snoozed ab12cd34 \"Answer Sophie\": it comes back Tue 11 Mar 2036 at 02:00 JST\n" {
		t.Fatalf("snooze (default 1h): exit %d, %q, %q", code, out, errOut)
	}
	code, out, _ = runSuggestions(t, "list", "--all", "--config", path)
	if code != 0 || !strings.Contains(out, "f00dcafe  done") || !strings.Contains(out, "ab12cd34  snoozed") {
		t.Errorf("list through the daemon: exit %d\n%s", code, out)
	}
	code, _, errOut = runSuggestions(t, "dismiss", "0123", "--config", path)
	if code != 1 || !strings.Contains(errOut, `no suggestion with id "0123"`) || strings.Contains(errOut, "key not found") {
		t.Errorf("unknown id through the daemon: exit %d, %q", code, errOut)
	}
}

func TestSuggestionsUsage(t *testing.T) {
	for _, args := range [][]string{{"suggestions", "--help"}, {"suggestions", "-h"}, {"suggestions", "snooze", "--help"}} {
		code, out, errOut := runCLI(t, args...)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "Usage: agentd suggestions") || !strings.Contains(out, "\n  --all\n") ||
			!strings.Contains(out, "\n  --format FORMAT\n") || !strings.Contains(out, "tomorrow") {
			t.Errorf("%v: exit %d, stderr %q\n%s", args, code, errOut, out)
		}
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"suggestions", "--config", cfg, "extra"}, `agentd suggestions: unexpected argument "extra"`},
		{[]string{"suggestions", "forget", "ab12"}, `unexpected argument "forget": use list, accept`},
		{[]string{"suggestions", "dismiss", "--config", cfg}, "which suggestion?"},
		{[]string{"suggestions", "dismiss", "ab12", "1h", "--config", cfg}, `unexpected argument "1h"`},
		{[]string{"suggestions", "snooze", "ab12", "1h", "2h"}, `unexpected argument "2h"`},
		{[]string{"suggestions", "--format", "yaml"}, `--format "yaml"`},
		{[]string{"suggestions", "--no-such-flag"}, "flag provided but not defined"},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.err) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q, want exit 2 and %q", tc.args, code, out, errOut, tc.err)
		}
	}
	if code, out, _ := runCLI(t, "help"); code != 0 || !strings.Contains(out, "agentd suggestions snooze ID") {
		t.Errorf("top-level usage lacks the suggestions commands:\n%s", out)
	}
}
