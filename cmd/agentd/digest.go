package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/agentd/agentd/internal/app"
)

// cmdDigest runs `agentd digest preview` and `agentd digest send`.
func cmdDigest(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(stdout, digestUsage)
			return 0
		}
		fmt.Fprint(stderr, "agentd digest: say preview or send\n\n"+digestUsage)
		return 2
	}
	switch args[0] {
	case "preview":
		return cmdDigestPreview(args[1:], stdout, stderr)
	case "send":
		return cmdDigestSend(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "agentd digest: unknown command %q\n\n"+digestUsage, args[0])
	return 2
}

const digestUsage = `Usage:
  agentd digest preview [--config FILE] [--at TIME] [--html FILE]
                                    show the daily digest without sending it
  agentd digest send    [--config FILE]
                                    send a digest now (not the daily one)
`

func cmdDigestPreview(args []string, stdout, stderr io.Writer) int {
	const name = "digest preview"
	fs, c := newFlags(name, stderr)
	at := fs.String("at", "", "the moment to build it for: an RFC 3339 `TIME` or HH:MM today in your zone (default: now)")
	htmlFile := fs.String("html", "", "also write the HTML part to `FILE`")
	if code, done := parseFlags(fs, name, args, stdout, stderr); done {
		return code
	}
	logger, cfg, code, ok := c.setup(stderr, true)
	if !ok {
		return code
	}
	when, err := parseAt(*at, time.Now(), cfg.User.Location)
	if err != nil {
		fmt.Fprintln(stderr, "agentd digest preview: --at:", err)
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	r, err := app.DigestPreview(ctx, cfg, when, logger)
	if err != nil {
		fmt.Fprintln(stderr, "agentd digest preview:", err)
		return 1
	}
	fmt.Fprintf(stdout, "Subject: %s\n\n%s", r.Subject, r.Text)
	if *htmlFile != "" {
		if err := os.WriteFile(*htmlFile, []byte(r.HTML), 0o600); err != nil {
			fmt.Fprintln(stderr, "agentd digest preview: --html:", err)
			return 1
		}
	}
	return 0
}

func cmdDigestSend(args []string, stdout, stderr io.Writer) int {
	const name = "digest send"
	fs, c := newFlags(name, stderr)
	if code, done := parseFlags(fs, name, args, stdout, stderr); done {
		return code
	}
	logger, cfg, code, ok := c.setup(stderr, false)
	if !ok {
		return code
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	id, err := app.DigestSend(ctx, cfg, logger)
	if err != nil {
		fmt.Fprintln(stderr, "agentd digest send:", err)
		return 1
	}
	fmt.Fprintf(stdout, "sent the digest to %s (Message-ID <%s>)\n", cfg.Notify.Digest.To, id)
	return 0
}

// parseAt reads --at: an RFC 3339 time, or HH:MM on now's day in loc.
func parseAt(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if s == "" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if c, err := time.Parse("15:04", s); err == nil {
		l := now.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), c.Hour(), c.Minute(), 0, 0, loc), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-12-08T07:30:00+01:00) nor HH:MM today", s)
}
