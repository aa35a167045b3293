package imap

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

const (
	testUser     = "alice"
	testPassword = "pw-7f3a9c-never-logged"
	// waitFor bounds how long a test waits for something that should
	// happen in milliseconds; it is a failure bound, not a measurement.
	waitFor = 10 * time.Second
)

// testServer is go-imap's in-memory server on a loopback port. The data
// (imapmemserver) outlives the listener, so a test can stop and restart
// the server and find the same mail, like a real server rebooting.
type testServer struct {
	t    testing.TB
	mem  *imapmemserver.Server
	user *imapmemserver.User
	// sent, when set, is the mailbox marked \Sent in LIST RETURN
	// (SPECIAL-USE), which imapmemserver itself does not do; SPECIAL-USE
	// is then advertised.
	sent string
	// tls, when set, is offered: implicit (on the listener) or STARTTLS.
	tls      *tls.Config
	implicit bool

	// idling counts sessions in IDLE: a test delivers once the watcher
	// listens, instead of sleeping.
	idling atomic.Int32

	mu        sync.Mutex
	mailboxes []string
	srv       *imapserver.Server
	addr      string
}

// waitIdling waits until n sessions are in IDLE.
func (s *testServer) waitIdling(n int) {
	s.t.Helper()
	deadline := time.Now().Add(waitFor)
	for int(s.idling.Load()) < n {
		if time.Now().After(deadline) {
			s.t.Fatalf("%d sessions idling after %s, want %d", s.idling.Load(), waitFor, n)
		}
		time.Sleep(time.Millisecond)
	}
}

type serverOption func(*testServer)

func withSpecialUseSent(name string) serverOption { return func(s *testServer) { s.sent = name } }

func withTLS(cfg *tls.Config, implicit bool) serverOption {
	return func(s *testServer) { s.tls, s.implicit = cfg, implicit }
}

// newTestServer starts a server with the given mailboxes (INBOX always).
func newTestServer(t testing.TB, mailboxes []string, opts ...serverOption) *testServer {
	t.Helper()
	s := &testServer{t: t, mem: imapmemserver.New(), user: imapmemserver.NewUser(testUser, testPassword)}
	for _, o := range opts {
		o(s)
	}
	s.mem.AddUser(s.user)
	for _, mb := range append([]string{"INBOX"}, mailboxes...) {
		s.create(mb)
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *testServer) create(name string) {
	s.t.Helper()
	if err := s.user.Create(name, nil); err != nil {
		s.t.Fatalf("create %q: %v", name, err)
	}
	s.mu.Lock()
	if !slices.Contains(s.mailboxes, name) {
		s.mailboxes = append(s.mailboxes, name)
	}
	s.mu.Unlock()
}

// recreate deletes and creates a mailbox: it gets a new UIDVALIDITY.
func (s *testServer) recreate(name string) {
	s.t.Helper()
	if err := s.user.Delete(name); err != nil {
		s.t.Fatalf("delete %q: %v", name, err)
	}
	s.create(name)
}

// start listens on the previous address (a restart) or a free port.
func (s *testServer) start() {
	s.t.Helper()
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if s.sent != "" {
		caps[imap.CapSpecialUse] = struct{}{}
	}
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &testSession{srv: s}, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       discardLogger{},
	}
	if s.tls != nil && !s.implicit {
		opts.TLSConfig = s.tls
	}
	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	// The old listener's port may take a moment to be free again.
	for deadline := time.Now().Add(waitFor); ; time.Sleep(10 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		s.t.Fatalf("listen: %v", err)
	}
	if s.tls != nil && s.implicit {
		ln = tls.NewListener(ln, s.tls)
	}
	srv := imapserver.New(opts)
	s.mu.Lock()
	s.srv, s.addr = srv, ln.Addr().String()
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// stop closes the listener and every connection; the mail stays.
func (s *testServer) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

func (s *testServer) port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	var n int
	fmt.Sscan(p, &n)
	return n
}

// config is a watcher config for this server (plain, loopback).
func (s *testServer) config() Config {
	cfg := Config{
		Name: "test", Host: "127.0.0.1", Port: s.port(), TLS: TLSNone,
		Username: testUser, Password: testPassword,
	}
	if s.tls != nil {
		cfg.TLS = TLSStartTLS
		if s.implicit {
			cfg.TLS = TLSImplicit
		}
	}
	return cfg
}

// client is a second IMAP client, the user's mail program or an MTA.
func (s *testServer) client() *imapclient.Client {
	s.t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		s.t.Fatalf("dial: %v", err)
	}
	if err := c.Login(testUser, testPassword).Wait(); err != nil {
		s.t.Fatalf("login: %v", err)
	}
	return c
}

// deliver appends a message through a second IMAP client, like a mail
// program or a delivery agent would.
func (s *testServer) deliver(mailbox string, raw []byte, at time.Time, flags ...imap.Flag) imap.UID {
	s.t.Helper()
	c := s.client()
	defer c.Close()
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Time: at, Flags: flags})
	if _, err := cmd.Write(raw); err != nil {
		s.t.Fatalf("append to %q: %v", mailbox, err)
	}
	if err := cmd.Close(); err != nil {
		s.t.Fatalf("append to %q: %v", mailbox, err)
	}
	res, err := cmd.Wait()
	if err != nil {
		s.t.Fatalf("append to %q: %v", mailbox, err)
	}
	return res.UID
}

// put stores a message without going through the protocol (fast set-up of
// big mailboxes).
func (s *testServer) put(mailbox string, raw []byte, at time.Time, flags ...imap.Flag) {
	s.t.Helper()
	if _, err := s.user.Append(mailbox, literal{bytes.NewReader(raw)}, &imap.AppendOptions{Time: at, Flags: flags}); err != nil {
		s.t.Fatalf("put into %q: %v", mailbox, err)
	}
}

// flags returns the flags of every message of mailbox, by UID.
func (s *testServer) flags(mailbox string) map[imap.UID][]imap.Flag {
	s.t.Helper()
	c := s.client()
	defer c.Close()
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		s.t.Fatalf("examine %q: %v", mailbox, err)
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		s.t.Fatalf("fetch flags: %v", err)
	}
	out := map[imap.UID][]imap.Flag{}
	for _, m := range msgs {
		out[m.UID] = m.Flags
	}
	return out
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

// testSession is imapmemserver's session, with a LIST that reports
// SPECIAL-USE attributes when the server is set up with one.
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

func (s *testSession) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if s.srv.sent == "" || len(patterns) == 0 {
		return s.UserSession.List(w, ref, patterns, options)
	}
	s.srv.mu.Lock()
	names := slices.Clone(s.srv.mailboxes)
	s.srv.mu.Unlock()
	slices.Sort(names)
	for _, name := range names {
		if !slices.ContainsFunc(patterns, func(p string) bool { return imapserver.MatchList(name, '/', ref, p) }) {
			continue
		}
		data := &imap.ListData{Mailbox: name, Delim: '/'}
		if options != nil && options.ReturnSpecialUse && name == s.srv.sent {
			data.Attrs = append(data.Attrs, imap.MailboxAttrSent)
		}
		if err := w.WriteList(data); err != nil {
			return err
		}
	}
	return nil
}

// Idle first sends the updates that came before IDLE, as Dovecot does;
// imapmemserver sends only those that arrive during IDLE.
func (s *testSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if err := s.UserSession.Poll(w, true); err != nil {
		return err
	}
	s.srv.idling.Add(1)
	defer s.srv.idling.Add(-1)
	return s.UserSession.Idle(w, stop)
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// testMail is a small RFC 5322 message. An empty id leaves out Message-ID.
func testMail(id, from, subject string, date time.Time, body string) []byte {
	var b strings.Builder
	if id != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", id)
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: Alice <alice@example.org>\r\nSubject: %s\r\nDate: %s\r\n", from, subject, date.Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	b.WriteString("\r\n")
	return []byte(b.String())
}

// sink is the bus: it records what the watcher published. fail, when set,
// may refuse an event.
type sink struct {
	mu   sync.Mutex
	evs  []event.Event
	ch   chan event.Event
	fail func(event.Event) error
}

func newSink() *sink { return &sink{ch: make(chan event.Event, 1<<16)} }

func (s *sink) publish(_ context.Context, ev event.Event) error {
	s.mu.Lock()
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		if err := fail(ev); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.evs = append(s.evs, ev)
	s.mu.Unlock()
	s.ch <- ev
	return nil
}

func (s *sink) all() []event.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.evs)
}

// next waits for the next published event.
func (s *sink) next(t testing.TB) event.Event {
	t.Helper()
	select {
	case ev := <-s.ch:
		return ev
	case <-time.After(waitFor):
		t.Fatalf("no event within %s", waitFor)
		return event.Event{}
	}
}

// mailData decodes an event's data.
func mailData(t testing.TB, ev event.Event) event.Mail {
	t.Helper()
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// subjects lists the subjects of events, in order.
func subjects(evs []event.Event) []string {
	out := make([]string, 0, len(evs))
	for _, ev := range evs {
		out = append(out, ev.Subject)
	}
	return out
}

// testNow is the in-process tests' "now". newWatcher gives the watcher this
// clock and the tests date their mails from it, so that the look-back and
// the Seen times do not depend on the day the tests run.
func testNow() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) }

// newWatcher builds a watcher on the testNow clock (a later WithClock in
// opts wins) or fails the test.
func newWatcher(t testing.TB, cfg Config, store state.Store, opts ...Option) *Watcher {
	t.Helper()
	w, err := New(cfg, store, slog.New(slog.DiscardHandler), append([]Option{WithClock(testNow)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// running is a watcher's Run in the background.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

// startWatcher connects w and runs it until the test ends (or stop).
func startWatcher(t testing.TB, w *Watcher, publish func(context.Context, event.Event) error) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := w.Connect(ctx); err != nil {
		cancel()
		t.Fatalf("connect: %v", err)
	}
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- w.Run(ctx, publish) }()
	t.Cleanup(func() { r.stop(t); _ = w.Close(context.Background()) })
	return r
}

// stop cancels Run and returns what it returned.
func (r *running) stop(t testing.TB) error {
	t.Helper()
	r.cancel()
	return r.wait(t)
}

// wait returns Run's result.
func (r *running) wait(t testing.TB) error {
	t.Helper()
	select {
	case err, ok := <-r.done:
		if !ok {
			return nil
		}
		close(r.done)
		return err
	case <-time.After(waitFor):
		t.Fatalf("Run did not return within %s", waitFor)
		return nil
	}
}

// clock is a settable clock.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.set(t); return c }
func (c *clock) set(t time.Time)  { c.ns.Store(t.UnixNano()) }
func (c *clock) now() time.Time   { return time.Unix(0, c.ns.Load()) }

// selfSigned returns server and client TLS configs for 127.0.0.1.
func selfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "agentd test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool}
}

// countingConn counts the bytes read from the server.
type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// countingDialer dials plain TCP and counts the bytes received into n.
func countingDialer(n *atomic.Int64) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, read: n}, nil
	}
}

var errRefused = errors.New("bus refuses")

var _ io.Reader = literal{}
