// Package terminal prints suggestions as one human-readable line each, for
// `agentd run` in a terminal, a log file or a journal.
package terminal

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
)

// lateAfter is how far past its due time a reminder must be shown before it
// is marked late; a minute of bus latency is not lateness.
const lateAfter = time.Minute

// Terminal writes one line per suggestion to a writer.
type Terminal struct {
	mu  sync.Mutex // one batch's lines stay together
	w   io.Writer
	loc *time.Location
	now func() time.Time
}

// Option configures a Terminal.
type Option func(*Terminal)

// WithLocation shows times in loc, the user's time zone (default UTC, so
// the output does not depend on the machine's settings).
func WithLocation(loc *time.Location) Option {
	return func(t *Terminal) {
		if loc != nil {
			t.loc = loc
		}
	}
}

// WithClock sets the clock that stamps lines and decides lateness; nil
// keeps time.Now.
func WithClock(now func() time.Time) Option {
	return func(t *Terminal) {
		if now != nil {
			t.now = now
		}
	}
}

// New writes to w.
func New(w io.Writer, opts ...Option) *Terminal {
	t := &Terminal{w: w, loc: time.UTC, now: time.Now}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Name implements notifiers.Notifier.
func (t *Terminal) Name() string { return "terminal" }

// Notify writes one line per suggestion. A write error is permanent: a
// closed pipe or a full disk does not heal within a retry.
func (t *Terminal) Notify(ctx context.Context, ss ...event.Suggestion) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range ss {
		if err := ctx.Err(); err != nil {
			return true, fmt.Errorf("terminal: suggestion %s: %w", s.ID, err)
		}
		if _, err := io.WriteString(t.w, t.Format(s)+"\n"+bodyLines(s)); err != nil {
			return false, fmt.Errorf("terminal: write suggestion %s: %w", s.ID, err)
		}
	}
	return false, nil
}

// maxListLines bounds the lines printed under a suggestion.
const maxListLines = 12

// bodyLines renders the body under the suggestion's line, indented, when it
// says more than that line: a reminder's details, or a list (an agenda, the
// open items of a new mail account). The link is on the line already; a
// feed item's one-line excerpt stays out of the log.
func bodyLines(s event.Suggestion) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s.Body), "\n") {
		if l = clean(l); l != "" && l != clean(s.Link) {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 || (len(lines) == 1 && s.Kind != event.KindReminder) {
		return ""
	}
	var b strings.Builder
	for i, l := range lines {
		if i == maxListLines {
			fmt.Fprintf(&b, "    … and %d more\n", len(lines)-maxListLines)
			break
		}
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// Format renders s as one line (without the newline), for example
//
//	2026-11-27 10:15 [suggestion] Read: Go 1.26 is released — matches your interest "golang" (go-blog) <https://go.dev/blog/go1.26>
//	2026-11-27 10:15 [reminder, high] Dentist — due 09:30, 45m late — from rule calendar-soon (calendar:home)
func (t *Terminal) Format(s event.Suggestion) string {
	now := t.now().In(t.loc)
	var b strings.Builder
	b.WriteString(now.Format("2006-01-02 15:04"))
	b.WriteString(" [")
	b.WriteString(clean(s.Kind))
	if r := event.PriorityRank(s.Priority); r >= event.PriorityRank(event.PriorityHigh) {
		b.WriteString(", " + clean(s.Priority))
	}
	b.WriteString("] ")
	b.WriteString(clean(s.Title))
	if !s.Due.IsZero() {
		b.WriteString(" — due " + t.due(s.Due, now))
	}
	why := clean(s.Why)
	if why != "" {
		b.WriteString(" — " + why)
	}
	// The why usually names the source already ("… (feed go-blog)").
	if src := sources(s.About); src != "" && !strings.Contains(why, src) {
		b.WriteString(" (" + src + ")")
	}
	if link := clean(s.Link); link != "" {
		b.WriteString(" <" + link + ">")
	}
	return b.String()
}

// due shows the time of day alone when it is today, and marks lateness.
func (t *Terminal) due(due, now time.Time) string {
	d := due.In(t.loc)
	layout := "2006-01-02 15:04"
	if y, m, dd := d.Date(); y == now.Year() && m == now.Month() && dd == now.Day() {
		layout = "15:04"
	}
	out := d.Format(layout)
	if late := now.Sub(due); late > lateAfter {
		out += ", " + humanDuration(late) + " late"
	}
	return out
}

// humanDuration renders d to the minute: "45m", "2h5m", "3d4h".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd%dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh%dm", h, m)
	default:
		return fmt.Sprintf("%dm", m)
	}
}

// sources names where the suggestion came from: "go-blog" for "feed:go-blog"
// (feeds are named by the user), the full source otherwise.
func sources(about []event.About) string {
	var names []string
	for _, a := range about {
		name := a.Source
		if kind, rest, ok := strings.Cut(a.Source, ":"); ok && kind == "feed" {
			name = rest
		}
		if name = clean(name); name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// clean keeps text from a mail or a feed from moving the cursor, recolouring
// the terminal or reordering the line: control characters (ESC included)
// become spaces or go, and so do bidirectional overrides.
func clean(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unsafeRune(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

var _ notifiers.Notifier = (*Terminal)(nil)
