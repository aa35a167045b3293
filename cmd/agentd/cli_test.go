package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/config"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// planLineT is the stable JSON shape of `agentd plan --format json`;
// decoding with DisallowUnknownFields keeps it from growing by accident.
type planLineT struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Body     string `json:"body"`
	Priority string `json:"priority"`
	Due      string `json:"due"`
	Why      string `json:"why"`
	About    []struct {
		Source       string `json:"source"`
		Type         string `json:"type"`
		Ref          string `json:"ref"`
		RecurrenceID string `json:"recurrence_id"`
	} `json:"about"`
}

func planJSON(t *testing.T, args ...string) []planLineT {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"plan", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var lines []planLineT
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var l planLineT
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if len(l.ID) < 16 || l.Why == "" || l.Priority == "" || len(l.About) == 0 || l.Title == "" {
			t.Errorf("incomplete suggestion: %+v", l)
		}
		if l.Kind == "reminder" {
			if _, err := time.Parse(time.RFC3339, l.Due); err != nil {
				t.Errorf("reminder without an RFC 3339 due: %+v", l)
			}
		}
		lines = append(lines, l)
	}
	return lines
}

// TestPlanDemoFeeds checks the feed part of the bundled demo, and that
// items dated after --at have not arrived yet.
func TestPlanDemoFeeds(t *testing.T) {
	demo := filepath.Join("..", "..", "examples", "demo.yaml")
	cases := []struct {
		name    string
		at      string
		want    []string // titles, any order
		notWant []string
	}{
		{
			name: "all arrived",
			at:   "2026-08-12T18:00:00+02:00",
			want: []string{"Read: Go 1.27 is released", "Read: A local-first thermostat you can flash yourself",
				"Read: Réécrire un démon en Go : notes de terrain"},
			notWant: []string{"Community survey", "Zigbee", "espresso", "Gardening"},
		},
		{
			name:    "before the release post",
			at:      "2026-08-11T12:00:00+02:00",
			want:    []string{"Read: A local-first thermostat you can flash yourself", "Read: Réécrire un démon en Go : notes de terrain"},
			notWant: []string{"Go 1.27"},
		},
		{
			name: "nothing yet",
			at:   "2026-08-01T00:00:00Z",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var titles []string
			for _, l := range planJSON(t, "--config", demo, "--at", tc.at) {
				if l.About[0].Type != "feed.item" {
					continue
				}
				if l.Kind != "suggestion" || !strings.HasPrefix(l.About[0].Source, "feed:") || l.About[0].Ref == "" {
					t.Errorf("feed suggestion: %+v", l)
				}
				if l.Title == "Read: Go 1.27 is released" && l.About[0].Ref != "tag:demo.agentd,2026:go-blog/go1.27" {
					t.Errorf("ref should be the Atom id, got %q", l.About[0].Ref)
				}
				titles = append(titles, l.Title)
			}
			if len(titles) != len(tc.want) {
				t.Fatalf("got %d feed suggestions %q, want %d %q", len(titles), titles, len(tc.want), tc.want)
			}
			joined := strings.Join(titles, "\n")
			for _, w := range tc.want {
				if !strings.Contains(joined, w) {
					t.Errorf("missing %q in %q", w, titles)
				}
			}
			for _, n := range tc.notWant {
				if strings.Contains(joined, n) {
					t.Errorf("unexpected %q in %q", n, titles)
				}
			}
		})
	}
}

// TestPlanDemoMailAndCalendar checks what the demo's Maildir and generated
// calendar yield at a fixed moment.
func TestPlanDemoMailAndCalendar(t *testing.T) {
	demo := filepath.Join("..", "..", "examples", "demo.yaml")
	lines := planJSON(t, "--config", demo, "--at", "2026-11-27T09:00:00+01:00")
	find := func(sub string) *planLineT {
		for i := range lines {
			if strings.Contains(lines[i].Title, sub) {
				return &lines[i]
			}
		}
		var all []string
		for _, l := range lines {
			all = append(all, l.Kind+": "+l.Title)
		}
		t.Fatalf("no suggestion titled like %q in:\n%s", sub, strings.Join(all, "\n"))
		return nil
	}
	standup := find("Team stand-up (moved)")
	if standup.Kind != "reminder" || standup.Due != "2026-11-28T10:50:00+01:00" {
		t.Errorf("moved stand-up reminder: %+v", standup)
	}
	if a := standup.About[0]; a.Source != "calendar:demo" || a.Ref != "standup@demo.agentd" || a.RecurrenceID != "2026-11-28T08:30:00Z" {
		t.Errorf("stand-up about = %+v (recurrence id is the original 09:30 Paris start)", a)
	}
	if r := find("In 15 min: Design review"); r.Due != "2026-11-28T14:45:00+01:00" {
		t.Errorf("VALARM of 15 min not honoured: %+v", r)
	}
	find("Answer the invitation from Bob Martin: Quarterly planning")
	if c := find("Conflict on Sat 28 Nov"); !strings.Contains(c.Title, "Design review") || !strings.Contains(c.Title, "Call with the bank") {
		t.Errorf("conflict: %+v", c)
	}
	if b := find("Alice's birthday"); b.Kind != "suggestion" || b.Due != "2026-11-28T07:30:00+01:00" {
		t.Errorf("birthday: %+v", b)
	}
	for _, l := range lines {
		if strings.Contains(l.Title, "In 10 min: Alice") {
			t.Errorf("an all-day birthday got a starts-soon reminder: %+v", l)
		}
	}
	summary := find("open items in your demo mail")
	for _, want := range []string{"Sophie Martin", "Signed contract", "Marc Dubois", "AU 1824", "Claire", "15 Dec"} {
		if !strings.Contains(summary.Body, want) {
			t.Errorf("mail summary lacks %q:\n%s", want, summary.Body)
		}
	}
	if strings.Contains(summary.Body, "Gadget Digest") {
		t.Errorf("the newsletter made it into the summary:\n%s", summary.Body)
	}
	// plan also lists the look-back's open items one by one.
	// Sophie's question sets a deadline: one reminder says what is due
	// (no "Reply to Sophie Martin" beside it without a model drafting).
	if r := find("Signed contract for Sophie, due Fri"); r.About[0].Ref == "" || r.About[0].Type != "mail.received" {
		t.Errorf("awaiting-my-reply item: %+v", r)
	}
	find("Reply to Claire")
	for _, l := range lines {
		if strings.Contains(l.Title, "Gadget") || strings.Contains(l.Why, "Gadget") {
			t.Errorf("the newsletter nags: %+v", l)
		}
	}
}

func TestPlanIsDeterministicAndSavesNothing(t *testing.T) {
	demo := filepath.Join("..", "..", "examples", "demo.yaml")
	before, _ := os.ReadDir(filepath.Join("..", "..", "examples"))
	_, a, _ := runCLI(t, "plan", "--config", demo, "--at", "2026-08-12T18:00:00Z", "--format", "json")
	_, b, _ := runCLI(t, "plan", "--config", demo, "--at", "2026-08-12T18:00:00Z", "--format", "json")
	if a != b || a == "" {
		t.Fatalf("two plans differ or are empty:\n%s\n---\n%s", a, b)
	}
	after, _ := os.ReadDir(filepath.Join("..", "..", "examples"))
	if len(before) != len(after) {
		t.Fatalf("plan created files in examples/: %v -> %v", before, after)
	}
}

func TestPlanFlagErrors(t *testing.T) {
	demo := filepath.Join("..", "..", "examples", "demo.yaml")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad time", []string{"plan", "--config", demo, "--at", "tomorrow"}, "not an RFC 3339 time"},
		{"bad format", []string{"plan", "--config", demo, "--at", "2026-08-12T18:00:00Z", "--format", "xml"}, "use text or json"},
		{"bad horizon", []string{"plan", "--config", demo, "--horizon", "2x"}, `"2x" is not a duration: unknown unit "x"`},
		{"missing config", []string{"plan", "--config", filepath.Join(t.TempDir(), "nope.yaml")}, "nope.yaml"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q, want non-zero and %q", code, errOut, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "ok.xml")
	os.WriteFile(feed, []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title><guid>1</guid></item><item><title>b</title><guid>2</guid></item></channel></rss>`), 0o600)
	os.WriteFile(filepath.Join(dir, "page.html"), []byte(`<!DOCTYPE html><html><head><title>x</title></head><body>hello</body></html>`), 0o600)
	write := func(feeds string) string {
		p := filepath.Join(dir, "config.yaml")
		os.WriteFile(p, []byte("user: {timezone: UTC, interests: [go]}\nbus: {data_dir: "+filepath.Join(dir, "data")+"}\nsources:\n  feeds:\n"+feeds+"notify: {terminal: {}}\n"), 0o600)
		return p
	}

	cfg := write("    - {name: good, url: \"file:ok.xml\"}\n")
	code, out, errOut := runCLI(t, "check", "--config", cfg)
	if code != 0 {
		t.Fatalf("check of a good config: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"ok    config", "ok    bus", "embedded nats-server", "ok    feed:good", "2 items", "ok    notify:terminal", "nothing leaves this machine"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}

	cfg = write("    - {name: good, url: \"file:ok.xml\"}\n    - {name: html, url: \"file:page.html\"}\n    - {name: gone, url: \"file:missing.xml\"}\n")
	code, out, _ = runCLI(t, "check", "--config", cfg)
	if code == 0 {
		t.Fatalf("check with broken feeds exited 0:\n%s", out)
	}
	for _, want := range []string{"ok    feed:good", "FAIL  feed:html", "FAIL  feed:gone", "2 problem(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}

	os.WriteFile(cfg, []byte("user: {timezone: Mars/Olympus}\n"), 0o600)
	code, out, _ = runCLI(t, "check", "--config", cfg)
	if code == 0 || !strings.Contains(out, "config.yaml:1") || !strings.Contains(out, "user.timezone") {
		t.Fatalf("bad config: exit %d\n%s", code, out)
	}
}

func TestInitNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	// init --service may ask `go env GOPATH` under go test; the go command
	// then writes telemetry files below XDG_CONFIG_HOME, possibly after the
	// test ends. A fixed GOPATH keeps the go command out of the temp dir.
	t.Setenv("GOPATH", filepath.Join(t.TempDir(), "gopath"))
	t.Setenv("GOBIN", "")
	cfg := filepath.Join(dir, "agentd", "config.yaml")
	code, out, errOut := runCLI(t, "init", "--config", cfg, "--service")
	if code != 0 {
		t.Fatalf("init: exit %d %s", code, errOut)
	}
	if !strings.Contains(out, "wrote "+cfg) {
		t.Fatalf("init output: %s", out)
	}
	unit, err := os.ReadFile(filepath.Join(dir, "systemd", "user", "agentd.service"))
	if err != nil || !strings.Contains(string(unit), "run --config "+cfg) {
		t.Fatalf("service unit: %v\n%s", err, unit)
	}
	// The written example is a valid config.
	if _, err := config.Load(cfg); err != nil {
		t.Fatalf("the example config does not load: %v", err)
	}
	os.WriteFile(cfg, []byte("# mine\n"), 0o600)
	code, _, errOut = runCLI(t, "init", "--config", cfg)
	if code == 0 || !strings.Contains(errOut, "exists") {
		t.Fatalf("second init: exit %d, %q", code, errOut)
	}
	if b, _ := os.ReadFile(cfg); string(b) != "# mine\n" {
		t.Fatalf("init overwrote the config: %q", b)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "agentd ") {
		t.Fatalf("version: %d %q", code, out)
	}
}

func TestFormatVersion(t *testing.T) {
	cases := []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{
			name: "clone with local changes",
			bi: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "85fe3791c0ffee85fe3791c0ffee85fe3791c0ff"},
				{Key: "vcs.time", Value: "2026-12-03T09:00:00Z"},
				{Key: "vcs.modified", Value: "true"},
			}},
			want: "(devel) rev 85fe379 2026-12-03T09:00:00Z modified, go1.26.8",
		},
		{
			name: "clean clone",
			bi: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "85fe3791c0ffee"},
				{Key: "vcs.time", Value: "2026-12-03T09:00:00Z"},
				{Key: "vcs.modified", Value: "false"},
			}},
			want: "(devel) rev 85fe379 2026-12-03T09:00:00Z, go1.26.8",
		},
		{
			name: "go install module@version",
			bi:   debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}},
			want: "v1.2.3, go1.26.8",
		},
		{
			name: "no vcs stamping",
			bi:   debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: "(devel), go1.26.8",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatVersion(&tc.bi); got != tc.want {
				t.Errorf("formatVersion = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSubcommandHelpAndStrayArguments: --help and -h print the
// subcommand's usage with the --flag spelling of the top-level help and
// exit 0; a positional argument no subcommand takes is an error.
func TestSubcommandHelpAndStrayArguments(t *testing.T) {
	cases := []struct {
		cmd   string
		flags []string // flags the help must list
	}{
		{"run", []string{"--config FILE", "--pprof-addr ADDR", "--log-level LEVEL"}},
		{"init", []string{"--config FILE", "--service"}},
		{"check", []string{"--config FILE", "--log-format FORMAT"}},
		{"plan", []string{"--config FILE", "--at TIME", "--horizon DURATION", "--format FORMAT"}},
		{"ledger", []string{"--config FILE", "--since DURATION", "--format FORMAT"}},
		{"version", nil},
	}
	for _, tc := range cases {
		t.Run(tc.cmd, func(t *testing.T) {
			for _, help := range []string{"--help", "-h"} {
				code, out, errOut := runCLI(t, tc.cmd, help)
				if code != 0 || errOut != "" {
					t.Fatalf("%s %s: exit %d, stderr %q", tc.cmd, help, code, errOut)
				}
				if !strings.HasPrefix(out, "Usage: agentd "+tc.cmd) {
					t.Errorf("%s %s: usage line missing:\n%s", tc.cmd, help, out)
				}
				for _, f := range tc.flags {
					if !strings.Contains(out, "\n  "+f+"\n") {
						t.Errorf("%s %s: lacks %q:\n%s", tc.cmd, help, f, out)
					}
				}
				for _, line := range strings.Split(out, "\n") {
					if strings.HasPrefix(line, "  -") && !strings.HasPrefix(line, "  --") {
						t.Errorf("%s %s: single-dash flag %q", tc.cmd, help, line)
					}
				}
			}

			code, out, errOut := runCLI(t, tc.cmd, "--config", filepath.Join(t.TempDir(), "c.yaml"), "extra")
			if tc.cmd == "version" {
				code, out, errOut = runCLI(t, tc.cmd, "extra")
			}
			if code != 2 || out != "" || !strings.Contains(errOut, `agentd `+tc.cmd+`: unexpected argument "extra"`) {
				t.Errorf("stray argument: exit %d, stdout %q, stderr %q", code, out, errOut)
			}

			code, _, errOut = runCLI(t, tc.cmd, "--no-such-flag")
			if code != 2 || !strings.Contains(errOut, "agentd "+tc.cmd+": flag provided but not defined: -no-such-flag") ||
				!strings.Contains(errOut, "Usage: agentd "+tc.cmd) {
				t.Errorf("unknown flag: exit %d, stderr %q", code, errOut)
			}
		})
	}
}

// TestInitThenService follows the README: init, then init --service. The
// second writes the unit although the config exists, leaves the config
// alone and says so; a third writes nothing and fails.
func TestInitThenService(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	// init --service may ask `go env GOPATH` under go test; the go command
	// then writes telemetry files below XDG_CONFIG_HOME, possibly after the
	// test ends. A fixed GOPATH keeps the go command out of the temp dir.
	t.Setenv("GOPATH", filepath.Join(t.TempDir(), "gopath"))
	t.Setenv("GOBIN", "")
	gobin := filepath.Join(dir, "gobin")
	t.Setenv("GOBIN", gobin)
	t.Setenv("PATH", filepath.Join(dir, "empty")) // no agentd on $PATH
	cfg := filepath.Join(dir, "agentd", "config.yaml")
	unitPath := filepath.Join(dir, "systemd", "user", "agentd.service")

	code, out, errOut := runCLI(t, "init", "--config", cfg)
	if code != 0 || !strings.Contains(out, "wrote "+cfg) {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(unitPath); err == nil {
		t.Fatal("init without --service wrote a unit")
	}

	code, out, errOut = runCLI(t, "init", "--config", cfg, "--service")
	if code != 0 {
		t.Fatalf("init --service: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"left " + cfg + " as it is", "wrote " + unitPath, "go install ./cmd/agentd"} {
		if !strings.Contains(out, want) {
			t.Errorf("init --service output lacks %q:\n%s", want, out)
		}
	}
	unit, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	// The test binary is a go-build throwaway, as under go run: the unit
	// starts the installed agentd instead.
	if want := "ExecStart=" + filepath.Join(gobin, "agentd") + " run --config " + cfg + "\n"; !strings.Contains(string(unit), want) {
		t.Errorf("unit lacks %q:\n%s", want, unit)
	}

	code, out, errOut = runCLI(t, "init", "--config", cfg, "--service")
	if code == 0 || !strings.Contains(out, "left "+unitPath) || !strings.Contains(errOut, "exists") {
		t.Fatalf("third init: exit %d\n%s%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(unitPath); string(b) != string(unit) {
		t.Fatal("init overwrote the unit")
	}
}

func TestServiceBinary(t *testing.T) {
	found := func(p string) func(string) (string, error) {
		return func(string) (string, error) { return p, nil }
	}
	notFound := func(string) (string, error) { return "", os.ErrNotExist }
	env := func(lookPath func(string) (string, error), vars map[string]string, goPath string) exeEnv {
		return exeEnv{
			lookPath: lookPath,
			getenv:   func(k string) string { return vars[k] },
			goPath:   func() string { return goPath },
			tempDir:  "/tmp",
			home:     "/home/ann",
		}
	}
	cases := []struct {
		name      string
		exe       string
		env       exeEnv
		want      string
		installed bool
	}{
		{"installed binary", "/usr/local/bin/agentd", env(notFound, nil, ""), "/usr/local/bin/agentd", true},
		{"go run, agentd on PATH", "/tmp/go-build123/b001/exe/agentd", env(found("/home/ann/go/bin/agentd"), nil, ""), "/home/ann/go/bin/agentd", true},
		{"go run with GOTMPDIR elsewhere", "/var/cache/go-build9/b001/exe/agentd", env(found("/opt/bin/agentd"), nil, ""), "/opt/bin/agentd", true},
		{"built into the temp dir", "/tmp/x/agentd", env(found("/opt/bin/agentd"), nil, ""), "/opt/bin/agentd", true},
		{"go run, GOBIN", "/tmp/go-build1/b001/exe/agentd", env(notFound, map[string]string{"GOBIN": "/srv/gobin"}, "/gp"), "/srv/gobin/agentd", false},
		{"go run, go env GOPATH", "/tmp/go-build1/b001/exe/agentd", env(notFound, nil, "/gp"), "/gp/bin/agentd", false},
		{"go run, GOPATH list", "/tmp/go-build1/b001/exe/agentd", env(notFound, map[string]string{"GOPATH": "/a:/b"}, ""), "/a/bin/agentd", false},
		{"go run, no go", "/tmp/go-build1/b001/exe/agentd", env(notFound, nil, ""), "/home/ann/go/bin/agentd", false},
		{"PATH finds only another throwaway", "/tmp/go-build1/b001/exe/agentd", env(found("/tmp/go-build2/agentd"), nil, "/gp"), "/gp/bin/agentd", false},
		{"tmp-like name outside the temp dir", "/tmpfoo/agentd", env(notFound, nil, ""), "/tmpfoo/agentd", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, installed := serviceBinary(tc.exe, tc.env)
			if got != tc.want || installed != tc.installed {
				t.Errorf("serviceBinary(%q) = %q, %v; want %q, %v", tc.exe, got, installed, tc.want, tc.installed)
			}
		})
	}
}

// TestLogTimesInUserZone: once the config is loaded, log times are in the
// user's zone, as suggestions are, for both log formats.
func TestLogTimesInUserZone(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*60*60)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			c := &common{logFormat: format, logLevel: "info"}
			logger, err := c.logger(&buf)
			if err != nil {
				t.Fatal(err)
			}
			logger.Info("before")
			c.zone.set(tokyo)
			logger.Info("after", "at", time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 2 {
				t.Fatalf("want 2 log lines, got:\n%s", buf.String())
			}
			if strings.Contains(lines[0], "+09:00") && time.Now().In(time.Local).Format("-07:00") != "+09:00" {
				t.Errorf("zone applied before the config was loaded: %s", lines[0])
			}
			var stamp string
			if format == "json" {
				var rec map[string]any
				if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil {
					t.Fatal(err)
				}
				stamp, _ = rec["time"].(string)
				if rec["at"] != "2026-12-03T09:00:00Z" {
					t.Errorf("an attribute's time was changed: %v", rec["at"])
				}
			} else {
				stamp, _, _ = strings.Cut(strings.TrimPrefix(lines[1], "time="), " ")
				if !strings.Contains(lines[1], "at=2026-12-03T09:00:00.000Z") {
					t.Errorf("an attribute's time was changed: %s", lines[1])
				}
			}
			ts, err := time.Parse(time.RFC3339Nano, stamp)
			if err != nil {
				t.Fatalf("log time %q: %v\n%s", stamp, err, lines[1])
			}
			if _, off := ts.Zone(); off != 9*60*60 {
				t.Errorf("log time %q is not in the user's zone", stamp)
			}
		})
	}
}

// The daemon's binary turns heap-profile sampling off before the packages
// that allocate at init run (internal/memprofile is initialized among the
// first): `agentd version` traces every package's init in order.
func TestHeapProfilingOffBeforeHeavyInits(t *testing.T) {
	bin := buildAgentd(t)
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("agentd version: %v\n%s", err, out)
	}
	order := map[string]int{}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "init" {
			n++
			order[f[1]] = n
		}
	}
	first := order["github.com/agentd/agentd/internal/memprofile"]
	if first == 0 {
		t.Fatalf("no init trace of internal/memprofile in:\n%s", out)
	}
	for _, heavy := range []string{"github.com/nyaruka/phonenumbers", "github.com/nats-io/nats-server/v2/server", "github.com/agentd/agentd/planner/extract"} {
		if order[heavy] == 0 || order[heavy] < first {
			t.Errorf("%s initialized at %d, internal/memprofile at %d", heavy, order[heavy], first)
		}
	}
}
