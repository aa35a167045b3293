package terminal_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/notifiertest"
	"github.com/agentd/agentd/notifiers/terminal"
)

// lockedBuffer lets the suite read while other goroutines write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.TrimSuffix(l.b.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestConformance(t *testing.T) {
	notifiertest.Run(t, func(t *testing.T) (notifiers.Notifier, func() []string) {
		var buf lockedBuffer
		return terminal.New(&buf), buf.lines
	})
}

func TestFormat(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 9, 15, 0, 0, time.UTC) // 10:15 in Paris
	feed := []event.About{{Source: "feed:go-blog", Type: event.TypeFeedItem, Ref: "x"}}
	cal := []event.About{{Source: "calendar:home", Type: event.TypeCalendarChanged, Ref: "uid"}}

	tests := map[string]struct {
		s    event.Suggestion
		want string
	}{
		"feed suggestion": {
			s: event.Suggestion{ID: "a", Kind: event.KindSuggestion, Priority: event.PriorityNormal,
				Title: "Read: Go 1.26 is released", Why: `matches your interest "golang"`, About: feed,
				Link: "https://go.dev/blog/go1.26"},
			want: `2026-11-27 10:15 [suggestion] Read: Go 1.26 is released — matches your interest "golang" (go-blog) <https://go.dev/blog/go1.26>`,
		},
		"reminder due later today": {
			s: event.Suggestion{ID: "b", Kind: event.KindReminder, Priority: event.PriorityNormal,
				Title: "Dentist", Due: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), About: cal},
			want: "2026-11-27 10:15 [reminder] Dentist — due 11:00 (calendar:home)",
		},
		"late reminder is marked": {
			s: event.Suggestion{ID: "c", Kind: event.KindReminder, Priority: event.PriorityHigh,
				Title: "Dentist", Due: time.Date(2026, 11, 27, 8, 30, 0, 0, time.UTC), Why: "from rule calendar-soon", About: cal},
			want: "2026-11-27 10:15 [reminder, high] Dentist — due 09:30, 45m late — from rule calendar-soon (calendar:home)",
		},
		"reminder a day late shows the date": {
			s: event.Suggestion{ID: "d", Kind: event.KindReminder, Priority: event.PriorityUrgent,
				Title: "Pay rent", Due: time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)},
			want: "2026-11-27 10:15 [reminder, urgent] Pay rent — due 2026-11-26 08:00, 1d2h late",
		},
		"within a minute is not late": {
			s: event.Suggestion{ID: "e", Kind: event.KindReminder, Title: "Call",
				Due: now.Add(-30 * time.Second)},
			want: "2026-11-27 10:15 [reminder] Call — due 10:14",
		},
		"terminal escapes and newlines are neutralised": {
			s: event.Suggestion{ID: "f", Kind: event.KindSuggestion, Priority: event.PriorityLow,
				Title: "Hi\x1b[2J\x1b]0;pwned\x07 there\nsecond line\u202e", About: []event.About{{Source: "mail:work"}, {Source: "mail:work"}}},
			want: "2026-11-27 10:15 [suggestion] Hi[2J]0;pwned there second line (mail:work)",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			term := terminal.New(io.Discard, terminal.WithLocation(paris), terminal.WithClock(func() time.Time { return now }))
			if got := term.Format(tc.s); got != tc.want {
				t.Errorf("Format:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestNotifyWritesOneLineEach(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 11, 27, 9, 15, 0, 0, time.UTC)
	term := terminal.New(&buf, terminal.WithClock(func() time.Time { return now }))
	a, b := notifiertest.Sample("one"), notifiertest.Sample("two")
	if _, err := term.Notify(t.Context(), a, b); err != nil {
		t.Fatal(err)
	}
	want := term.Format(a) + "\n" + term.Format(b) + "\n"
	if buf.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", buf.String(), want)
	}
	if !strings.HasPrefix(buf.String(), "2026-11-27 09:15 [suggestion] Conformance one") {
		t.Errorf("default location should be UTC: %q", buf.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteErrorIsPermanent(t *testing.T) {
	term := terminal.New(failingWriter{})
	retry, err := term.Notify(t.Context(), notifiertest.Sample("x"))
	if err == nil || retry {
		t.Fatalf("Notify to a failing writer = retry %v, err %v; want false and an error", retry, err)
	}
	if !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("error %q does not say why", err)
	}
}

func TestListBodies(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 15, 0, 0, time.UTC)
	var items []string
	for i := range 14 {
		items = append(items, "• item "+string(rune('a'+i)))
	}
	tests := map[string]struct {
		body string
		want []string // lines after the suggestion's own line
	}{
		"a reminder's one line":    {"11:00–11:15 · Room 4", []string{"    11:00–11:15 · Room 4"}},
		"agenda":                   {"09:30–09:45 Stand-up\n15:00–16:00 Design review", []string{"    09:30–09:45 Stand-up", "    15:00–16:00 Design review"}},
		"escape codes are dropped": {"• a\x1b[2J\n• b", []string{"    • a[2J", "    • b"}},
		"long lists are cut":       {strings.Join(items, "\n"), append(prefixed(items[:12]), "    … and 2 more")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var buf lockedBuffer
			term := terminal.New(&buf, terminal.WithLocation(time.UTC), terminal.WithClock(func() time.Time { return now }))
			s := event.Suggestion{ID: "s", Kind: event.KindReminder, Title: "Today: 2 events", Body: tc.body, Why: "agenda"}
			if _, err := term.Notify(t.Context(), s); err != nil {
				t.Fatal(err)
			}
			got := buf.lines()[1:]
			if len(got) == 0 {
				got = nil
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("lines under the suggestion:\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// A feed item's excerpt and link add nothing to a log line that has the
// title and the link.
func TestFeedExcerptStaysOut(t *testing.T) {
	var buf lockedBuffer
	term := terminal.New(&buf)
	s := event.Suggestion{ID: "f", Kind: event.KindSuggestion, Title: "Read: Go 1.27", Link: "https://go.dev/blog/go1.27",
		Body: "Today the Go team is happy to release Go 1.27.\nhttps://go.dev/blog/go1.27"}
	if _, err := term.Notify(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	if l := buf.lines(); len(l) != 1 {
		t.Fatalf("lines = %q, want one", l)
	}
}

func prefixed(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = "    " + l
	}
	return out
}
