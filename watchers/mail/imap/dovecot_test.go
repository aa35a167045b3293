package imap

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers"
)

// dovecotServer is Debian's Dovecot started by scripts/dovecot/start.sh.
type dovecotServer struct {
	t                    testing.TB
	dir                  string
	port                 int
	user, password, conf string
}

// startDovecot starts a Dovecot for this test. It runs only with
// AGENTD_INTEGRATION=1, and then a missing Dovecot is a failure.
func startDovecot(t testing.TB) *dovecotServer {
	t.Helper()
	if os.Getenv("AGENTD_INTEGRATION") != "1" {
		t.Skip("integration test: set AGENTD_INTEGRATION=1 (needs Debian's dovecot-imapd)")
	}
	d := &dovecotServer{t: t, dir: t.TempDir()}
	d.start()
	t.Cleanup(d.stop)
	return d
}

func scriptPath(name string) string {
	return filepath.Join("..", "..", "..", "scripts", "dovecot", name)
}

func (d *dovecotServer) start() {
	d.t.Helper()
	out, err := exec.Command(scriptPath("start.sh"), d.dir, strconv.Itoa(d.port)).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		d.t.Fatalf("scripts/dovecot/start.sh: %v\n%s", err, stderr)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "DOVECOT_PORT":
			d.port, _ = strconv.Atoi(v)
		case "DOVECOT_USER":
			d.user = v
		case "DOVECOT_PASSWORD":
			d.password = v
		case "DOVECOT_CONFIG":
			d.conf = v
		}
	}
	if d.port == 0 || d.conf == "" {
		d.t.Fatalf("start.sh printed %q", out)
	}
}

func (d *dovecotServer) stop() {
	if out, err := exec.Command(scriptPath("stop.sh"), d.dir).CombinedOutput(); err != nil {
		d.t.Errorf("scripts/dovecot/stop.sh: %v\n%s", err, out)
	}
}

// deliver stores a message the way a local delivery agent does; Dovecot
// tells IDLE clients at once. It works while the server is down too.
func (d *dovecotServer) deliver(mailbox string, raw []byte) {
	d.t.Helper()
	cmd := exec.Command("doveadm", "-c", d.conf, "save", "-u", d.user, "-m", mailbox)
	cmd.Stdin = bytes.NewReader(raw)
	if out, err := cmd.CombinedOutput(); err != nil {
		d.t.Fatalf("doveadm save to %q: %v\n%s", mailbox, err, out)
	}
}

// deliverOffline drops a message into the user's Maildir INBOX, as an
// MTA's delivery agent does while the IMAP server is down (doveadm needs
// the running server's auth service).
func (d *dovecotServer) deliverOffline(raw []byte) {
	d.t.Helper()
	inbox := filepath.Join(d.dir, "mail", d.user, "new")
	st, err := os.Stat(inbox)
	if err != nil {
		d.t.Fatalf("maildir: %v", err)
	}
	name := filepath.Join(inbox, fmt.Sprintf("%d.agentd%d.localhost", time.Now().Unix(), time.Now().UnixNano()))
	if err := os.WriteFile(name+".tmp", raw, 0o644); err != nil {
		d.t.Fatal(err)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && os.Getuid() == 0 {
		// Dovecot renames it into cur/ as the mail user.
		if err := os.Chown(name+".tmp", int(sys.Uid), int(sys.Gid)); err != nil {
			d.t.Fatal(err)
		}
	}
	if err := os.Rename(name+".tmp", name); err != nil {
		d.t.Fatal(err)
	}
}

func (d *dovecotServer) config() Config {
	return Config{
		Name: "dovecot", Host: "127.0.0.1", Port: d.port, TLS: TLSNone,
		Username: d.user, Password: d.password,
	}
}

// client is a second IMAP client logged in to Dovecot.
func (d *dovecotServer) client() *imapclient.Client {
	d.t.Helper()
	c, err := imapclient.DialInsecure(fmt.Sprintf("127.0.0.1:%d", d.port), nil)
	if err != nil {
		d.t.Fatal(err)
	}
	if err := c.Login(d.user, d.password).Wait(); err != nil {
		d.t.Fatal(err)
	}
	return c
}

func TestDovecotIdleAndSpecialUse(t *testing.T) {
	d := startDovecot(t)
	// Dovecot stamps each arrival with the real time: the watcher reads the
	// same clock.
	w := newWatcher(t, d.config(), state.NewMemory(), WithClock(time.Now))
	bus := newSink()
	// The first run is done: what arrives next is news, not backfill.
	if err := w.SyncOnce(context.Background(), bus.publish); err != nil {
		t.Fatal(err)
	}
	startWatcher(t, w, bus.publish)

	w.mu.Lock()
	mbs := slices.Clone(w.mailboxes)
	w.mu.Unlock()
	want := []mailbox{{Name: "INBOX"}, {Name: "Sent", Sent: true, SentBy: "special-use"}}
	if !slices.Equal(mbs, want) {
		t.Errorf("watching %+v, want %+v", mbs, want)
	}

	now := time.Now()
	d.deliver("INBOX", testMail("dove-1@example.org", "Bob <bob@example.org>", "Dovecot says hi", now, "Can you review the draft by Friday?"))
	ev := bus.next(t)
	m := mailData(t, ev)
	if ev.Subject != "Dovecot says hi" || m.MessageID != "dove-1@example.org" || m.Backfill || !strings.Contains(m.Text, "by Friday") {
		t.Errorf("event %q: data %+v", ev.Subject, m)
	}
	d.deliver("Sent", testMail("dove-2@example.org", "Alice <alice@example.org>", "Re: Dovecot says hi", now, "Sure."))
	if ev := bus.next(t); ev.Type != "mail.sent" || ev.Subject != "Re: Dovecot says hi" {
		t.Errorf("from Sent: %s %q, want mail.sent", ev.Type, ev.Subject)
	}

	// Still unread on the server.
	c := d.client()
	defer c.Close()
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || len(msgs) != 1 || slices.Contains(msgs[0].Flags, imap.FlagSeen) {
		t.Errorf("flags on the server: %+v %v, want not \\Seen", msgs, err)
	}
}

func TestDovecotRestartLosesNothing(t *testing.T) {
	d := startDovecot(t)
	// Dovecot stamps each arrival with the real time: the watcher reads the
	// same clock.
	w := newWatcher(t, d.config(), state.NewMemory(), WithClock(time.Now))
	bus := newSink()
	if err := w.SyncOnce(context.Background(), bus.publish); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runner := watchers.NewRunner(slog.New(slog.DiscardHandler), watchers.WithBackoff(50*time.Millisecond, 500*time.Millisecond))
	runner.Start(ctx, []watchers.Watcher{w}, bus.publish)
	t.Cleanup(func() { cancel(); runner.Wait() })

	now := time.Now()
	d.deliver("INBOX", testMail("r1@x", "Bob <bob@example.org>", "before restart", now, "x"))
	bus.next(t)

	d.stop()
	// Mail keeps arriving while the IMAP server is down.
	d.deliverOffline(testMail("r2@x", "Bob <bob@example.org>", "while down", now, "x"))
	deadline := time.Now().Add(waitFor)
	for h := runner.Health(); len(h) == 0 || h[0].OK; h = runner.Health() {
		if time.Now().After(deadline) {
			t.Fatalf("runner health %+v: the outage was not noticed", h)
		}
		time.Sleep(10 * time.Millisecond)
	}
	d.start() // same port, same Maildir

	if ev := bus.next(t); ev.Subject != "while down" || mailData(t, ev).Backfill {
		t.Errorf("after restart got %q, want \"while down\", not backfill", ev.Subject)
	}
	d.deliver("INBOX", testMail("r3@x", "Bob <bob@example.org>", "after restart", now, "x"))
	bus.next(t)
	if got := subjects(bus.all()); !slices.Equal(got, []string{"before restart", "while down", "after restart"}) {
		t.Errorf("published %q, want each mail once", got)
	}
	if h := runner.Health(); len(h) != 1 || !h[0].OK {
		t.Errorf("health after restart = %+v", h)
	}
}
