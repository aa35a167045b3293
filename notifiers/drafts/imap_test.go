package drafts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

const (
	testUser     = "alice"
	testPassword = "secret-pw"
)

// testServer is go-imap's in-memory server on a loopback port, with the
// SPECIAL-USE and CREATE-SPECIAL-USE that imapmemserver lacks added when
// a test asks for them.
type testServer struct {
	t    testing.TB
	mem  *imapmemserver.Server
	user *imapmemserver.User
	caps imap.CapSet

	mu         sync.Mutex
	mailboxes  []string
	specialUse map[string]imap.MailboxAttr // advertised when SPECIAL-USE is on
	created    map[string][]imap.MailboxAttr
	addr       string
}

type serverOption func(*testServer)

// withSpecialUse advertises SPECIAL-USE and marks mailbox with attr.
func withSpecialUse(mailbox string, attr imap.MailboxAttr) serverOption {
	return func(s *testServer) {
		s.caps[imap.CapSpecialUse] = struct{}{}
		s.specialUse[mailbox] = attr
	}
}

// withCreateSpecialUse advertises CREATE-SPECIAL-USE (and SPECIAL-USE).
func withCreateSpecialUse() serverOption {
	return func(s *testServer) {
		s.caps[imap.CapSpecialUse] = struct{}{}
		s.caps[imap.CapCreateSpecialUse] = struct{}{}
	}
}

// withoutUIDPlus makes an IMAP4rev1 server without UIDPLUS.
func withoutUIDPlus() serverOption {
	return func(s *testServer) { s.caps = imap.CapSet{imap.CapIMAP4rev1: {}} }
}

func newTestServer(t testing.TB, mailboxes []string, opts ...serverOption) *testServer {
	t.Helper()
	s := &testServer{
		t: t, mem: imapmemserver.New(), user: imapmemserver.NewUser(testUser, testPassword),
		caps:       imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		specialUse: map[string]imap.MailboxAttr{},
		created:    map[string][]imap.MailboxAttr{},
	}
	for _, o := range opts {
		o(s)
	}
	s.mem.AddUser(s.user)
	for _, mb := range append([]string{"INBOX"}, mailboxes...) {
		if err := s.user.Create(mb, nil); err != nil {
			t.Fatalf("create %q: %v", mb, err)
		}
		s.mailboxes = append(s.mailboxes, mb)
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &testSession{srv: s}, nil, nil
		},
		Caps:         s.caps,
		InsecureAuth: true,
		Logger:       log.New(discard{}, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func (s *testServer) port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	var n int
	fmt.Sscan(p, &n)
	return n
}

func (s *testServer) store() *IMAP {
	s.t.Helper()
	st, err := NewIMAP(IMAPConfig{
		Host: "127.0.0.1", Port: s.port(), TLS: TLSNone, Username: testUser,
		Password: func(context.Context) (string, error) { return testPassword, nil },
	}, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

func (s *testServer) client() *imapclient.Client {
	s.t.Helper()
	return loginClient(s.t, s.addr, testUser, testPassword)
}

func (s *testServer) hasMailbox(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.mailboxes, name)
}

// testSession is imapmemserver's session with SPECIAL-USE in LIST and
// CREATE that remembers the special use asked for.
type testSession struct {
	*imapmemserver.UserSession // nil until login
	srv                        *testServer
}

func (s *testSession) Login(username, password string) error {
	if username != testUser {
		return imapserver.ErrAuthFailed
	}
	if err := s.srv.user.Login(username, password); err != nil {
		return err
	}
	s.UserSession = imapmemserver.NewUserSession(s.srv.user)
	return nil
}

func (s *testSession) Create(name string, options *imap.CreateOptions) error {
	if err := s.UserSession.Create(name, options); err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.mailboxes = append(s.srv.mailboxes, name)
	if options != nil && len(options.SpecialUse) > 0 {
		s.srv.created[name] = options.SpecialUse
		if len(options.SpecialUse) == 1 {
			s.srv.specialUse[name] = options.SpecialUse[0]
		}
	}
	return nil
}

func (s *testSession) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if !s.srv.caps.Has(imap.CapSpecialUse) || len(patterns) == 0 {
		return s.UserSession.List(w, ref, patterns, options)
	}
	s.srv.mu.Lock()
	names := slices.Clone(s.srv.mailboxes)
	uses := map[string]imap.MailboxAttr{}
	for k, v := range s.srv.specialUse {
		uses[k] = v
	}
	s.srv.mu.Unlock()
	slices.Sort(names)
	for _, name := range names {
		if !slices.ContainsFunc(patterns, func(p string) bool { return imapserver.MatchList(name, '/', ref, p) }) {
			continue
		}
		data := &imap.ListData{Mailbox: name, Delim: '/'}
		if attr, ok := uses[name]; ok && options != nil && options.ReturnSpecialUse {
			data.Attrs = append(data.Attrs, attr)
		}
		if err := w.WriteList(data); err != nil {
			return err
		}
	}
	return nil
}

// loginClient is a second IMAP client: the user's mail program.
func loginClient(t testing.TB, addr, user, password string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	return c
}

// imapMessage is a message as the user's mail client sees it.
type imapMessage struct {
	uid   imap.UID
	flags []imap.Flag
	raw   []byte
}

// imapMessages returns the messages of mailbox not flagged \Deleted.
func imapMessages(t testing.TB, c *imapclient.Client, mailbox string) []imapMessage {
	t.Helper()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("examine %q: %v", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	whole := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{whole},
	}).Collect()
	if err != nil {
		t.Fatalf("fetch %q: %v", mailbox, err)
	}
	var out []imapMessage
	for _, m := range msgs {
		if slices.Contains(m.Flags, imap.FlagDeleted) {
			continue
		}
		out = append(out, imapMessage{uid: m.UID, flags: m.Flags, raw: m.FindBodySection(whole)})
	}
	return out
}

// imapAppend stores raw as the user's mail client saves a draft.
func imapAppend(t testing.TB, c *imapclient.Client, mailbox string, raw []byte, flags ...imap.Flag) {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append to %q: %v", mailbox, err)
	}
}

// imapRemove deletes and expunges the messages of mailbox with msgID, as
// a client does for a draft it replaced or the user discarded.
func imapRemove(t testing.TB, c *imapclient.Client, mailbox, msgID string) {
	t.Helper()
	for _, m := range imapMessages(t, c, mailbox) {
		if headerMessageID(m.raw) != msgID {
			continue
		}
		if _, err := c.Select(mailbox, nil).Wait(); err != nil {
			t.Fatal(err)
		}
		var uids imap.UIDSet
		uids.AddNum(m.uid)
		if err := c.Store(uids, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.Expunge().Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// imapFixture lets the shared lifecycle suite look at and play the user
// on an IMAP Drafts mailbox.
type imapFixture struct {
	t       testing.TB
	client  func() *imapclient.Client
	mailbox string
}

func (f imapFixture) drafts() []storedDraft {
	c := f.client()
	defer c.Close()
	var out []storedDraft
	for _, m := range imapMessages(f.t, c, f.mailbox) {
		var flags []string
		for _, fl := range m.flags {
			flags = append(flags, string(fl))
		}
		out = append(out, storedDraft{raw: m.raw, flags: flags})
	}
	return out
}

func (f imapFixture) edit(msgID string, change func([]byte) []byte) {
	c := f.client()
	defer c.Close()
	for _, m := range imapMessages(f.t, c, f.mailbox) {
		if headerMessageID(m.raw) == msgID {
			// A client saves the edited copy, then drops the old one.
			imapAppend(f.t, c, f.mailbox, change(m.raw), imap.FlagDraft, imap.FlagSeen)
			imapRemoveUID(f.t, c, f.mailbox, m.uid)
			return
		}
	}
	f.t.Fatalf("no draft %s to edit", msgID)
}

func (f imapFixture) remove(msgID string) {
	c := f.client()
	defer c.Close()
	imapRemove(f.t, c, f.mailbox, msgID)
}

func imapRemoveUID(t testing.TB, c *imapclient.Client, mailbox string, uid imap.UID) {
	t.Helper()
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var uids imap.UIDSet
	uids.AddNum(uid)
	if err := c.Store(uids, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.UIDExpunge(uids).Close(); err != nil {
		t.Fatal(err)
	}
}

func TestIMAPLifecycle(t *testing.T) {
	lifecycleSuite(t, func(t *testing.T) (Store, fixture) {
		s := newTestServer(t, []string{"Drafts", "Sent"})
		return s.store(), imapFixture{t: t, client: s.client, mailbox: "Drafts"}
	})
}

func TestIMAPDraftsBySpecialUse(t *testing.T) {
	// A mailbox named Drafts exists, but the server says Entwürfe is the
	// Drafts mailbox: SPECIAL-USE wins.
	s := newTestServer(t, []string{"Drafts", "Entwürfe", "Sent"}, withSpecialUse("Entwürfe", imap.MailboxAttrDrafts))
	st := s.store()
	ctx := context.Background()
	raw := composeFor(t, "agentd.su@example.org")
	if err := st.Save(ctx, raw, "agentd.su@example.org"); err != nil {
		t.Fatal(err)
	}
	c := s.client()
	defer c.Close()
	if n := len(imapMessages(t, c, "Drafts")); n != 0 {
		t.Errorf("%d messages in the decoy Drafts", n)
	}
	msgs := imapMessages(t, c, "Entwürfe")
	if len(msgs) != 1 || !bytes.Equal(msgs[0].raw, raw) {
		t.Fatalf("Entwürfe holds %d messages; want the draft byte for byte", len(msgs))
	}
	if !slices.Contains(msgs[0].flags, imap.FlagDraft) || !slices.Contains(msgs[0].flags, imap.FlagSeen) {
		t.Errorf("flags %v, want \\Draft and \\Seen", msgs[0].flags)
	}
	found, untouched, err := st.Find(ctx, "agentd.su@example.org")
	if err != nil || !found || !untouched {
		t.Errorf("Find = %v %v %v, want found and untouched", found, untouched, err)
	}
	// A substring of the id is not the id.
	if found, _, err := st.Find(ctx, "su@example.org"); err != nil || found {
		t.Errorf("Find of a substring = %v %v", found, err)
	}
}

func TestIMAPDraftsByName(t *testing.T) {
	s := newTestServer(t, []string{"Archive", "Brouillons", "Sent"})
	st := s.store()
	ctx := context.Background()
	if err := st.Save(ctx, composeFor(t, "agentd.n@example.org"), "agentd.n@example.org"); err != nil {
		t.Fatal(err)
	}
	c := s.client()
	defer c.Close()
	if n := len(imapMessages(t, c, "Brouillons")); n != 1 {
		t.Errorf("Brouillons holds %d messages, want the draft", n)
	}
	if s.hasMailbox("Drafts") {
		t.Error("a Drafts mailbox was created although Brouillons exists")
	}
}

func TestDraftsByName(t *testing.T) {
	tests := map[string]struct {
		names []string
		want  string
	}{
		"none":                   {[]string{"INBOX", "Sent", "Archive/Drafts"}, ""},
		"plain":                  {[]string{"INBOX", "Drafts"}, "Drafts"},
		"case":                   {[]string{"INBOX", "DRAFTS"}, "DRAFTS"},
		"courier namespace":      {[]string{"INBOX", "INBOX.Drafts", "INBOX.Sent"}, "INBOX.Drafts"},
		"gmail":                  {[]string{"INBOX", "[Gmail]/Drafts", "[Gmail]/Sent Mail"}, "[Gmail]/Drafts"},
		"german":                 {[]string{"INBOX", "Entwürfe"}, "Entwürfe"},
		"french in inbox":        {[]string{"INBOX", "INBOX/Brouillons"}, "INBOX/Brouillons"},
		"english before french":  {[]string{"Brouillons", "Drafts"}, "Drafts"},
		"shallower on a tie":     {[]string{"INBOX.Drafts", "Drafts"}, "Drafts"},
		"not under another tree": {[]string{"Projects/Drafts"}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := draftsByName(tc.names); got != tc.want {
				t.Errorf("draftsByName(%q) = %q, want %q", tc.names, got, tc.want)
			}
		})
	}
}

func TestIMAPDraftsCreated(t *testing.T) {
	ctx := context.Background()
	t.Run("with CREATE-SPECIAL-USE", func(t *testing.T) {
		s := newTestServer(t, []string{"Sent"}, withCreateSpecialUse())
		st := s.store()
		// Looking for a draft creates nothing.
		if found, _, err := st.Find(ctx, "agentd.c@example.org"); err != nil || found {
			t.Fatalf("Find = %v %v", found, err)
		}
		if s.hasMailbox("Drafts") {
			t.Fatal("Find created a mailbox")
		}
		if err := st.Save(ctx, composeFor(t, "agentd.c@example.org"), "agentd.c@example.org"); err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		use := s.created["Drafts"]
		s.mu.Unlock()
		if !slices.Equal(use, []imap.MailboxAttr{imap.MailboxAttrDrafts}) {
			t.Errorf("Drafts created with special use %v, want \\Drafts", use)
		}
		// The next save finds it by its special use.
		if err := st.Save(ctx, composeFor(t, "agentd.d@example.org"), "agentd.d@example.org"); err != nil {
			t.Fatal(err)
		}
		c := s.client()
		defer c.Close()
		if n := len(imapMessages(t, c, "Drafts")); n != 2 {
			t.Errorf("Drafts holds %d messages, want 2", n)
		}
	})
	t.Run("plain", func(t *testing.T) {
		s := newTestServer(t, []string{"Sent"})
		st := s.store()
		if err := st.Save(ctx, composeFor(t, "agentd.c@example.org"), "agentd.c@example.org"); err != nil {
			t.Fatal(err)
		}
		if !s.hasMailbox("Drafts") {
			t.Fatal("no Drafts mailbox created")
		}
		c := s.client()
		defer c.Close()
		if n := len(imapMessages(t, c, "Drafts")); n != 1 {
			t.Errorf("Drafts holds %d messages, want 1", n)
		}
	})
}

func TestIMAPDeleteWithoutUIDPlus(t *testing.T) {
	ctx := context.Background()
	s := newTestServer(t, []string{"Drafts"}, withoutUIDPlus())
	st := s.store()
	for _, id := range []string{"agentd.1@example.org", "agentd.2@example.org"} {
		if err := st.Save(ctx, composeFor(t, id), id); err != nil {
			t.Fatal(err)
		}
	}
	c := s.client()
	defer c.Close()
	if err := st.Delete(ctx, "agentd.1@example.org"); err != nil {
		t.Fatal(err)
	}
	if msgs := imapMessages(t, c, "Drafts"); len(msgs) != 1 || headerMessageID(msgs[0].raw) != "agentd.2@example.org" {
		t.Fatalf("after delete: %d messages", len(msgs))
	}
	// The user marked some mail \Deleted and has not expunged it: a plain
	// EXPUNGE would take it too, so agentd's draft is only flagged.
	imapAppend(t, c, "Drafts", []byte("Subject: mine\r\nMessage-ID: <user@example.org>\r\n\r\nx\r\n"), imap.FlagDeleted)
	if err := st.Delete(ctx, "agentd.2@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("Drafts", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	all, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Errorf("%d messages left, want the user's deleted one and agentd's flagged one", len(all))
	}
	for _, m := range all {
		if !slices.Contains(m.Flags, imap.FlagDeleted) {
			t.Errorf("message %d flags %v, want \\Deleted", m.SeqNum, m.Flags)
		}
	}
	if found, _, err := st.Find(ctx, "agentd.2@example.org"); err != nil || found {
		t.Errorf("a draft flagged \\Deleted is gone for Find: %v %v", found, err)
	}
}

func TestIMAPDeleteRefusesEdited(t *testing.T) {
	ctx := context.Background()
	s := newTestServer(t, []string{"Drafts"})
	st := s.store()
	id := "agentd.e@example.org"
	if err := st.Save(ctx, composeFor(t, id), id); err != nil {
		t.Fatal(err)
	}
	f := imapFixture{t: t, client: s.client, mailbox: "Drafts"}
	f.edit(id, func(raw []byte) []byte { return bytes.Replace(raw, []byte("convient"), []byte("va"), 1) })
	if found, untouched, err := st.Find(ctx, id); err != nil || !found || untouched {
		t.Fatalf("Find = %v %v %v, want found and edited", found, untouched, err)
	}
	if err := st.Delete(ctx, id); !errors.Is(err, ErrEdited) {
		t.Fatalf("Delete = %v, want ErrEdited", err)
	}
	if n := len(f.drafts()); n != 1 {
		t.Errorf("%d drafts left, want the edited one", n)
	}
}

func TestIMAPErrors(t *testing.T) {
	ctx := context.Background()
	s := newTestServer(t, []string{"Drafts"})
	st, err := NewIMAP(IMAPConfig{
		Host: "127.0.0.1", Port: s.port(), TLS: TLSNone, Username: testUser,
		Password: func(context.Context) (string, error) { return "wrong-password-xyz", nil },
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = st.Find(ctx, "x@y")
	if err == nil || bytes.Contains([]byte(err.Error()), []byte("wrong-password-xyz")) {
		t.Errorf("bad login: %v (must fail and not show the password)", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.store().Save(cancelled, composeFor(t, "a@b.c"), "a@b.c"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled save: %v", err)
	}
	for name, cfg := range map[string]IMAPConfig{
		"no host":           {Username: "u", Password: func(context.Context) (string, error) { return "", nil }},
		"clear text remote": {Host: "mail.example.org", TLS: TLSNone, Username: "u", Password: func(context.Context) (string, error) { return "", nil }},
		"no password":       {Host: "mail.example.org", Username: "u"},
		"bad tls":           {Host: "mail.example.org", TLS: "maybe", Username: "u", Password: func(context.Context) (string, error) { return "", nil }},
	} {
		if _, err := NewIMAP(cfg, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// composeFor composes the test draft with msgID.
func composeFor(t testing.TB, msgID string) []byte {
	t.Helper()
	raw, err := Compose(testDraft(), msgID, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
