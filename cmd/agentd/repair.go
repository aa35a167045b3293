package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/agentd/agentd/internal/app"
	"github.com/agentd/agentd/internal/bus"
)

// cmdRepair mends a damaged store: it moves what the embedded server cannot
// read aside and rebuilds the damaged durable consumers, which replay their
// streams at the next start (see bus.Repair). It refuses while a daemon
// holds the data dir.
func cmdRepair(args []string, stdout, stderr io.Writer) int {
	fs, c := newFlags("repair", stderr)
	if code, done := parseFlags(fs, "repair", args, stdout, stderr); done {
		return code
	}
	logger, cfg, code, ok := c.setup(stderr, false)
	if !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := app.Repair(ctx, cfg, logger)
	if lerr := (*bus.LockedError)(nil); errors.As(err, &lerr) {
		// The lock's own advice (another data dir) is for a second
		// daemon; a repair must mend this one, so the daemon goes.
		who := "another process"
		if lerr.PID > 0 {
			who = fmt.Sprintf("a running agentd (pid %d)", lerr.PID)
		}
		fmt.Fprintf(stderr, "agentd repair: data dir %s is in use by %s: stop it first "+
			"(systemctl --user stop agentd, or Ctrl-C where it runs), then run agentd repair again\n", lerr.Dir, who)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "agentd repair:", err)
		return 1
	}
	if len(rep.Damage) == 0 {
		fmt.Fprintln(stdout, "The store is sound: nothing to repair.")
		return 0
	}
	for _, d := range rep.Damage {
		fmt.Fprintln(stdout, "damaged:", d)
	}
	if rep.MovedTo != "" {
		fmt.Fprintln(stdout, "moved aside to", rep.MovedTo, "(delete it once agentd runs well)")
	}
	for _, name := range rep.Buckets {
		fmt.Fprintln(stdout, "rebuilt", name, "from its readable keys: a watcher whose key was lost reads its source again; nothing delivered is announced again")
	}
	for _, c := range rep.Consumers {
		// Its state said what it had handled: it goes through what its
		// stream holds again, so nothing unhandled is lost.
		msgs := "messages"
		if c.Replay == 1 {
			msgs = "message"
		}
		fmt.Fprintf(stdout, "rebuilt consumer %s: at the next start agentd goes through the %d %s its stream holds again;"+
			" nothing already shown is shown again\n", c, c.Replay, msgs)
	}
	fmt.Fprintln(stdout, "Repaired: agentd can start again.")
	return 0
}
