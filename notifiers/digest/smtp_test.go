package digest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func password(p string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return p, nil }
}

func testMessage(t *testing.T) []byte {
	t.Helper()
	raw, err := Compose(Header{From: "agentd@example.com", To: "alice@example.com", MessageID: "digest.1@example.com", Date: morning(t)},
		Rendered{Subject: "Your day — test", Text: "Hello\n", HTML: "<p>Hello</p>\n"})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestSMTPSend(t *testing.T) {
	cases := map[string]struct {
		server   serverOpts
		tls      string
		user     string
		wantTLS  bool
		wantUser string
	}{
		"plain on loopback, no login":   {server: serverOpts{}, tls: TLSNone},
		"plain on loopback, AUTH PLAIN": {server: serverOpts{User: "alice", Pass: "s3cret"}, tls: TLSNone, user: "alice", wantUser: "alice"},
		"starttls, AUTH LOGIN only": {server: serverOpts{StartTLS: true, User: "alice", Pass: "s3cret", Mechs: []string{sasl.Login}},
			tls: TLSStartTLS, user: "alice", wantTLS: true, wantUser: "alice"},
		"starttls, AUTH PLAIN":     {server: serverOpts{StartTLS: true, User: "alice", Pass: "s3cret"}, tls: TLSStartTLS, user: "alice", wantTLS: true, wantUser: "alice"},
		"implicit TLS, AUTH PLAIN": {server: serverOpts{Implicit: true, User: "alice", Pass: "s3cret"}, tls: TLSImplicit, user: "alice", wantTLS: true, wantUser: "alice"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := startServer(t, tc.server)
			s, err := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: tc.tls, Username: tc.user, Password: password("s3cret"),
				TLSConfig: &tls.Config{RootCAs: srv.Pool}})
			if err != nil {
				t.Fatal(err)
			}
			msg := testMessage(t)
			if err := s.Send(context.Background(), "agentd@example.com", []string{"alice@example.com"}, msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("server got %d messages", len(got))
			}
			m := got[0]
			if m.From != "agentd@example.com" || len(m.To) != 1 || m.To[0] != "alice@example.com" || m.TLS != tc.wantTLS || m.User != tc.wantUser {
				t.Errorf("received from %q to %q tls %v user %q", m.From, m.To, m.TLS, m.User)
			}
			if !bytes.Equal(bytes.TrimRight(m.Data, "\r\n"), bytes.TrimRight(msg, "\r\n")) {
				t.Errorf("message changed on the way:\n%s", m.Data)
			}
		})
	}
}

func TestSMTPFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("wrong password is permanent", func(t *testing.T) {
		srv := startServer(t, serverOpts{StartTLS: true, User: "alice", Pass: "s3cret"})
		s, _ := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: TLSStartTLS, Username: "alice", Password: password("wrong"),
			TLSConfig: &tls.Config{RootCAs: srv.Pool}})
		err := s.Send(ctx, "a@example.com", []string{"b@example.com"}, testMessage(t))
		if err == nil || IsTemporary(err) || !strings.Contains(err.Error(), "login as alice") {
			t.Errorf("Send = %v; want a permanent login error", err)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("the error shows the password: %v", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages accepted", n)
		}
	})
	t.Run("4xx is temporary", func(t *testing.T) {
		srv := startServer(t, serverOpts{})
		srv.FailData(1)
		s, _ := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: TLSNone})
		err := s.Send(ctx, "a@example.com", []string{"b@example.com"}, testMessage(t))
		var se *smtp.SMTPError
		if err == nil || !IsTemporary(err) || !errors.As(err, &se) || se.Code != 451 {
			t.Errorf("Send = %v; want a temporary 451", err)
		}
		if err := s.Send(ctx, "a@example.com", []string{"b@example.com"}, testMessage(t)); err != nil {
			t.Errorf("second Send: %v", err)
		}
	})
	t.Run("5xx is permanent", func(t *testing.T) {
		srv := startServer(t, serverOpts{})
		srv.Reject(&smtp.SMTPError{Code: 554, Message: "no thanks"})
		s, _ := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: TLSNone})
		if err := s.Send(ctx, "a@example.com", []string{"b@example.com"}, testMessage(t)); err == nil || IsTemporary(err) {
			t.Errorf("Send = %v; want permanent", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := startServer(t, serverOpts{Implicit: true})
		s, _ := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: TLSImplicit})
		err := s.Send(ctx, "a@example.com", []string{"b@example.com"}, testMessage(t))
		if err == nil || IsTemporary(err) || !strings.Contains(err.Error(), "tls") {
			t.Errorf("Send = %v; want a permanent certificate error", err)
		}
		if len(srv.Messages()) != 0 {
			t.Error("the message went out over an unverified connection")
		}
	})
	t.Run("starttls not offered", func(t *testing.T) {
		srv := startServer(t, serverOpts{})
		s, _ := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: TLSStartTLS, TLSConfig: &tls.Config{RootCAs: srv.Pool}})
		err := s.Send(ctx, "a@example.com", []string{"b@example.com"}, testMessage(t))
		if err == nil || IsTemporary(err) || len(srv.Messages()) != 0 {
			t.Errorf("Send = %v; want a permanent error and no message sent in clear text", err)
		}
	})
	t.Run("no login offered", func(t *testing.T) {
		srv := startServer(t, serverOpts{})
		s, _ := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: TLSNone, Username: "alice", Password: password("x")})
		if err := s.Send(ctx, "a@example.com", []string{"b@example.com"}, testMessage(t)); err == nil || !strings.Contains(err.Error(), "neither AUTH PLAIN nor LOGIN") {
			t.Errorf("Send = %v", err)
		}
	})
	t.Run("locked password manager is temporary", func(t *testing.T) {
		srv := startServer(t, serverOpts{User: "alice", Pass: "s3cret"})
		s, _ := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: TLSNone, Username: "alice",
			Password: func(context.Context) (string, error) { return "", errNoPassword }})
		if err := s.Send(ctx, "a@example.com", []string{"b@example.com"}, testMessage(t)); err == nil || !IsTemporary(err) || !errors.Is(err, errNoPassword) {
			t.Errorf("Send = %v", err)
		}
	})
	t.Run("server down is temporary", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		s, _ := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone})
		if err := s.Send(ctx, "a@example.com", []string{"b@example.com"}, testMessage(t)); err == nil || !IsTemporary(err) {
			t.Errorf("Send = %v; want temporary", err)
		}
	})
	t.Run("a silent server is cut off by the context", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close() // says nothing
			}
		}()
		s, _ := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: TLSNone})
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err = s.Send(ctx, "a@example.com", []string{"b@example.com"}, testMessage(t))
		if err == nil || !IsTemporary(err) || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
			t.Errorf("Send = %v after %s", err, time.Since(start))
		}
	})
}

func TestNewSMTPRefusesClearTextToRemote(t *testing.T) {
	if _, err := NewSMTP(SMTPConfig{Host: "smtp.example.com", Port: 25, TLS: TLSNone}); err == nil {
		t.Error("tls none to a remote host was accepted")
	}
	if _, err := NewSMTP(SMTPConfig{Host: "smtp.example.com", Port: 465, Username: "a"}); err == nil {
		t.Error("a user without a password source was accepted")
	}
}

func TestSMTPCheck(t *testing.T) {
	srv := startServer(t, serverOpts{StartTLS: true, User: "alice", Pass: "s3cret"})
	for pw, ok := range map[string]bool{"s3cret": true, "wrong": false} {
		s, err := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: TLSStartTLS, Username: "alice", Password: password(pw),
			TLSConfig: &tls.Config{RootCAs: srv.Pool}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Check(context.Background()); (err == nil) != ok {
			t.Errorf("Check with password %q = %v", pw, err)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("Check sent %d messages", n)
	}
}
