package imap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

func TestIdleDeliversNewMail(t *testing.T) {
	srv := newTestServer(t, []string{"Sent"})
	w := newWatcher(t, srv.config(), state.NewMemory())
	bus := newSink()
	startWatcher(t, w, bus.publish)
	srv.waitIdling(2)

	now := testNow()
	uid := srv.deliver("INBOX", testMail("new-1@example.org", "Bob <bob@example.org>", "Lunch?", now, "Are you free at noon?"), now)
	ev := bus.next(t)
	if ev.Type != event.TypeMailReceived || ev.Source != "mail:test" || ev.Subject != "Lunch?" {
		t.Fatalf("event = %s %s %q, want mail.received from mail:test about Lunch?", ev.Type, ev.Source, ev.Subject)
	}
	m := mailData(t, ev)
	if m.Mailbox != "INBOX" || m.UID != uint32(uid) || m.MessageID != "new-1@example.org" || m.Backfill {
		t.Errorf("data = mailbox %q uid %d id %q backfill %v", m.Mailbox, m.UID, m.MessageID, m.Backfill)
	}
	if !strings.Contains(m.Text, "free at noon") || len(m.From) != 1 || m.From[0].Email != "bob@example.org" {
		t.Errorf("data = text %q from %v", m.Text, m.From)
	}

	// The Sent mailbox has its own connection idling.
	srv.deliver("Sent", testMail("reply-1@example.org", "Alice <alice@example.org>", "Re: Lunch?", now, "Yes!"), now, imap.FlagSeen)
	ev = bus.next(t)
	if ev.Type != event.TypeMailSent || ev.Subject != "Re: Lunch?" || mailData(t, ev).Mailbox != "Sent" {
		t.Errorf("event = %s %q, want mail.sent Re: Lunch? from Sent", ev.Type, ev.Subject)
	}
}

func TestSentMailboxDetection(t *testing.T) {
	cases := map[string]struct {
		mailboxes []string
		opts      []serverOption
		wantSent  string
	}{
		// SPECIAL-USE wins over a name that only looks like it.
		"special-use": {
			mailboxes: []string{"Sent", "Gesendete Post"},
			opts:      []serverOption{withSpecialUseSent("Gesendete Post")},
			wantSent:  "Gesendete Post",
		},
		"name fallback":         {mailboxes: []string{"Archive", "Sent Items"}, wantSent: "Sent Items"},
		"name fallback, nested": {mailboxes: []string{"INBOX.Sent"}, wantSent: "INBOX.Sent"},
		"name fallback, case":   {mailboxes: []string{"SENT"}, wantSent: "SENT"},
		"none":                  {mailboxes: []string{"Archive"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newTestServer(t, tc.mailboxes, tc.opts...)
			clk := newClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
			day := clk.now().Add(-24 * time.Hour)
			srv.put("INBOX", testMail("in@x", "Bob <bob@example.org>", "inbox mail", day, "hi"), day)
			for _, mb := range tc.mailboxes {
				srv.put(mb, testMail("in-"+mb+"@x", "Alice <alice@example.org>", "mail in "+mb, day, "hi"), day)
			}
			bus := newSink()
			w := newWatcher(t, srv.config(), state.NewMemory(), WithClock(clk.now))
			if err := w.SyncOnce(context.Background(), bus.publish); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ev := range bus.all() {
				m := mailData(t, ev)
				got = append(got, fmt.Sprintf("%s %s", m.Mailbox, ev.Type))
			}
			want := []string{"INBOX mail.received"}
			if tc.wantSent != "" {
				want = append(want, tc.wantSent+" mail.sent")
			}
			if !slices.Equal(got, want) {
				t.Errorf("events = %q, want %q", got, want)
			}
		})
	}
}

func TestRestartAnnouncesOnlyNewMail(t *testing.T) {
	srv := newTestServer(t, nil)
	store := state.NewMemory()
	now := testNow()
	for i := range 3 {
		srv.put("INBOX", testMail(fmt.Sprintf("old-%d@x", i), "Bob <bob@example.org>", fmt.Sprintf("old %d", i), now, "x"), now.Add(-time.Hour))
	}
	bus := newSink()
	first := newWatcher(t, srv.config(), store)
	r := startWatcher(t, first, bus.publish)
	for range 3 {
		if ev := bus.next(t); !mailData(t, ev).Backfill {
			t.Errorf("first run: %q not marked backfill", ev.Subject)
		}
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	_ = first.Close(context.Background())

	// Mail that arrives while agentd is down.
	srv.deliver("INBOX", testMail("meanwhile@x", "Bob <bob@example.org>", "while you were out", now, "x"), now)

	bus2 := newSink()
	second := newWatcher(t, srv.config(), store)
	startWatcher(t, second, bus2.publish)
	srv.waitIdling(1)
	ev := bus2.next(t)
	if ev.Subject != "while you were out" || mailData(t, ev).Backfill {
		t.Errorf("after restart: %q backfill=%v, want the mail that came meanwhile, not backfill", ev.Subject, mailData(t, ev).Backfill)
	}
	// A sentinel proves the watcher is past anything it could re-announce.
	srv.waitIdling(1)
	srv.deliver("INBOX", testMail("sentinel@x", "Bob <bob@example.org>", "sentinel", now, "x"), now)
	bus2.next(t)
	if got := subjects(bus2.all()); !slices.Equal(got, []string{"while you were out", "sentinel"}) {
		t.Errorf("after restart published %q, want only the new mail", got)
	}
}

func TestServerRestartLosesNoMail(t *testing.T) {
	srv := newTestServer(t, nil)
	store := state.NewMemory()
	w := newWatcher(t, srv.config(), store)
	bus := newSink()
	r := startWatcher(t, w, bus.publish)
	srv.waitIdling(1)

	now := testNow()
	srv.deliver("INBOX", testMail("before@x", "Bob <bob@example.org>", "before", now, "x"), now)
	bus.next(t)

	srv.stop()
	err := r.wait(t)
	if err == nil {
		t.Fatal("Run returned nil after the server went away, want an error")
	}
	if strings.Contains(err.Error(), testPassword) {
		t.Errorf("error shows the password: %v", err)
	}
	if h := w.Health(); h.OK || h.Failures != 1 || h.LastError == "" {
		t.Errorf("health = %+v, want failing once", h)
	}
	_ = w.Close(context.Background())

	// The server comes back with mail that arrived meanwhile.
	srv.start()
	srv.deliver("INBOX", testMail("during@x", "Bob <bob@example.org>", "during the outage", now, "x"), now)

	startWatcher(t, w, bus.publish) // what the runner does: Connect, Run
	if ev := bus.next(t); ev.Subject != "during the outage" {
		t.Errorf("after reconnect got %q, want the mail from the outage", ev.Subject)
	}
	srv.waitIdling(1)
	srv.deliver("INBOX", testMail("after@x", "Bob <bob@example.org>", "after", now, "x"), now)
	bus.next(t)
	if got := subjects(bus.all()); !slices.Equal(got, []string{"before", "during the outage", "after"}) {
		t.Errorf("published %q", got)
	}
	if h := w.Health(); !h.OK || h.Failures != 0 {
		t.Errorf("health after reconnect = %+v, want ok", h)
	}
}

func TestUIDValidityChangeDoesNotReannounce(t *testing.T) {
	srv := newTestServer(t, nil)
	store := state.NewMemory()
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	clk := newClock(t0)
	known := [][]byte{
		testMail("a@x", "Bob <bob@example.org>", "known a", t0.Add(-2*time.Hour), "x"),
		testMail("", "Robot <robot@example.org>", "known without message-id", t0.Add(-time.Hour), "x"),
	}
	for i, raw := range known {
		srv.put("INBOX", raw, t0.Add(time.Duration(i-3)*time.Hour))
	}
	bus := newSink()
	if err := newWatcher(t, srv.config(), store, WithClock(clk.now)).SyncOnce(context.Background(), bus.publish); err != nil {
		t.Fatal(err)
	}
	if got := len(bus.all()); got != 2 {
		t.Fatalf("first sync published %d, want 2", got)
	}

	// The server rebuilds the mailbox: same mail, new UIDs, new
	// UIDVALIDITY, and two messages agentd has not seen: one that arrived
	// after the last sync and one moved in from an old folder.
	srv.recreate("INBOX")
	srv.put("INBOX", testMail("moved@x", "Carol <carol@example.org>", "moved in", t0.Add(-48*time.Hour), "x"), t0.Add(-48*time.Hour))
	for i, raw := range known {
		srv.put("INBOX", raw, t0.Add(time.Duration(i-3)*time.Hour))
	}
	srv.put("INBOX", testMail("new@x", "Bob <bob@example.org>", "new after change", t0.Add(time.Hour), "x"), t0.Add(time.Hour))
	clk.set(t0.Add(2 * time.Hour))

	bus2 := newSink()
	if err := newWatcher(t, srv.config(), store, WithClock(clk.now)).SyncOnce(context.Background(), bus2.publish); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range bus2.all() {
		got = append(got, fmt.Sprintf("%s backfill=%v", ev.Subject, mailData(t, ev).Backfill))
	}
	want := []string{"moved in backfill=true", "new after change backfill=false"}
	if !slices.Equal(got, want) {
		t.Errorf("after UIDVALIDITY change published %q, want %q", got, want)
	}
}

func TestLookback(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	mails := []struct {
		subject string
		age     time.Duration
	}{
		{"a month old", 30 * 24 * time.Hour},
		{"15 days old", 15 * 24 * time.Hour},
		{"13 days old", 13 * 24 * time.Hour},
		{"yesterday", 24 * time.Hour},
	}
	cases := map[string]struct {
		lookback time.Duration
		want     []string // subjects published by the first sync, all backfill
	}{
		"default 14 days": {want: []string{"13 days old", "yesterday"}},
		"2 days":          {lookback: 48 * time.Hour, want: []string{"yesterday"}},
		"off":             {lookback: -1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newTestServer(t, nil)
			for i, m := range mails {
				at := now.Add(-m.age)
				srv.put("INBOX", testMail(fmt.Sprintf("m%d@x", i), "Bob <bob@example.org>", m.subject, at, "x"), at)
			}
			cfg := srv.config()
			cfg.Lookback = tc.lookback
			clk := newClock(now)
			store := state.NewMemory()
			bus := newSink()
			if err := newWatcher(t, cfg, store, WithClock(clk.now)).SyncOnce(context.Background(), bus.publish); err != nil {
				t.Fatal(err)
			}
			if got := subjects(bus.all()); !slices.Equal(got, tc.want) {
				t.Errorf("first sync published %q, want %q", got, tc.want)
			}
			for _, ev := range bus.all() {
				if !mailData(t, ev).Backfill {
					t.Errorf("%q not marked backfill", ev.Subject)
				}
			}

			// Later mail is news, not backfill.
			clk.set(now.Add(time.Hour))
			srv.put("INBOX", testMail("later@x", "Bob <bob@example.org>", "later", now.Add(30*time.Minute), "x"), now.Add(30*time.Minute))
			bus2 := newSink()
			if err := newWatcher(t, cfg, store, WithClock(clk.now)).SyncOnce(context.Background(), bus2.publish); err != nil {
				t.Fatal(err)
			}
			evs := bus2.all()
			if len(evs) != 1 || evs[0].Subject != "later" || mailData(t, evs[0]).Backfill {
				t.Errorf("second sync published %q, want only \"later\", not backfill", subjects(evs))
			}
		})
	}
}

func TestNeverMarksMailSeen(t *testing.T) {
	srv := newTestServer(t, nil)
	now := testNow()
	srv.put("INBOX", testMail("unread@x", "Bob <bob@example.org>", "unread", now, "body"), now)
	srv.put("INBOX", testMail("read@x", "Bob <bob@example.org>", "read", now, "body"), now, imap.FlagSeen)
	bus := newSink()
	w := newWatcher(t, srv.config(), state.NewMemory())
	if err := w.SyncOnce(context.Background(), bus.publish); err != nil {
		t.Fatal(err)
	}
	r := startWatcher(t, w, bus.publish)
	srv.waitIdling(1)
	srv.deliver("INBOX", testMail("live@x", "Bob <bob@example.org>", "live", now, "body"), now)
	for len(bus.all()) < 3 {
		bus.next(t)
	}
	_ = r.stop(t)

	seen := map[string]bool{}
	for _, ev := range bus.all() {
		seen[ev.Subject] = slices.Contains(mailData(t, ev).Flags, string(imap.FlagSeen))
	}
	if want := map[string]bool{"unread": false, "read": true, "live": false}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("\\Seen in events = %v, want %v", seen, want)
	}
	var onServer []string
	for uid, flags := range srv.flags("INBOX") {
		if slices.Contains(flags, imap.FlagSeen) {
			onServer = append(onServer, fmt.Sprint(uid))
		}
	}
	if !slices.Equal(onServer, []string{"2"}) {
		t.Errorf("messages \\Seen on the server: UIDs %v, want only 2 (read before agentd)", onServer)
	}
}

func TestMessageSizeLimits(t *testing.T) {
	cases := map[string]struct {
		bodyBytes       int
		maxBody         int64
		maxSize         int64
		wantText        bool
		wantMaxReceived int64 // bytes read from the server, bounded
	}{
		"small":                      {bodyBytes: 2000, wantText: true, wantMaxReceived: 8 << 10},
		"above MaxBody: prefix":      {bodyBytes: 200 << 10, maxBody: 4 << 10, wantText: true, wantMaxReceived: 12 << 10},
		"above MaxSize: header only": {bodyBytes: 300 << 10, maxSize: 100 << 10, wantMaxReceived: 8 << 10},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newTestServer(t, nil)
			now := testNow()
			body := strings.Repeat("All work and no play makes Jack a dull boy.\n", tc.bodyBytes/44+1)
			raw := testMail("big@x", "Bob <bob@example.org>", "big one", now, body)
			srv.put("INBOX", raw, now)
			cfg := srv.config()
			cfg.MaxBody, cfg.MaxSize = tc.maxBody, tc.maxSize
			var received atomic.Int64
			bus := newSink()
			w := newWatcher(t, cfg, state.NewMemory(), WithDialer(countingDialer(&received)))
			if err := w.SyncOnce(context.Background(), bus.publish); err != nil {
				t.Fatal(err)
			}
			evs := bus.all()
			if len(evs) != 1 {
				t.Fatalf("published %d events, want 1", len(evs))
			}
			m := mailData(t, evs[0])
			if m.Subject != "big one" || m.MessageID != "big@x" || m.Size != int64(len(raw)) {
				t.Errorf("data = subject %q id %q size %d, want big one, big@x, %d", m.Subject, m.MessageID, m.Size, len(raw))
			}
			if got := m.Text != ""; got != tc.wantText {
				t.Errorf("has text = %v, want %v", got, tc.wantText)
			}
			if wantCut := int64(len(raw)) > cfg.withDefaults().MaxBody; m.TextTruncated != wantCut {
				t.Errorf("text truncated = %v, want %v", m.TextTruncated, wantCut)
			}
			if got := received.Load(); got > tc.wantMaxReceived {
				t.Errorf("read %d bytes from the server, want at most %d", got, tc.wantMaxReceived)
			}
		})
	}
}

func TestPublishFailureKeepsProgress(t *testing.T) {
	srv := newTestServer(t, nil)
	// Arrived before the first sync: look-back, so Backfill.
	at := testNow().Add(-time.Minute)
	for i := range 4 {
		srv.put("INBOX", testMail(fmt.Sprintf("m%d@x", i), "Bob <bob@example.org>", fmt.Sprintf("m%d", i), at, "x"), at)
	}
	store := state.NewMemory()
	bus := newSink()
	bus.fail = func(ev event.Event) error {
		if ev.Subject == "m2" {
			return errRefused
		}
		return nil
	}
	w := newWatcher(t, srv.config(), store)
	if err := w.SyncOnce(context.Background(), bus.publish); !errors.Is(err, errRefused) {
		t.Fatalf("SyncOnce = %v, want the bus's error", err)
	}
	if got := subjects(bus.all()); !slices.Equal(got, []string{"m0", "m1"}) {
		t.Fatalf("published %q before the failure", got)
	}
	bus.fail = nil
	if err := w.SyncOnce(context.Background(), bus.publish); err != nil {
		t.Fatal(err)
	}
	if got := subjects(bus.all()); !slices.Equal(got, []string{"m0", "m1", "m2", "m3"}) {
		t.Errorf("published %q, want each once and m2 retried", got)
	}
	for _, ev := range bus.all() {
		if !mailData(t, ev).Backfill {
			t.Errorf("%s: an interrupted first sync must resume as backfill", ev.Subject)
		}
	}
}

func TestPollWithoutIdle(t *testing.T) {
	srv := newTestServer(t, nil)
	cfg := srv.config()
	cfg.PollEvery = 20 * time.Millisecond
	w := newWatcher(t, cfg, state.NewMemory())
	w.noIdle = true
	bus := newSink()
	startWatcher(t, w, bus.publish)
	now := testNow()
	srv.deliver("INBOX", testMail("p@x", "Bob <bob@example.org>", "polled", now, "x"), now)
	if ev := bus.next(t); ev.Subject != "polled" {
		t.Errorf("got %q", ev.Subject)
	}
}

func TestTLSModes(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	for _, implicit := range []bool{true, false} {
		name := map[bool]string{true: "implicit", false: "starttls"}[implicit]
		t.Run(name, func(t *testing.T) {
			srv := newTestServer(t, nil, withTLS(serverTLS, implicit))
			now := testNow()
			srv.put("INBOX", testMail("tls@x", "Bob <bob@example.org>", "over tls", now, "x"), now)
			cfg := srv.config()
			cfg.TLSConfig = clientTLS
			bus := newSink()
			if err := newWatcher(t, cfg, state.NewMemory()).SyncOnce(context.Background(), bus.publish); err != nil {
				t.Fatal(err)
			}
			if got := subjects(bus.all()); !slices.Equal(got, []string{"over tls"}) {
				t.Errorf("published %q", got)
			}

			// A certificate that is not trusted is refused.
			cfg.TLSConfig = nil
			err := newWatcher(t, cfg, state.NewMemory()).SyncOnce(context.Background(), bus.publish)
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("untrusted certificate: err = %v, want a certificate error", err)
			}
		})
	}
}

func TestLoginFailure(t *testing.T) {
	srv := newTestServer(t, nil)
	cfg := srv.config()
	cfg.Password = "wrong-" + testPassword
	w := newWatcher(t, cfg, state.NewMemory())
	err := w.Connect(context.Background())
	if err == nil {
		t.Fatal("Connect with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), cfg.Password) {
		t.Errorf("error shows the password: %v", err)
	}
	if h := w.Health(); h.OK || h.Failures != 1 {
		t.Errorf("health = %+v, want one failure", h)
	}
}

func TestMissingMailbox(t *testing.T) {
	srv := newTestServer(t, nil)
	cfg := srv.config()
	cfg.Mailboxes = []string{"INBOX", "Projects"}
	err := newWatcher(t, cfg, state.NewMemory()).Connect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Projects") {
		t.Errorf("Connect = %v, want an error naming the missing mailbox", err)
	}
}

func TestCancelStopsRun(t *testing.T) {
	srv := newTestServer(t, []string{"Sent"})
	w := newWatcher(t, srv.config(), state.NewMemory())
	r := startWatcher(t, w, newSink().publish)
	if err := r.stop(t); err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestConfig(t *testing.T) {
	base := Config{Name: "work", Host: "imap.example.com", Username: "alice", Password: "hunter2-secret"}
	cases := map[string]struct {
		edit    func(*Config)
		wantErr string // empty: valid
	}{
		"defaults":                 {edit: func(*Config) {}},
		"starttls":                 {edit: func(c *Config) { c.TLS = "STARTTLS" }},
		"plain on loopback v4":     {edit: func(c *Config) { c.TLS, c.Host = "none", "127.0.0.1" }},
		"plain on loopback v6":     {edit: func(c *Config) { c.TLS, c.Host = "none", "::1" }},
		"plain on localhost":       {edit: func(c *Config) { c.TLS, c.Host = "none", "localhost" }},
		"plain on a remote host":   {edit: func(c *Config) { c.TLS = "none" }, wantErr: "only allowed for a loopback host"},
		"plain on a LAN address":   {edit: func(c *Config) { c.TLS, c.Host = "none", "192.168.1.2" }, wantErr: "loopback"},
		"unknown tls mode":         {edit: func(c *Config) { c.TLS = "ssl" }, wantErr: "must be implicit, starttls or none"},
		"no name":                  {edit: func(c *Config) { c.Name = "" }, wantErr: "name is empty"},
		"no host":                  {edit: func(c *Config) { c.Host = "" }, wantErr: "host is empty"},
		"no username":              {edit: func(c *Config) { c.Username = "" }, wantErr: "username is empty"},
		"bad port":                 {edit: func(c *Config) { c.Port = 70000 }, wantErr: "port"},
		"mailbox twice":            {edit: func(c *Config) { c.Mailboxes = []string{"INBOX", "inbox"} }, wantErr: "listed twice"},
		"negative max size":        {edit: func(c *Config) { c.MaxSize = -1 }, wantErr: "max size"},
		"negative poll interval":   {edit: func(c *Config) { c.PollEvery = -time.Second }, wantErr: "poll interval"},
		"empty mailbox name":       {edit: func(c *Config) { c.Mailboxes = []string{" "} }, wantErr: "empty"},
		"several errors are named": {edit: func(c *Config) { c.Host, c.Username = "", "" }, wantErr: "username is empty"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := base
			tc.edit(&cfg)
			_, err := New(cfg, state.NewMemory(), nil)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("New = %v, want ok", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("New = %v, want an error with %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), base.Password) {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}

	d := base.withDefaults()
	if d.Port != 993 || d.TLS != TLSImplicit || !slices.Equal(d.Mailboxes, []string{"INBOX"}) ||
		d.Lookback != 14*24*time.Hour || d.PollEvery != 2*time.Minute || d.MaxBody != 64<<10 || d.MaxSize != 25<<20 {
		t.Errorf("defaults = %+v", d)
	}
	if p := (Config{TLS: "starttls"}).withDefaults().Port; p != 143 {
		t.Errorf("starttls default port = %d, want 143", p)
	}
}

func TestCursorRoundTripAndPruning(t *testing.T) {
	ctx := context.Background()
	store := state.NewMemory()
	now := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	c, found, err := loadCursor(ctx, store, "k")
	if err != nil || found {
		t.Fatalf("empty store: found=%v err=%v", found, err)
	}
	c.UIDValidity, c.LastUID = 7, 42
	c.remember("msgid:recent@x", now.Add(-time.Hour))
	c.remember("msgid:old@x", now.Add(-40*24*time.Hour))
	if err := c.save(ctx, store, "k", now.Add(-30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, found, err := loadCursor(ctx, store, "k")
	if err != nil || !found {
		t.Fatalf("found=%v err=%v", found, err)
	}
	if got.UIDValidity != 7 || got.LastUID != 42 {
		t.Errorf("cursor = %d/%d, want 7/42", got.UIDValidity, got.LastUID)
	}
	if !got.known("msgid:recent@x") || got.known("msgid:old@x") || got.known("msgid:never@x") {
		t.Errorf("announced set after pruning: recent=%v old=%v never=%v, want true false false",
			got.known("msgid:recent@x"), got.known("msgid:old@x"), got.known("msgid:never@x"))
	}

	// Over the cap, the oldest entries go.
	for i := range maxAnnounced + 10 {
		got.remember(fmt.Sprintf("msgid:%d@x", i), now.Add(time.Duration(i)*time.Second))
	}
	if err := got.save(ctx, store, "k", time.Time{}); err != nil {
		t.Fatal(err)
	}
	got, _, _ = loadCursor(ctx, store, "k")
	if len(got.announced) != maxAnnounced || got.known("msgid:0@x") || !got.known(fmt.Sprintf("msgid:%d@x", maxAnnounced+9)) {
		t.Errorf("capped set: %d entries, oldest kept=%v", len(got.announced), got.known("msgid:0@x"))
	}

	// An unreadable record starts afresh instead of failing forever.
	_ = store.Put(ctx, "k", []byte("{not json"))
	if _, found, err := loadCursor(ctx, store, "k"); err != nil || found {
		t.Errorf("corrupt record: found=%v err=%v, want a fresh cursor", found, err)
	}
}

func TestConnectHonoursContext(t *testing.T) {
	// A server that accepts and then says nothing: the IMAP client has no
	// context of its own, so ctx must close the socket.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cfg := Config{Name: "mute", Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: TLSNone, Username: testUser, Password: testPassword}
	w := newWatcher(t, cfg, state.NewMemory())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Connect(ctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Connect = %v, want the context's deadline", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Connect ignored its context")
	}
}
