// Package desktop shows suggestions as desktop notifications through the
// freedesktop.org notification service (org.freedesktop.Notifications) on
// the D-Bus session bus, and reports what the user clicks.
package desktop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/godbus/dbus/v5"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
)

// The notification service, as named by the Desktop Notifications
// Specification.
const (
	busName = "org.freedesktop.Notifications"
	objPath = dbus.ObjectPath("/org/freedesktop/Notifications")
	iface   = "org.freedesktop.Notifications"
)

// What the user did, as passed to Config.OnAction.
const (
	ActionOpen           = "open"            // clicked the notification or its Open button
	ActionDone           = "done"            // clicked Done
	ActionDismiss        = "dismiss"         // clicked Dismiss
	ActionSnooze         = "snooze"          // clicked Snooze 1 h
	ActionSnoozeTomorrow = "snooze-tomorrow" // clicked Tomorrow (09:00 in the user's zone)
	ActionClosed         = "closed"          // closed the notification without choosing
)

// actions returns the buttons of every notification, as key, label pairs;
// "default" is the key servers use for a click on the notification itself.
func actions() []string {
	return []string{
		"default", "Open",
		ActionDone, "Done",
		ActionDismiss, "Dismiss",
		ActionSnooze, "Snooze 1 h",
		ActionSnoozeTomorrow, "Tomorrow morning",
	}
}

// Reasons of the NotificationClosed signal.
const closedByUser = 2

// maxTracked bounds the notification-id map for servers that never send
// NotificationClosed (resident notifications, servers that crash).
const maxTracked = 1024

var (
	// ErrNoSessionBus means there is no session bus to talk to, as on a
	// server or in a container; the daemon runs on without desktop
	// notifications.
	ErrNoSessionBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS unset); desktop notifications disabled, the daemon runs on without them")
	// ErrNoServer means the session bus has no notification server.
	ErrNoServer = errors.New("no notification server (org.freedesktop.Notifications) on the D-Bus session bus")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("desktop notifier closed")
)

// Desktop is the desktop notifier. It connects on first use and reconnects
// after the bus goes away.
type Desktop struct {
	cfg    Config
	logger *slog.Logger
	now    func() time.Time

	mu     sync.Mutex
	conn   *dbus.Conn
	closed bool
	loops  sync.WaitGroup // signal readers, one per connection

	shown *tracker
}

// Option configures a Desktop.
type Option func(*Desktop)

// WithClock sets the clock that tells a late reminder (one missed while
// agentd was down); nil keeps time.Now.
func WithClock(now func() time.Time) Option {
	return func(d *Desktop) {
		if now != nil {
			d.now = now
		}
	}
}

// New returns a desktop notifier; it does not connect yet.
func New(cfg Config, logger *slog.Logger, opts ...Option) *Desktop {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	d := &Desktop{cfg: cfg, logger: logger, now: cfg.Now, shown: newTracker(maxTracked)}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Name implements notifiers.Notifier.
func (d *Desktop) Name() string { return "desktop" }

// Notify shows one notification per suggestion. No session bus and no
// notification server are permanent failures (retry false): the suggestion
// stays visible elsewhere. A lost connection is temporary.
func (d *Desktop) Notify(ctx context.Context, ss ...event.Suggestion) (bool, error) {
	for _, s := range ss {
		if err := ctx.Err(); err != nil {
			return true, fmt.Errorf("desktop: suggestion %s: %w", s.ID, err)
		}
		conn, err := d.connect(ctx)
		if err != nil {
			return !errors.Is(err, ErrNoSessionBus) && !errors.Is(err, ErrClosed), fmt.Errorf("desktop: suggestion %s: %w", s.ID, err)
		}
		var id uint32
		call := conn.Object(busName, objPath).CallWithContext(ctx, iface+".Notify", 0,
			d.cfg.AppName, uint32(0), "", summary(s), body(s, d.cfg.Location, d.now()), actions(), hints(s), d.cfg.expireTimeout())
		if err := call.Store(&id); err != nil {
			retry, err := d.callFailed(conn, err)
			return retry, fmt.Errorf("desktop: suggestion %s: notify: %w", s.ID, err)
		}
		d.shown.add(id, s.ID)
	}
	return false, nil
}

// Check implements notifiers.Checker: it connects and asks the notification
// server who it is, showing nothing.
func (d *Desktop) Check(ctx context.Context) error {
	conn, err := d.connect(ctx)
	if err != nil {
		return fmt.Errorf("desktop: %w", err)
	}
	var name, vendor, version, spec string
	err = conn.Object(busName, objPath).CallWithContext(ctx, iface+".GetServerInformation", 0).
		Store(&name, &vendor, &version, &spec)
	if err != nil {
		_, err = d.callFailed(conn, err)
		return fmt.Errorf("desktop: %w", err)
	}
	var caps []string
	if err := conn.Object(busName, objPath).CallWithContext(ctx, iface+".GetCapabilities", 0).Store(&caps); err == nil &&
		!slices.Contains(caps, "actions") {
		d.logger.Info("notification server shows no buttons; done, dismiss and snooze work only from agentd suggestions",
			"server", name, "version", version)
	}
	return nil
}

// Close disconnects. It is safe to call more than once.
func (d *Desktop) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	conn := d.conn
	d.conn = nil
	d.mu.Unlock()

	var err error
	if conn != nil {
		if cerr := conn.Close(); cerr != nil {
			err = fmt.Errorf("desktop: close D-Bus connection: %w", cerr)
		}
	}
	d.loops.Wait() // closing the connection closes the signal channel
	return err
}

// callFailed sorts a failed call: the server's own answer is permanent
// (ErrNoServer when nobody owns the name); anything else means the
// connection broke, so it is dropped and the next call reconnects.
func (d *Desktop) callFailed(conn *dbus.Conn, err error) (retry bool, _ error) {
	var derr dbus.Error
	if errors.As(err, &derr) {
		switch derr.Name {
		case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
			return false, fmt.Errorf("%w: %w", ErrNoServer, err)
		}
		return false, err
	}
	if !conn.Connected() {
		d.mu.Lock()
		if d.conn == conn {
			d.conn = nil
		}
		d.mu.Unlock()
		conn.Close()
	}
	return true, err
}

// connect returns the live connection, dialling one if there is none.
func (d *Desktop) connect(ctx context.Context) (*dbus.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, ErrClosed
	}
	if d.conn != nil && d.conn.Connected() {
		return d.conn, nil
	}
	d.conn = nil
	addr := d.address()
	if addr == "" {
		return nil, ErrNoSessionBus
	}
	conn, err := dial(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("connect to D-Bus session bus: %w", err)
	}
	// Only the notification server may tell us what the user clicked;
	// the bus resolves the well-known sender name to its owner.
	err = conn.AddMatchSignalContext(ctx,
		dbus.WithMatchSender(busName), dbus.WithMatchInterface(iface), dbus.WithMatchObjectPath(objPath))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("subscribe to notification signals: %w", err)
	}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	d.loops.Go(func() { d.readSignals(signals) })
	d.conn = conn
	d.logger.Debug("connected to D-Bus session bus")
	return conn, nil
}

// address is the configured address, else the session bus of the
// environment. Unlike dbus.ConnectSessionBus it never launches a bus.
func (d *Desktop) address() string {
	if d.cfg.Address != "" {
		return d.cfg.Address
	}
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a
	}
	// systemd user sessions put the bus here even when the variable did not
	// make it into the daemon's environment.
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		p := filepath.Join(dir, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + dbus.EscapeBusAddressValue(p)
		}
	}
	return ""
}

// dial connects and authenticates, giving up when ctx ends. godbus's Connect
// takes no context; a late connection is closed when it arrives.
func dial(ctx context.Context, addr string) (*dbus.Conn, error) {
	type result struct {
		conn *dbus.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := dbus.Connect(addr)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.conn, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.conn != nil {
				r.conn.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// readSignals turns the server's signals into OnAction calls until the
// connection closes.
func (d *Desktop) readSignals(signals <-chan *dbus.Signal) {
	for sig := range signals {
		switch sig.Name {
		case iface + ".ActionInvoked":
			var (
				id  uint32
				key string
			)
			if err := dbus.Store(sig.Body, &id, &key); err != nil {
				d.logger.Warn("malformed ActionInvoked signal", "err", err)
				continue
			}
			sid, ok := d.shown.acted(id)
			if !ok {
				continue // another application's notification
			}
			if name := actionName(key); name != "" {
				d.report(sid, name)
			}
		case iface + ".NotificationClosed":
			var id, reason uint32
			if err := dbus.Store(sig.Body, &id, &reason); err != nil {
				d.logger.Warn("malformed NotificationClosed signal", "err", err)
				continue
			}
			sid, acted, ok := d.shown.remove(id)
			// Servers close a notification after an action too; that close
			// is not a second answer. Expiry is no answer at all.
			if ok && !acted && reason == closedByUser {
				d.report(sid, ActionClosed)
			}
		}
	}
}

func (d *Desktop) report(suggestionID, action string) {
	d.logger.Debug("notification action", "suggestion", suggestionID, "action", action)
	if d.cfg.OnAction != nil {
		d.cfg.OnAction(suggestionID, action)
	}
}

// actionName maps an action key to the user's word for it; a key of no
// button of ours is "".
func actionName(key string) string {
	switch key {
	case "default", ActionOpen:
		return ActionOpen
	case ActionDone, ActionDismiss, ActionSnooze, ActionSnoozeTomorrow:
		return key
	}
	return ""
}

// lateAfter is how far past its due time a reminder counts as late.
const lateAfter = time.Minute

// lateText renders a delay to the minute: "25 min", "2 h 5 min".
func lateText(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

// summary is the title; the specification makes it plain text.
func summary(s event.Suggestion) string { return clean(s.Title) }

// body is the text under the title. Servers may read the body as a small
// markup language, so text from mail and feeds is escaped.
func body(s event.Suggestion, loc *time.Location, now time.Time) string {
	var lines []string
	if !s.Due.IsZero() {
		due := "Due " + s.Due.In(loc).Format("Mon 2 Jan 15:04")
		if late := now.Sub(s.Due); late > lateAfter {
			// Missed while agentd was not running: say so, once.
			due += " (late by " + lateText(late) + ")"
		}
		lines = append(lines, due)
	}
	for _, text := range []string{s.Body, s.Why, s.Link} {
		if t := clean(text); t != "" {
			lines = append(lines, escapeMarkup(t))
		}
	}
	return strings.Join(lines, "\n")
}

// escapeMarkup escapes the characters of the body markup subset.
var escapeMarkup = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// clean drops control characters other than newlines and tabs, and
// bidirectional overrides that could disguise a link.
func clean(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s))
}

// urgency maps a priority to the specification's urgency levels.
func urgency(priority string) byte {
	switch event.PriorityRank(priority) {
	case event.PriorityRank(event.PriorityLow):
		return 0
	case event.PriorityRank(event.PriorityUrgent):
		return 2
	default:
		return 1
	}
}

func hints(s event.Suggestion) map[string]dbus.Variant {
	return map[string]dbus.Variant{
		"urgency":  dbus.MakeVariant(urgency(s.Priority)),
		"category": dbus.MakeVariant("x-agentd." + s.Kind),
	}
}

// tracker maps notification ids to the suggestions they show, so a click
// can be reported against the right suggestion.
type tracker struct {
	mu    sync.Mutex
	max   int
	seq   uint64
	m     map[uint32]shown
	order []tracked // oldest first, for eviction
}

type shown struct {
	suggestion string
	seq        uint64
	acted      bool
}

type tracked struct {
	id  uint32
	seq uint64
}

func newTracker(max int) *tracker { return &tracker{max: max, m: map[uint32]shown{}} }

func (t *tracker) add(id uint32, suggestion string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	t.m[id] = shown{suggestion: suggestion, seq: t.seq}
	t.order = append(t.order, tracked{id, t.seq})
	for len(t.order) > t.max {
		old := t.order[0]
		t.order = t.order[1:]
		// The server may have reused the id for a newer notification.
		if cur, ok := t.m[old.id]; ok && cur.seq == old.seq {
			delete(t.m, old.id)
		}
	}
}

// acted marks an action on id and returns its suggestion.
func (t *tracker) acted(id uint32) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[id]
	if !ok {
		return "", false
	}
	e.acted = true
	t.m[id] = e
	return e.suggestion, true
}

// remove forgets id and says whether an action was reported for it.
func (t *tracker) remove(id uint32) (suggestion string, acted, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[id]
	delete(t.m, id)
	return e.suggestion, e.acted, ok
}

var (
	_ notifiers.Notifier = (*Desktop)(nil)
	_ notifiers.Checker  = (*Desktop)(nil)
)
