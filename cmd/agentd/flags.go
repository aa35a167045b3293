package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/agentd/agentd/internal/config"
)

// synopsis returns a subcommand's usage line and one-line description, as
// the top-level help shows them.
func synopsis(name string) (usageLine, what string) {
	switch name {
	case "run":
		return "agentd run [--config FILE] [--pprof-addr ADDR]", "Run the daemon (Ctrl-C stops, SIGHUP reloads the config)."
	case "init":
		return "agentd init [--config FILE] [--service]", "Write a commented example config and, with --service, a systemd user unit.\nWrites what is missing, never overwrites."
	case "check":
		return "agentd check [--config FILE] [--show-bus-credentials]", "Validate the config and try every source and notifier once, and say who can reach the bus.\n" +
			"With --show-bus-credentials, print only the URL and token to connect to the listening bus."
	case "plan":
		return "agentd plan [--config FILE] [--at TIME] [--horizon 48h] [--format text|json]", "Print what agentd would suggest at TIME, sending nothing."
	case "ledger":
		return "agentd ledger [--config FILE] [--since 24h] [--format text|json]", "List every request agentd sent to a model: when, what for, how much, what was redacted."
	case "digest preview":
		return "agentd digest preview [--config FILE] [--at TIME] [--html FILE]", "Show the daily digest as it would be at TIME, sending nothing: the text on stdout, the HTML in FILE."
	case "digest send":
		return "agentd digest send [--config FILE]", "Build the digest now and send it at once (it does not take the place of the daily one)."
	case "suggestions":
		return "agentd suggestions [list] [--config FILE] [--all] [--format text|json]\n" +
				"       agentd suggestions dismiss|done|accept ID [--config FILE] [--format text|json]\n" +
				"       agentd suggestions snooze ID [10m|1h|tomorrow] [--config FILE] [--format text|json]",
			"List the suggestions agentd made (open ones; --all for every one) and answer one: dismiss it,\n" +
				"mark it done, accept it, or snooze it for a while (default 1h; tomorrow is 09:00 the next day in\n" +
				"your zone). ID is the start of a suggestion's id, as the list shows it. The running daemon is asked\n" +
				"through its control socket; when none runs, the data dir is read and changed directly."
	case "repair":
		return "agentd repair [--config FILE]", "Mend a damaged store while the daemon is stopped: move the files the bus cannot read to\n" +
			"<data dir>/jetstream.damaged-<time>/ and rebuild the damaged consumers from their streams' first message:\n" +
			"at the next start agentd goes through what the streams hold again, so nothing that was not handled yet is\n" +
			"lost. The delivery log and the suggestion records stay, so nothing already delivered is announced again."
	case "version":
		return "agentd version", "Print the version."
	}
	return "agentd " + name, ""
}

// printUsage writes a subcommand's help, spelling flags --name as the
// top-level help does.
func printUsage(w io.Writer, fs *flag.FlagSet, name string) {
	line, what := synopsis(name)
	fmt.Fprintf(w, "Usage: %s\n\n", line)
	if what != "" {
		fmt.Fprintf(w, "%s\n", what)
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintf(w, "\nFlags:\n")
			first = false
		}
		arg, help := flag.UnquoteUsage(f)
		head := "  --" + f.Name
		if arg != "" {
			head += " " + arg
		}
		if f.DefValue != "" && f.DefValue != "false" {
			help += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "%s\n      %s\n", head, strings.ReplaceAll(help, "\n", "\n      "))
	})
}

// parseFlags parses a subcommand's arguments. When done is true the command
// must stop and exit with code: 0 after --help or -h (the help went to
// stdout), 2 after a bad flag or a positional argument no subcommand takes
// (the error and the help went to stderr).
func parseFlags(fs *flag.FlagSet, name string, args []string, stdout, stderr io.Writer) (code int, done bool) {
	fs.SetOutput(io.Discard) // errors and help are printed below, to the right stream
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout, fs, name)
		return 0, true
	case err != nil:
		fmt.Fprintf(stderr, "agentd %s: %v\n\n", name, err)
		printUsage(stderr, fs, name)
		return 2, true
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "agentd %s: unexpected argument %q (flags are spelled --name value; see agentd %s --help)\n",
			name, fs.Arg(0), name)
		return 2, true
	}
	return 0, false
}

// durationFlag is a flag taking a duration as the config and --since
// spell it: Go's units plus d and w (36h, 2d, 1w).
type durationFlag config.Duration

func (d *durationFlag) String() string { return config.Duration(*d).String() }

func (d *durationFlag) Set(s string) error {
	v, err := config.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = durationFlag(v)
	return nil
}
