// Command agentd is a proactive personal agent: it watches mail (IMAP and
// Maildir), calendars (CalDAV, ICS subscriptions, local files) and feeds,
// and tells you what matters before you ask.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/agentd/agentd/internal/app"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/memprofile"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

const usage = `agentd: a proactive personal agent for your feeds, mail and calendars.

Usage:
  agentd run     [--config FILE]             run the daemon (Ctrl-C stops, SIGHUP reloads the config)
  agentd init    [--config FILE] [--service] write a commented example config (never overwrites)
  agentd check   [--config FILE] [--show-bus-credentials]
                                             validate the config and try every source and notifier once
  agentd plan    [--config FILE] --at TIME [--horizon 48h] [--format text|json]
                                             print what agentd would suggest at TIME, sending nothing
  agentd ledger  [--config FILE] [--since 24h] [--format text|json]
                                             list every request sent to a model (the egress ledger)
  agentd digest  preview [--at TIME] [--html FILE] | send
                                             show the daily digest without sending it, or send one now
  agentd suggestions [list] [--config FILE] [--all] [--format text|json]
                                             list the suggestions agentd made (open ones; --all: every one)
  agentd suggestions dismiss|done|accept ID  answer a suggestion (ID: the start of its id, as listed)
  agentd suggestions snooze ID [10m|1h|tomorrow]
                                             show it again later (default 1h; tomorrow: 09:00)
  agentd repair  [--config FILE]             mend a damaged store (daemon stopped): move unreadable
                                             files aside, rebuild consumers; nothing is lost or announced again
  agentd version                             print the version

Common flags: --log-format text|json, --log-level debug|info|warn|error
Default config: %s
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, usage, config.DefaultPath())
		return 2
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(args, stdout, stderr)
	case "init":
		return cmdInit(args, stdout, stderr)
	case "check":
		return cmdCheck(args, stdout, stderr)
	case "plan":
		return cmdPlan(args, stdout, stderr)
	case "ledger":
		return cmdLedger(args, stdout, stderr)
	case "digest":
		return cmdDigest(args, stdout, stderr)
	case "suggestions":
		return cmdSuggestions(args, stdout, stderr)
	case "repair":
		return cmdRepair(args, stdout, stderr)
	case "version", "--version", "-v":
		return cmdVersion(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintf(stdout, usage, config.DefaultPath())
		return 0
	default:
		fmt.Fprintf(stderr, "agentd: unknown command %q\n\n"+usage, cmd, config.DefaultPath())
		return 2
	}
}

// common holds the flags every subcommand shares.
type common struct {
	config    string
	logFormat string
	logLevel  string
	zone      logZone // the zone log times are shown in, once the config says
}

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("agentd "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &common{}
	fs.StringVar(&c.config, "config", config.DefaultPath(), "the `FILE` to read")
	fs.StringVar(&c.logFormat, "log-format", "", "log `FORMAT`: text or json (default: text on a terminal, json otherwise)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log `LEVEL`: debug, info, warn or error")
	return fs, c
}

// quietLogger is the logger of a command whose own output says what
// happened: at the default level the components' info logs would only
// repeat it, so they are left out (an explicit --log-level stands).
func (c *common) quietLogger(stderr io.Writer) (*slog.Logger, error) {
	if c.logLevel == "info" {
		c.logLevel = "warn"
	}
	return c.logger(stderr)
}

// load reads the config and shows log times in its zone; on failure it
// says why on stderr and returns the exit code (ok false).
func (c *common) load(stderr io.Writer) (*config.Config, bool) {
	cfg, err := config.Load(c.config)
	if err != nil {
		fmt.Fprintln(stderr, "agentd:", err)
		return nil, false
	}
	c.zone.set(cfg.User.Location)
	return cfg, true
}

// setup starts a command that reads the config: it makes the logger (quiet:
// see quietLogger) and loads the config. On failure it has said why on
// stderr and code is the exit status: 2 for a bad --log-* flag, 1 for a
// config that does not load.
func (c *common) setup(stderr io.Writer, quiet bool) (logger *slog.Logger, cfg *config.Config, code int, ok bool) {
	var err error
	if quiet {
		logger, err = c.quietLogger(stderr)
	} else {
		logger, err = c.logger(stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "agentd:", err)
		return nil, nil, 2, false
	}
	if cfg, ok = c.load(stderr); !ok {
		return nil, nil, 1, false
	}
	return logger, cfg, 0, true
}

func (c *common) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: c.zone.replaceAttr}
	format := c.logFormat
	if format == "" {
		format = "json"
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format %q: use text or json", format)
	}
}

// daemonGCPercent is the garbage collector's target for `agentd run`.
const daemonGCPercent = 50

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags("run", stderr)
	pprofAddr := fs.String("pprof-addr", "", "serve Go profiles (net/http/pprof) on this loopback `ADDR`, e.g. 127.0.0.1:6060")
	if code, done := parseFlags(fs, "run", args, stdout, stderr); done {
		return code
	}
	if *pprofAddr != "" {
		memprofile.Enable()
	}
	if os.Getenv("GOGC") == "" {
		// A daemon's heap is small and mostly idle: collecting at 50%
		// growth instead of 100% keeps 3 to 4 MB less resident for a few
		// milliseconds of CPU per burst. GOGC in the environment wins.
		debug.SetGCPercent(daemonGCPercent)
	}
	logger, cfg, code, ok := c.setup(stderr, false)
	if !ok {
		return code
	}
	a, err := app.New(app.Options{Config: cfg, Logger: logger, Stdout: stdout})
	if err != nil {
		fmt.Fprintln(stderr, "agentd:", err)
		return 1
	}

	// Signals are caught before starting, so a SIGHUP from a service
	// manager cannot kill a starting daemon and Ctrl-C can cut a slow start
	// (an external bus that does not answer) short.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if *pprofAddr != "" {
		if err := servePprof(ctx, *pprofAddr, logger); err != nil {
			fmt.Fprintln(stderr, "agentd:", err)
			return 2
		}
	}
	started := make(chan error, 1)
	go func() { started <- a.Start(ctx) }()
	reload := func() {
		next, err := config.Load(c.config)
		if err != nil {
			logger.Error("reload: config has errors, keeping the running one", "err", err)
			return
		}
		if err := a.Reload(ctx, next); err != nil {
			logger.Error("reload failed", "err", err)
			return
		}
		c.zone.set(next.User.Location)
	}
	reloadPending := false
	for waiting := true; waiting; {
		select {
		case err := <-started:
			if err != nil {
				logger.Error("cannot start", "err", err)
				return 1
			}
			waiting = false
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				reloadPending = true // reload once started
				continue
			}
			logger.Info("interrupted while starting")
			cancel()
			if err := <-started; err == nil {
				stopCtx, stopCancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer stopCancel()
				a.Stop(stopCtx)
			}
			return 1
		}
	}
	if reloadPending {
		reload()
	}

	for sig := range sigs {
		if sig == syscall.SIGHUP {
			reload()
			continue
		}
		break
	}
	logger.Info("stopping (send the signal again to force)")
	go func() {
		// A second SIGINT/SIGTERM forces exit.
		for sig := range sigs {
			if sig != syscall.SIGHUP {
				logger.Warn("forced exit")
				os.Exit(1)
			}
		}
	}()
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer stopCancel()
	if err := a.Stop(stopCtx); err != nil {
		logger.Error("stop", "err", err)
		return 1
	}
	return 0
}

func cmdInit(args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags("init", stderr)
	service := fs.Bool("service", false, "also write a systemd user unit to ~/.config/systemd/user/agentd.service (if missing)")
	if code, done := parseFlags(fs, "init", args, stdout, stderr); done {
		return code
	}
	// Each file is written when missing and left alone when it exists, so
	// `agentd init` then `agentd init --service` gives both.
	wrote, left := 0, 0
	err := config.WriteExample(c.config)
	switch {
	case errors.Is(err, iofs.ErrExist):
		fmt.Fprintf(stdout, "left %s as it is (it exists)\n", c.config)
		left++
	case err != nil:
		fmt.Fprintln(stderr, "agentd init:", err)
		return 1
	default:
		fmt.Fprintf(stdout, "wrote %s\nedit it, then run: agentd check --config %s\n", c.config, c.config)
		wrote++
	}
	if *service {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(stderr, "agentd init:", err)
			return 1
		}
		bin, installed := serviceBinary(exe, hostExeEnv())
		path, err := writeService(bin, c.config)
		switch {
		case errors.Is(err, errExists):
			fmt.Fprintf(stdout, "left %s as it is (it exists)\n", path)
			left++
		case err != nil:
			fmt.Fprintln(stderr, "agentd init:", err)
			return 1
		default:
			fmt.Fprintf(stdout, "wrote %s\n", path)
			if !installed {
				fmt.Fprintf(stdout, "its ExecStart is %s: install agentd there first with: go install ./cmd/agentd\n", bin)
			}
			fmt.Fprintf(stdout, "start it with: systemctl --user daemon-reload && systemctl --user enable --now agentd\n")
			wrote++
		}
	}
	if wrote == 0 && left > 0 {
		fmt.Fprintln(stderr, "agentd init: nothing to write, everything exists already (remove a file first to write a new one)")
		return 1
	}
	return 0
}

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags("check", stderr)
	showCreds := fs.Bool("show-bus-credentials", false, "print the URL and token a NATS client needs to connect to the listening bus, and nothing else")
	if code, done := parseFlags(fs, "check", args, stdout, stderr); done {
		return code
	}
	if *showCreds {
		return showBusCredentials(c.config, stdout, stderr)
	}
	logger, err := c.quietLogger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "agentd:", err)
		return 2
	}
	cfg, err := config.Load(c.config)
	if err != nil {
		fmt.Fprintf(stdout, "FAIL  config  %v\n", err)
		return 1
	}
	c.zone.set(cfg.User.Location)
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	failed := 0
	for _, r := range app.Check(ctx, cfg, logger, nil) {
		mark := "ok  "
		if !r.OK {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "%s  %-24s %s\n", mark, r.Component, r.Detail)
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "%d problem(s)\n", failed)
		return 1
	}
	return 0
}

func cmdPlan(args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags("plan", stderr)
	at := fs.String("at", "", "the moment to plan for, RFC 3339 `TIME` (default: now)")
	horizon := durationFlag(48 * time.Hour)
	fs.Var(&horizon, "horizon", "list reminders due within this `DURATION` after --at (36h, 2d)")
	format := fs.String("format", "text", "output `FORMAT`: text or json (one object per line)")
	if code, done := parseFlags(fs, "plan", args, stdout, stderr); done {
		return code
	}
	when := time.Now()
	if *at != "" {
		var err error
		if when, err = time.Parse(time.RFC3339, *at); err != nil {
			fmt.Fprintf(stderr, "agentd plan: --at %q is not an RFC 3339 time (example: 2026-11-27T09:00:00+01:00)\n", *at)
			return 2
		}
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "agentd plan: --format %q: use text or json\n", *format)
		return 2
	}
	logger, cfg, code, ok := c.setup(stderr, true)
	if !ok {
		return code
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	ss, failed, err := app.Plan(ctx, cfg, app.PlanOptions{At: when, Horizon: time.Duration(horizon), Logger: logger})
	if err != nil {
		fmt.Fprintln(stderr, "agentd plan:", err)
		return 1
	}
	for _, f := range failed {
		fmt.Fprintf(stderr, "agentd plan: %s (skipped)\n", f.Error())
	}
	if err := printPlan(stdout, ss, *format, cfg.User.Location); err != nil {
		fmt.Fprintln(stderr, "agentd plan:", err)
		return 1
	}
	if len(failed) > 0 {
		return 1
	}
	return 0
}

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("agentd version", flag.ContinueOnError)
	if code, done := parseFlags(fs, "version", args, stdout, stderr); done {
		return code
	}
	fmt.Fprintln(stdout, "agentd", buildVersion())
	return 0
}

func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return formatVersion(bi)
}

// formatVersion describes a build from its build info: the module version
// when there is one (go install module@version), otherwise what the VCS
// stamping recorded, e.g. "(devel) rev 85fe379 2026-12-03T09:00:00Z
// modified, go1.26.8".
func formatVersion(bi *debug.BuildInfo) string {
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		if bi.GoVersion != "" {
			return bi.Main.Version + ", " + bi.GoVersion
		}
		return bi.Main.Version
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
			if len(rev) > 7 {
				rev = rev[:7]
			}
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	v := "(devel)"
	if rev != "" {
		v += " rev " + rev
	}
	if at != "" {
		v += " " + at
	}
	if modified {
		v += " modified"
	}
	if bi.GoVersion != "" {
		v += ", " + bi.GoVersion
	}
	return v
}

var errExists = errors.New("already exists")
