package drafts

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/agentd/agentd/internal/state"
)

// dovecotServer is Debian's Dovecot started by scripts/dovecot/start.sh.
type dovecotServer struct {
	t                    testing.TB
	dir                  string
	port                 int
	user, password, conf string
}

// startDovecot starts a Dovecot for this test, its SPECIAL-USE \Drafts
// mailbox named drafts. It runs only with AGENTD_INTEGRATION=1, and then
// a missing Dovecot is a failure.
func startDovecot(t testing.TB, drafts string) *dovecotServer {
	t.Helper()
	if os.Getenv("AGENTD_INTEGRATION") != "1" {
		t.Skip("integration test: set AGENTD_INTEGRATION=1 (needs Debian's dovecot-imapd)")
	}
	// Not t.TempDir(): a subtest's long name would push Dovecot's Unix
	// sockets past the 108-byte path limit.
	dir, err := os.MkdirTemp("", "agentd-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &dovecotServer{t: t, dir: dir}
	cmd := exec.Command(scriptPath("start.sh"), d.dir, "0")
	cmd.Env = append(os.Environ(), "DOVECOT_DRAFTS_MAILBOX="+drafts)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("scripts/dovecot/start.sh: %v\n%s", err, stderr)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(scriptPath("stop.sh"), d.dir).CombinedOutput(); err != nil {
			t.Errorf("scripts/dovecot/stop.sh: %v\n%s", err, out)
		}
	})
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
		t.Fatalf("start.sh printed %q", out)
	}
	return d
}

func scriptPath(name string) string {
	return filepath.Join("..", "..", "scripts", "dovecot", name)
}

func (d *dovecotServer) addr() string { return fmt.Sprintf("127.0.0.1:%d", d.port) }

func (d *dovecotServer) client() *imapclient.Client {
	d.t.Helper()
	return loginClient(d.t, d.addr(), d.user, d.password)
}

func (d *dovecotServer) store() *IMAP {
	d.t.Helper()
	st, err := NewIMAP(IMAPConfig{
		Host: "127.0.0.1", Port: d.port, TLS: TLSNone, Username: d.user,
		Password: func(context.Context) (string, error) { return d.password, nil },
	}, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	return st
}

// maildir is the user's Maildir++ root as Dovecot lays it out.
func (d *dovecotServer) maildir() string { return filepath.Join(d.dir, "mail", d.user) }

func TestDovecotLifecycle(t *testing.T) {
	lifecycleSuite(t, func(t *testing.T) (Store, fixture) {
		d := startDovecot(t, "Drafts")
		return d.store(), imapFixture{t: t, client: d.client, mailbox: "Drafts"}
	})
}

// TestDovecotSpecialUse: Dovecot marks Entwürfe \Drafts; a plain mailbox
// named Drafts is a decoy. The draft goes to Entwürfe with \Draft, and
// the user's mail client sees its threading headers.
func TestDovecotSpecialUse(t *testing.T) {
	d := startDovecot(t, "Entwürfe")
	c := d.client()
	defer c.Close()
	if err := c.Create("Drafts", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if !c.Caps().Has(imap.CapSpecialUse) {
		t.Fatalf("Dovecot does not announce SPECIAL-USE: %v", c.Caps())
	}

	ctx := context.Background()
	kv := state.NewMemory()
	n := newNotifier(t, d.store(), kv)
	id, err := n.Save(ctx, answering("q2@example.net", "Vendredi me va."))
	if err != nil {
		t.Fatal(err)
	}
	if msgs := imapMessages(t, c, "Drafts"); len(msgs) != 0 {
		t.Errorf("%d messages in the decoy Drafts", len(msgs))
	}
	msgs := imapMessages(t, c, "Entwürfe")
	if len(msgs) != 1 || headerMessageID(msgs[0].raw) != id {
		t.Fatalf("Entwürfe holds %d messages, want the draft %s", len(msgs), id)
	}
	if !slices.Contains(msgs[0].flags, imap.FlagDraft) {
		t.Errorf("flags %v, want \\Draft", msgs[0].flags)
	}
	// What the user's client shows in its thread view.
	env, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil || len(env) != 1 {
		t.Fatalf("fetch envelope: %v", err)
	}
	e := env[0].Envelope
	if e.Subject != "Re: Réunion de vendredi" || !slices.Equal(e.InReplyTo, []string{"q2@example.net"}) || e.MessageID != id ||
		len(e.To) != 1 || e.To[0].Addr() != "zoe@example.net" || e.To[0].Name != "Zoë Müller" {
		t.Errorf("envelope %+v", e)
	}
	// Another restart and the same state: still one draft.
	if again, err := newNotifier(t, d.store(), kv).Save(ctx, answering("q2@example.net", "x")); err != nil || again != id {
		t.Errorf("after restart: %q %v", again, err)
	}
	if msgs := imapMessages(t, c, "Entwürfe"); len(msgs) != 1 {
		t.Errorf("%d drafts after restart, want 1", len(msgs))
	}
}

// TestDovecotMaildir: the Maildir store writes into Dovecot's own Maildir
// (as agentd does for a local account that Dovecot serves); Dovecot shows
// the file as a \Draft, and an edit made over IMAP is seen as an edit.
func TestDovecotMaildir(t *testing.T) {
	d := startDovecot(t, "Drafts")
	c := d.client()
	defer c.Close()
	// Dovecot creates the Maildir and its auto mailboxes at the first
	// login.
	imapMessages(t, c, "Drafts")
	if !isMaildir(filepath.Join(d.maildir(), ".Drafts")) {
		t.Fatalf("no Maildir++ .Drafts under %s", d.maildir())
	}

	ctx := context.Background()
	st := newMaildirStore(t, MaildirConfig{Path: d.maildir()})
	kv := state.NewMemory()
	first, err := newNotifier(t, st, kv).Save(ctx, answering("q2@example.net", "Vendredi me va."))
	if err != nil {
		t.Fatal(err)
	}
	chownLike(t, d.maildir())
	msgs := imapMessages(t, c, "Drafts")
	if len(msgs) != 1 || headerMessageID(msgs[0].raw) != first {
		t.Fatalf("Dovecot shows %d drafts, want %s", len(msgs), first)
	}
	if !slices.Contains(msgs[0].flags, imap.FlagDraft) || !slices.Contains(msgs[0].flags, imap.FlagSeen) {
		t.Errorf("Dovecot reads flags %v, want \\Draft and \\Seen", msgs[0].flags)
	}
	if !Untouched(msgs[0].raw) {
		t.Error("served over IMAP (CRLF) the draft must still verify")
	}

	// The user edits the draft in a client over IMAP.
	f := imapFixture{t: t, client: d.client, mailbox: "Drafts"}
	f.edit(first, edited)
	if found, untouched, err := st.Find(ctx, first); err != nil || !found || untouched {
		t.Fatalf("Maildir Find after an IMAP edit = %v %v %v, want found and edited", found, untouched, err)
	}
	// The thread moves on: the reply is the user's now, agentd writes no
	// other draft and leaves the edited one alone.
	if _, err := newNotifier(t, st, kv).Save(ctx, answering("q3@example.net", "Samedi aussi.")); !errors.Is(err, ErrUserDraft) {
		t.Fatalf("save after the user's edit: %v, want ErrUserDraft", err)
	}
	var ids []string
	for _, m := range imapMessages(t, c, "Drafts") {
		ids = append(ids, headerMessageID(m.raw))
	}
	if !slices.Equal(ids, []string{first}) {
		t.Errorf("Dovecot shows %q, want only the user's edited draft", ids)
	}
}

// chownLike gives the files under root the owner of root: the tests run
// as root, Dovecot reads mail as the mail user (as agentd would run as
// the user who owns the Maildir).
func chownLike(t testing.TB, root string) {
	t.Helper()
	st, err := os.Stat(root)
	if err != nil {
		t.Fatal(err)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || os.Getuid() != 0 {
		return
	}
	err = filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(sys.Uid), int(sys.Gid))
	})
	if err != nil {
		t.Fatal(err)
	}
}
