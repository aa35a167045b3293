package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/app"
	"github.com/agentd/agentd/internal/suggestions"
)

// shortID is how many characters of an id the list shows; any unique
// prefix answers.
const shortID = 8

// cmdSuggestions lists the suggestions agentd made and answers them.
func cmdSuggestions(args []string, stdout, stderr io.Writer) int {
	return suggestionsCommand(args, stdout, stderr, time.Now)
}

// suggestionsCommand is cmdSuggestions on the clock now.
func suggestionsCommand(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	fs, c := newFlags("suggestions", stderr)
	all := fs.Bool("all", false, "list every suggestion, also those answered, withdrawn or expired (list only)")
	format := fs.String("format", "text", "output `FORMAT`: text or json (one record per line)")
	pos, code, done := parseFlagsArgs(fs, "suggestions", args, stdout, stderr)
	if done {
		return code
	}
	action := "list"
	if len(pos) > 0 {
		switch pos[0] {
		case "list", suggestions.ActionAccept, suggestions.ActionDismiss, suggestions.ActionDone, suggestions.ActionSnooze:
			action, pos = pos[0], pos[1:]
		default:
			fmt.Fprintf(stderr, "agentd suggestions: unexpected argument %q: use list, accept, dismiss, done or snooze (see agentd suggestions --help)\n", pos[0])
			return 2
		}
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "agentd suggestions: --format %q: use text or json\n", *format)
		return 2
	}
	var id, until string
	switch {
	case action == "list" && len(pos) > 0:
		fmt.Fprintf(stderr, "agentd suggestions: unexpected argument %q (see agentd suggestions --help)\n", pos[0])
		return 2
	case action != "list" && len(pos) == 0:
		fmt.Fprintf(stderr, "agentd suggestions %s: which suggestion? Give its ID (or the start of it) as agentd suggestions list shows it\n", action)
		return 2
	case action == suggestions.ActionSnooze && len(pos) > 2, action != "list" && action != suggestions.ActionSnooze && len(pos) > 1:
		fmt.Fprintf(stderr, "agentd suggestions %s: unexpected argument %q\n", action, pos[len(pos)-1])
		return 2
	case action != "list":
		id = pos[0]
		if len(pos) > 1 {
			until = pos[1]
		}
	}
	if action != "list" && *all {
		fmt.Fprintf(stderr, "agentd suggestions %s: --all is for list\n", action)
		return 2
	}
	logger, cfg, code, ok := c.setup(stderr, true)
	if !ok {
		return code
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	defer cancelTimeout()
	opts := app.SuggestionsOptions{Logger: logger, Now: now}

	if action == "list" {
		recs, err := app.ListSuggestions(ctx, cfg, *all, opts)
		if err != nil {
			fmt.Fprintln(stderr, "agentd suggestions:", err)
			return 1
		}
		if *format == "json" {
			return writeRecordsJSON(stdout, stderr, recs)
		}
		writeSuggestions(stdout, recs, cfg.User.Location, *all)
		return 0
	}
	rec, err := app.AnswerSuggestion(ctx, cfg, id, action, until, opts)
	if err != nil {
		fmt.Fprintf(stderr, "agentd suggestions %s: %v\n", action, err)
		return 1
	}
	if *format == "json" {
		return writeRecordsJSON(stdout, stderr, []suggestions.Record{rec})
	}
	writeAnswer(stdout, rec, action, cfg.User.Location)
	return 0
}

// parseFlagsArgs is parseFlags for a command that takes arguments: flags
// may come before, between or after them. It returns the arguments.
func parseFlagsArgs(fs *flag.FlagSet, name string, args []string, stdout, stderr io.Writer) (pos []string, code int, done bool) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			printUsage(stdout, fs, name)
			return nil, 0, true
		case err != nil:
			fmt.Fprintf(stderr, "agentd %s: %v\n\n", name, err)
			printUsage(stderr, fs, name)
			return nil, 2, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func writeRecordsJSON(stdout, stderr io.Writer, recs []suggestions.Record) int {
	enc := json.NewEncoder(stdout)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(stderr, "agentd suggestions:", err)
			return 1
		}
	}
	return 0
}

// when is the moment a record's line shows, in loc: when it is due (or
// comes back from a snooze), else when it was made.
func when(r suggestions.Record, loc *time.Location) string {
	const layout = "Mon 2006-01-02 15:04"
	if due := r.Next().Due; !due.IsZero() {
		label := "due "
		if r.Status == event.StatusSnoozed {
			label = "back "
		}
		return label + due.In(loc).Format(layout)
	}
	return "made " + r.Created.In(loc).Format(layout)
}

func short(id string) string {
	if len(id) > shortID {
		return id[:shortID]
	}
	return id
}

// writeSuggestions prints one line per record: short id, status, kind,
// priority, when (in loc) and title, and for one made quieter, why.
func writeSuggestions(w io.Writer, recs []suggestions.Record, loc *time.Location, all bool) {
	if len(recs) == 0 {
		if all {
			fmt.Fprintln(w, "No suggestions yet.")
		} else {
			fmt.Fprintln(w, "No open suggestions (agentd suggestions list --all shows the answered ones too).")
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range recs {
		s := r.Suggestion
		title := oneLine(s.Title)
		if r.Quieter != nil {
			// The rule was dismissed often: say why this one is quiet.
			title += " (" + r.Quieter.Note() + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", short(s.ID), r.Status, s.Kind, cmp.Or(s.Priority, event.PriorityNormal), when(r, loc), title)
	}
	tw.Flush()
}

// writeAnswer says what was recorded; a snooze says when it comes back.
func writeAnswer(w io.Writer, r suggestions.Record, action string, loc *time.Location) {
	title := oneLine(r.Suggestion.Title)
	id := short(r.Suggestion.ID)
	switch action {
	case suggestions.ActionSnooze:
		fmt.Fprintf(w, "snoozed %s %q: it comes back %s\n", id, title, r.Until.In(loc).Format("Mon 2 Jan 2006 at 15:04 MST"))
	case suggestions.ActionDone:
		fmt.Fprintf(w, "marked %s %q done\n", id, title)
	case suggestions.ActionAccept:
		fmt.Fprintf(w, "accepted %s %q\n", id, title)
	default:
		fmt.Fprintf(w, "dismissed %s %q\n", id, title)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
