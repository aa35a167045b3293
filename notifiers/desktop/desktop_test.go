package desktop_test

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/dbustest"
	"github.com/agentd/agentd/notifiers"
	"github.com/agentd/agentd/notifiers/desktop"
	"github.com/agentd/agentd/notifiers/notifiertest"
)

// testNow is the tests' clock, so that no body depends on the day the tests
// run.
func testNow() time.Time { return time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) }

// newDesktop builds a notifier on the testNow clock (a later WithClock in
// opts wins).
func newDesktop(t *testing.T, cfg desktop.Config, opts ...desktop.Option) *desktop.Desktop {
	t.Helper()
	d := desktop.New(cfg, slog.New(slog.DiscardHandler), append([]desktop.Option{desktop.WithClock(testNow)}, opts...)...)
	t.Cleanup(func() { d.Close() })
	return d
}

func TestConformance(t *testing.T) {
	dbustest.RequireDaemon(t)
	notifiertest.Run(t, func(t *testing.T) (notifiers.Notifier, func() []string) {
		bus := dbustest.NewBus(t)
		srv := dbustest.StartServer(t, bus.Addr)
		return newDesktop(t, desktop.Config{Address: bus.Addr}), srv.Summaries
	})
}

func TestNotifyCall(t *testing.T) {
	bus := dbustest.NewBus(t)
	srv := dbustest.StartServer(t, bus.Addr)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// newDesktop's clock is before every due time below.
	d := newDesktop(t, desktop.Config{Address: bus.Addr, Location: paris})

	wantActions := []string{"default", "Open", "done", "Done", "dismiss", "Dismiss", "snooze", "Snooze 1 h", "snooze-tomorrow", "Tomorrow morning"}
	tests := map[string]struct {
		s           event.Suggestion
		wantSummary string
		wantBody    string
		wantUrgency byte
	}{
		"low suggestion": {
			s:           event.Suggestion{ID: "low", Kind: event.KindSuggestion, Priority: event.PriorityLow, Title: "Read: Go 1.26", Why: "matches golang"},
			wantSummary: "Read: Go 1.26", wantBody: "matches golang", wantUrgency: 0,
		},
		"normal is normal urgency": {
			s:           event.Suggestion{ID: "n", Kind: event.KindSuggestion, Priority: event.PriorityNormal, Title: "T", Body: "b"},
			wantSummary: "T", wantBody: "b", wantUrgency: 1,
		},
		"high is normal urgency": {
			s:           event.Suggestion{ID: "h", Kind: event.KindDraft, Priority: event.PriorityHigh, Title: "T"},
			wantSummary: "T", wantBody: "", wantUrgency: 1,
		},
		"urgent is critical, due time in the user's zone": {
			s: event.Suggestion{ID: "u", Kind: event.KindReminder, Priority: event.PriorityUrgent, Title: "Train leaves",
				Due: time.Date(2026, 11, 27, 17, 5, 0, 0, time.UTC)},
			wantSummary: "Train leaves", wantBody: "Due Fri 27 Nov 18:05", wantUrgency: 2,
		},
		"markup in body is escaped, summary is plain": {
			s: event.Suggestion{ID: "m", Kind: event.KindSuggestion, Priority: event.PriorityNormal, Title: "Q&A <b>now</b>",
				Body: `Tom & Jerry <img src="x"> a>b`, Why: "rule <x>", Link: "https://example.org/?a=1&b=2"},
			wantSummary: "Q&A <b>now</b>",
			wantBody:    "Tom &amp; Jerry &lt;img src=\"x\"&gt; a&gt;b\nrule &lt;x&gt;\nhttps://example.org/?a=1&amp;b=2",
			wantUrgency: 1,
		},
		"control characters are dropped": {
			s:           event.Suggestion{ID: "c", Kind: event.KindSuggestion, Title: "a\x1b[31mb\u202ec", Body: "line1\nline2\x00"},
			wantSummary: "a[31mbc", wantBody: "line1\nline2", wantUrgency: 1,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := len(srv.Received())
			if retry, err := d.Notify(t.Context(), tc.s); err != nil {
				t.Fatalf("Notify: retry %v, %v", retry, err)
			}
			got := srv.Received()
			if len(got) != before+1 {
				t.Fatalf("server received %d notifications, want %d", len(got), before+1)
			}
			n := got[len(got)-1]
			if n.AppName != "agentd" || n.ReplacesID != 0 || n.Icon != "" || n.Timeout != -1 {
				t.Errorf("app %q, replaces %d, icon %q, timeout %d; want agentd, 0, \"\", -1", n.AppName, n.ReplacesID, n.Icon, n.Timeout)
			}
			if n.Summary != tc.wantSummary {
				t.Errorf("summary %q, want %q", n.Summary, tc.wantSummary)
			}
			if n.Body != tc.wantBody {
				t.Errorf("body %q, want %q", n.Body, tc.wantBody)
			}
			if !slices.Equal(n.Actions, wantActions) {
				t.Errorf("actions %q, want %q", n.Actions, wantActions)
			}
			if u, ok := n.Hints["urgency"].Value().(byte); !ok || u != tc.wantUrgency {
				t.Errorf("urgency hint %v, want byte %d", n.Hints["urgency"], tc.wantUrgency)
			}
			if c, _ := n.Hints["category"].Value().(string); c != "x-agentd."+tc.s.Kind {
				t.Errorf("category hint %q, want x-agentd.%s", c, tc.s.Kind)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	bus := dbustest.NewBus(t)
	srv := dbustest.StartServer(t, bus.Addr)
	tests := map[string]struct {
		timeout time.Duration
		want    int32
	}{
		"server default":  {0, -1},
		"five seconds":    {5 * time.Second, 5000},
		"until dismissed": {-1, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := newDesktop(t, desktop.Config{Address: bus.Addr, Timeout: tc.timeout})
			if _, err := d.Notify(t.Context(), notifiertest.Sample(name)); err != nil {
				t.Fatal(err)
			}
			got := srv.Received()
			if n := got[len(got)-1]; n.Timeout != tc.want {
				t.Errorf("expire_timeout %d, want %d", n.Timeout, tc.want)
			}
		})
	}
	if err := (desktop.Config{Timeout: 30 * 24 * time.Hour}).Validate(); err == nil {
		t.Error("a 30-day timeout should not validate")
	}
}

type action struct{ suggestion, action string }

func TestActions(t *testing.T) {
	bus := dbustest.NewBus(t)
	srv := dbustest.StartServer(t, bus.Addr)
	got := make(chan action, 16)
	d := newDesktop(t, desktop.Config{Address: bus.Addr, OnAction: func(id, a string) { got <- action{id, a} }})

	next := func(t *testing.T) action {
		t.Helper()
		select {
		case a := <-got:
			return a
		case <-time.After(10 * time.Second):
			t.Fatal("no action reported")
			return action{}
		}
	}
	show := func(t *testing.T, key string) (event.Suggestion, uint32) {
		t.Helper()
		s := notifiertest.Sample(key)
		if _, err := d.Notify(t.Context(), s); err != nil {
			t.Fatal(err)
		}
		r := srv.Received()
		return s, r[len(r)-1].ID
	}
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	s1, id1 := show(t, "one")
	s2, id2 := show(t, "two")
	if id1 == id2 {
		t.Fatalf("server gave both notifications id %d", id1)
	}

	must(t, srv.EmitAction(id2, "snooze"))
	if a := next(t); a != (action{s2.ID, desktop.ActionSnooze}) {
		t.Errorf("snooze on %d reported as %+v, want %s snooze", id2, a, s2.ID)
	}
	// The server closes the notification after the action: no second report.
	must(t, srv.EmitClosed(id2, 2))
	// Another application's notification, and a forged signal from a client
	// that is not the notification server: both ignored.
	must(t, srv.EmitAction(id2+100, "default"))
	forger, err := dbus.Connect(bus.Addr)
	must(t, err)
	defer forger.Close()
	must(t, forger.Emit(dbustest.ObjPath, dbustest.Iface+".ActionInvoked", id1, "dismiss"))

	// A click on the first notification itself is "open"; since signals
	// arrive in order, getting it next shows nothing was reported between.
	must(t, srv.EmitAction(id1, "default"))
	if a := next(t); a != (action{s1.ID, desktop.ActionOpen}) {
		t.Errorf("got %+v, want %s open (and nothing for the ignored signals)", a, s1.ID)
	}

	// Closed by the user without choosing: reported as closed. Expired: not.
	s3, id3 := show(t, "three")
	s4, id4 := show(t, "four")
	must(t, srv.EmitClosed(id3, 1)) // expired
	must(t, srv.EmitClosed(id4, 2)) // dismissed by the user
	if a := next(t); a != (action{s4.ID, desktop.ActionClosed}) {
		t.Errorf("got %+v, want %s closed (and nothing for expired %s)", a, s4.ID, s3.ID)
	}
	// Once closed, the id is forgotten.
	must(t, srv.EmitAction(id4, "snooze"))
	_, id5 := show(t, "five")
	must(t, srv.EmitAction(id5, "dismiss"))
	if a := next(t); a.action != desktop.ActionDismiss {
		t.Errorf("got %+v, want the dismiss of the fifth, nothing for the closed fourth", a)
	}

	// Done and snooze until tomorrow; a key of no button of ours is
	// ignored.
	s6, id6 := show(t, "six")
	s7, id7 := show(t, "seven")
	must(t, srv.EmitAction(id6, "reboot"))
	must(t, srv.EmitAction(id6, "done"))
	must(t, srv.EmitAction(id7, "snooze-tomorrow"))
	if a := next(t); a != (action{s6.ID, desktop.ActionDone}) {
		t.Errorf("got %+v, want %s done (and nothing for the unknown key)", a, s6.ID)
	}
	if a := next(t); a != (action{s7.ID, desktop.ActionSnoozeTomorrow}) {
		t.Errorf("got %+v, want %s snooze-tomorrow", a, s7.ID)
	}
}

func TestCheck(t *testing.T) {
	t.Run("no session bus", func(t *testing.T) {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
		t.Setenv("XDG_RUNTIME_DIR", "")
		d := newDesktop(t, desktop.Config{})
		err := d.Check(t.Context())
		if !errors.Is(err, desktop.ErrNoSessionBus) || !strings.Contains(err.Error(), "DBUS_SESSION_BUS_ADDRESS unset") ||
			!strings.Contains(err.Error(), "the daemon runs on without them") {
			t.Errorf("Check() = %v, want ErrNoSessionBus", err)
		}
		retry, err := d.Notify(t.Context(), notifiertest.Sample("x"))
		if !errors.Is(err, desktop.ErrNoSessionBus) || retry {
			t.Errorf("Notify() = retry %v, %v; want a permanent ErrNoSessionBus", retry, err)
		}
	})
	t.Run("session bus from the environment", func(t *testing.T) {
		bus := dbustest.NewBus(t)
		dbustest.StartServer(t, bus.Addr)
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Addr)
		if err := newDesktop(t, desktop.Config{}).Check(t.Context()); err != nil {
			t.Errorf("Check() = %v", err)
		}
	})
	t.Run("bus without a notification server", func(t *testing.T) {
		bus := dbustest.NewBus(t)
		d := newDesktop(t, desktop.Config{Address: bus.Addr})
		err := d.Check(t.Context())
		if !errors.Is(err, desktop.ErrNoServer) {
			t.Errorf("Check() = %v, want ErrNoServer", err)
		}
		retry, err := d.Notify(t.Context(), notifiertest.Sample("x"))
		if !errors.Is(err, desktop.ErrNoServer) || retry {
			t.Errorf("Notify() = retry %v, %v; want a permanent ErrNoServer", retry, err)
		}
	})
	t.Run("bus address that does not answer", func(t *testing.T) {
		d := newDesktop(t, desktop.Config{Address: "unix:path=" + t.TempDir() + "/nobus"})
		if err := d.Check(t.Context()); err == nil || errors.Is(err, desktop.ErrNoSessionBus) {
			t.Errorf("Check() = %v, want a connection error", err)
		}
	})
}

func TestReconnectAfterBusRestart(t *testing.T) {
	bus := dbustest.NewBus(t)
	srv := dbustest.StartServer(t, bus.Addr)
	d := newDesktop(t, desktop.Config{Address: bus.Addr})
	if _, err := d.Notify(t.Context(), notifiertest.Sample("before")); err != nil {
		t.Fatal(err)
	}
	if got := srv.Summaries(); len(got) != 1 {
		t.Fatalf("server got %q", got)
	}

	bus.Stop()
	retry, err := d.Notify(t.Context(), notifiertest.Sample("down"))
	if err == nil || !retry {
		t.Fatalf("Notify with the bus gone = retry %v, %v; want a temporary error", retry, err)
	}

	bus.Restart(t) // same socket path, as after a session restart
	srv = dbustest.StartServer(t, bus.Addr)
	if _, err := d.Notify(t.Context(), notifiertest.Sample("after")); err != nil {
		t.Fatalf("Notify after the bus came back: %v", err)
	}
	if got := srv.Summaries(); len(got) != 1 || !strings.Contains(got[0], "after") {
		t.Errorf("new server got %q, want the one sent after the restart", got)
	}
}

func TestClose(t *testing.T) {
	bus := dbustest.NewBus(t)
	dbustest.StartServer(t, bus.Addr)
	d := desktop.New(desktop.Config{Address: bus.Addr}, slog.New(slog.DiscardHandler), desktop.WithClock(testNow))
	if err := d.Close(); err != nil {
		t.Fatalf("Close before use: %v", err)
	}
	d = desktop.New(desktop.Config{Address: bus.Addr}, slog.New(slog.DiscardHandler), desktop.WithClock(testNow))
	if _, err := d.Notify(t.Context(), notifiertest.Sample("x")); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	retry, err := d.Notify(t.Context(), notifiertest.Sample("y"))
	if !errors.Is(err, desktop.ErrClosed) || retry {
		t.Errorf("Notify after Close = retry %v, %v; want a permanent ErrClosed", retry, err)
	}
}

// BenchmarkNotify is one notification round trip through a real
// dbus-daemon to the in-test server.
func BenchmarkNotify(b *testing.B) {
	bus := dbustest.NewBus(b)
	dbustest.StartServer(b, bus.Addr)
	d := desktop.New(desktop.Config{Address: bus.Addr}, slog.New(slog.DiscardHandler), desktop.WithClock(testNow))
	defer d.Close()
	s := notifiertest.Sample("bench")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Notify(b.Context(), s); err != nil {
			b.Fatal(err)
		}
	}
}
