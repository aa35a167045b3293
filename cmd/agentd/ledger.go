package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/agentd/agentd/internal/app"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/planner/llm"
)

// cmdLedger prints the egress ledger: every request agentd sent to a model.
func cmdLedger(args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags("ledger", stderr)
	since := fs.String("since", "24h", "how far back: a `DURATION` (24h, 7d) or an RFC 3339 time")
	format := fs.String("format", "text", "output `FORMAT`: text or json (one entry per line)")
	if code, done := parseFlags(fs, "ledger", args, stdout, stderr); done {
		return code
	}
	from, err := parseSince(*since, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "agentd ledger: --since:", err)
		return 2
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "agentd ledger: --format %q: use text or json\n", *format)
		return 2
	}
	logger, cfg, code, ok := c.setup(stderr, true)
	if !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	entries, err := app.ReadLedger(ctx, cfg, from, logger)
	if err != nil {
		fmt.Fprintln(stderr, "agentd ledger:", err)
		return 1
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return 1
			}
		}
		return 0
	}
	writeLedger(stdout, entries, cfg, from)
	return 0
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := config.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a duration (24h, 7d) nor an RFC 3339 time", s)
	}
	return now.Add(-time.Duration(d)), nil
}

func writeLedger(w io.Writer, entries []llm.Entry, cfg *config.Config, from time.Time) {
	loc := cfg.User.Location
	if !cfg.LLM.Enabled() && len(entries) == 0 {
		fmt.Fprintln(w, "No model is configured (no llm section): nothing has left this machine.")
		return
	}
	if len(entries) == 0 {
		fmt.Fprintf(w, "Nothing was sent to a model since %s.\n", from.In(loc).Format("Mon 2 Jan 15:04"))
		return
	}
	var sent, cached, failed, bytesOut, bytesIn, tokOut, tokIn int
	for _, e := range entries {
		line := fmt.Sprintf("%s  %-9s %s %s", e.Time.In(loc).Format("2006-01-02 15:04:05"), e.Purpose, e.Host, e.Model)
		switch {
		case e.Cached:
			cached++
			line += "  answered from the cache: nothing sent"
		default:
			sent++
			bytesOut += e.BytesOut
			bytesIn += e.BytesIn
			tokOut += e.TokensOut
			tokIn += e.TokensIn
			est := ""
			if e.Estimated {
				est = "~"
			}
			line += fmt.Sprintf("  out %s/%s%d tok, in %s/%s%d tok", size(e.BytesOut), est, e.TokensOut, size(e.BytesIn), est, e.TokensIn)
		}
		if len(e.Redactions) > 0 {
			var rs []string
			for class, n := range e.Redactions {
				rs = append(rs, fmt.Sprintf("%s %d", strings.ToLower(class), n))
			}
			sort.Strings(rs)
			line += "  redacted: " + strings.Join(rs, ", ")
		}
		if len(e.Items) > 0 {
			line += "  about: " + strings.Join(e.Items, ", ")
		}
		if e.Error != "" {
			failed++
			line += "  failed: " + e.Error
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "%d requests sent (%d failed), %d answered from the cache; %s and %d tokens out, %s and %d tokens in\n",
		sent, failed, cached, size(bytesOut), tokOut, size(bytesIn), tokIn)
}

func size(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1024)
}
