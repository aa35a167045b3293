package app

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/suggestions"
)

// smtpSink is go-smtp's server on loopback, requiring AUTH PLAIN, keeping
// what it accepts.
type smtpSink struct {
	port int
	mu   sync.Mutex
	msgs []string
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	s := &smtpSink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpSink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

func (s *smtpSink) waitMessages(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := s.messages(); len(m) >= n {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the SMTP server got %d messages, want %d", len(s.messages()), n)
	return nil
}

type sinkSession struct {
	s    *smtpSink
	auth bool
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "alice" || pass != "s3cret" {
			return smtp.ErrAuthFailed
		}
		ss.auth = true
		return nil
	}), nil
}
func (ss *sinkSession) Mail(string, *smtp.MailOptions) error {
	if !ss.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}
func (ss *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, string(b))
	ss.s.mu.Unlock()
	return nil
}
func (ss *sinkSession) Reset()        {}
func (ss *sinkSession) Logout() error { return nil }

func digestConfig(t *testing.T, port int, at string) *config.Config {
	t.Helper()
	t.Setenv("AGENTD_TEST_SMTP_PW", "s3cret")
	dir := t.TempDir()
	yaml := fmt.Sprintf(`user: {name: Test, email: test@example.com, timezone: Europe/Paris}
bus: {data_dir: %s}
notify:
  digest:
    at: %q
    from: agentd@example.com
    smtp: {host: 127.0.0.1, port: %d, tls: none, username: alice, password_env: AGENTD_TEST_SMTP_PW}
`, filepath.Join(dir, "data"), at, port)
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestDigestOnceAcrossRestart: a daemon started after the digest's time
// sends it at start; started again that day, it sends nothing more.
func TestDigestOnceAcrossRestart(t *testing.T) {
	sink := startSMTPSink(t)
	cfg := digestConfig(t, sink.port, "07:30")
	now := func() time.Time { return time.Date(2026, 12, 8, 9, 15, 0, 0, cfg.User.Location) }
	ctx := t.Context()

	a, err := New(Options{Config: cfg, Now: now, Logger: logToTest(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := sink.waitMessages(t, 1)
	for _, w := range []string{"To: <test@example.com>", "Auto-Submitted: auto-generated", "Subject: =?utf-8?q?Your_day,_Tue_8_Dec"} {
		if !strings.Contains(msgs[0], w) {
			t.Errorf("digest lacks %q:\n%s", w, msgs[0])
		}
	}
	store, err := a.bus.Store(ctx, bucketDigest)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		raw, err := store.Get(ctx, "digest.2026-12-08")
		var rec struct{ State string }
		if err == nil && json.Unmarshal(raw, &rec) == nil && rec.State == "sent" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sent mark: %s %v", raw, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopTestApp(t, a)

	b, err := New(Options{Config: cfg, Now: now, Logger: logToTest(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // its start check has run
	stopTestApp(t, b)
	if n := len(sink.messages()); n != 1 {
		t.Errorf("%d digests on one day across a restart, want 1", n)
	}
}

// TestDigestPreviewAndSend: the commands read the data dir: preview shows
// the open suggestions, send mails them at once.
func TestDigestPreviewAndSend(t *testing.T) {
	sink := startSMTPSink(t)
	cfg := digestConfig(t, sink.port, "23:59") // not due yet
	at := time.Date(2026, 12, 8, 7, 0, 0, 0, cfg.User.Location)
	ctx := t.Context()
	a, err := New(Options{Config: cfg, Now: func() time.Time { return at }, Logger: logToTest(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	store, err := a.bus.Store(ctx, "agentd_suggestions")
	if err != nil {
		t.Fatal(err)
	}
	book := suggestions.New(store, busOutbox{a.bus}, a.now)
	s := event.Suggestion{ID: event.ID("test", "digest"), Kind: event.KindSuggestion, Title: "Reply to Sophie: Contrat", Rule: "mail-awaiting-my-reply",
		Priority: event.PriorityNormal, About: []event.About{{Source: "mail:work", Ref: "m1@example.com"}}, Created: at}
	if err := book.Delivered(ctx, s, event.StatusDelivered); err != nil {
		t.Fatal(err)
	}
	stopTestApp(t, a)
	if n := len(sink.messages()); n != 0 {
		t.Fatalf("%d digests before the time", n)
	}

	r, err := DigestPreview(ctx, cfg, at, logToTest(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "REPLY TO / FOLLOW UP\n--------------------\n  * Reply to Sophie: Contrat") || !strings.Contains(r.HTML, "Reply to Sophie: Contrat") {
		t.Errorf("preview:\n%s", r.Text)
	}
	id, err := DigestSend(ctx, cfg, logToTest(t))
	if err != nil {
		t.Fatal(err)
	}
	msgs := sink.waitMessages(t, 1)
	if !strings.Contains(msgs[0], id) || !strings.Contains(msgs[0], "Reply to Sophie: Contrat") {
		t.Errorf("sent digest %s:\n%s", id, msgs[0])
	}
}

func TestCheckDigest(t *testing.T) {
	sink := startSMTPSink(t)
	cfg := digestConfig(t, sink.port, "07:30")
	res := checkDigest(t.Context(), cfg)
	if len(res) != 1 || !res[0].OK || !strings.Contains(res[0].Detail, "logged in as alice") || !strings.Contains(res[0].Detail, "daily at 07:30 to test@example.com") {
		t.Errorf("check: %+v", res)
	}
	t.Setenv("AGENTD_TEST_SMTP_PW", "wrong")
	if res := checkDigest(t.Context(), cfg); len(res) != 1 || res[0].OK || !strings.Contains(res[0].Detail, "login as alice") {
		t.Errorf("check with a wrong password: %+v", res)
	}
	if n := len(sink.messages()); n != 0 {
		t.Errorf("check sent %d messages", n)
	}
}

// TestDigestThroughDaemon: while the daemon runs, preview and send go
// through its control socket, and the preview knows which source is down.
func TestDigestThroughDaemon(t *testing.T) {
	sink := startSMTPSink(t)
	t.Setenv("AGENTD_TEST_SMTP_PW", "s3cret")
	dir := t.TempDir()
	yaml := fmt.Sprintf(`user: {name: Test, email: test@example.com, timezone: Europe/Paris}
bus: {data_dir: %s}
sources:
  feeds: [{name: broken, url: "file://%s"}]
notify:
  digest:
    at: "23:59"
    smtp: {host: 127.0.0.1, port: %d, tls: none, username: alice, password_env: AGENTD_TEST_SMTP_PW}
`, filepath.Join(dir, "data"), filepath.Join(dir, "missing.xml"), sink.port)
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	a, err := New(Options{Config: cfg, Logger: logToTest(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stopTestApp(t, a)
	deadline := time.Now().Add(30 * time.Second)
	for down := false; !down; {
		for _, h := range a.Health() {
			down = down || (h.Name == "feed:broken" && !h.OK && h.Failures > 0)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the broken feed never failed: %+v", a.Health())
		}
		time.Sleep(20 * time.Millisecond)
	}
	r, err := DigestPreview(ctx, cfg, time.Now(), logToTest(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "WHAT AGENTD COULD NOT DO") || !strings.Contains(r.Text, "feed:broken is down") {
		t.Errorf("preview through the daemon:\n%s", r.Text)
	}
	id, err := DigestSend(ctx, cfg, logToTest(t))
	if err != nil {
		t.Fatal(err)
	}
	if msgs := sink.waitMessages(t, 1); !strings.Contains(msgs[0], id) || !strings.Contains(msgs[0], "feed:broken is down") {
		t.Errorf("sent %s:\n%s", id, msgs[0])
	}
}
