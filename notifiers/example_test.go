package notifiers_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/terminal"
)

func ExampleDispatcher() {
	paris, _ := time.LoadLocation("Europe/Paris")
	now := func() time.Time { return time.Date(2026, 11, 27, 23, 15, 0, 0, paris) }
	quiet, _ := quietHours("22:00", "07:00", paris)

	held := terminal.New(os.Stdout, terminal.WithLocation(paris), terminal.WithClock(now))
	d := notifiers.NewDispatcher([]notifiers.Target{
		{Notifier: terminal.New(os.Stdout, terminal.WithLocation(paris), terminal.WithClock(now))},
		// A second channel that keeps quiet hours, as the desktop does.
		{Notifier: named{"quiet-terminal", held}, Route: notifiers.Route{QuietHours: true}},
	}, state.NewMemory(), slog.New(slog.DiscardHandler), notifiers.WithClock(now), notifiers.WithQuietHours(quiet))

	s := event.Suggestion{ID: "s1", Kind: event.KindSuggestion, Priority: event.PriorityNormal,
		Title: "Read: Go 1.26 is released", Why: `matches your interest "golang"`,
		About: []event.About{{Source: "feed:go-blog"}}, Link: "https://go.dev/blog/go1.26"}
	until, err := d.Deliver(context.Background(), s)
	fmt.Println("deferred until", until.Format("2006-01-02 15:04"), err)
	// Output:
	// 2026-11-27 23:15 [suggestion] Read: Go 1.26 is released — matches your interest "golang" (go-blog) <https://go.dev/blog/go1.26>
	// deferred until 2026-11-28 07:00 <nil>
}

// named gives a notifier another name, so two of the same kind can share a
// delivery log.
type named struct {
	name string
	notifiers.Notifier
}

func (n named) Name() string { return n.name }
