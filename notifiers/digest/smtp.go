package digest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLS modes of an SMTP server (config.TLSImplicit …).
const (
	TLSImplicit = "implicit"
	TLSStartTLS = "starttls"
	TLSNone     = "none"
)

// DefaultSendTimeout bounds one send: connect, login and the message.
const DefaultSendTimeout = 2 * time.Minute

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Host string
	Port int
	// TLS is TLSImplicit, TLSStartTLS or TLSNone (loopback hosts only).
	TLS string
	// Username is the login; empty = no AUTH (a local relay).
	Username string
	// Password is asked for at every send (config.Secret.Resolve), so a
	// password manager still locked at start is no lasting failure.
	Password func(ctx context.Context) (string, error)
	// TLSConfig is the base TLS config (tests: a self-signed server's
	// pool); nil = the system's roots. ServerName defaults to Host.
	TLSConfig *tls.Config
	// Timeout bounds one send; default DefaultSendTimeout.
	Timeout time.Duration
}

// SMTP sends mail through one server with go-smtp's client. Safe for
// concurrent use: every Send has its own connection.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP checks cfg; it connects to nothing.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" || cfg.Port <= 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("smtp: host %q port %d: a host and a port from 1 to 65535 are needed", cfg.Host, cfg.Port)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSImplicit
	case TLSImplicit, TLSStartTLS:
	case TLSNone:
		if !loopback(cfg.Host) {
			return nil, fmt.Errorf("smtp %s: tls none is allowed only for loopback hosts: it would send the mail and password in clear text", cfg.Host)
		}
	default:
		return nil, fmt.Errorf("smtp %s: tls %q is not implicit, starttls or none", cfg.Host, cfg.TLS)
	}
	if cfg.Username != "" && cfg.Password == nil {
		return nil, fmt.Errorf("smtp %s: user %s has no password source", cfg.Host, cfg.Username)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSendTimeout
	}
	return &SMTP{cfg: cfg}, nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SendError is a failed send. Temporary reports whether the same send may
// work later (a server down, a 4xx answer); a permanent one (a 5xx answer,
// a refused login, an untrusted certificate) needs the user.
type SendError struct {
	Server    string
	Stage     string // "connect", "tls", "login", "send"
	Temporary bool
	Err       error
}

func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	return fmt.Sprintf("smtp %s: %s: %v (%s)", e.Server, e.Stage, e.Err, kind)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is worth retrying; errors that are not
// a *SendError count as temporary.
func IsTemporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	return err != nil
}

// Send delivers msg from from to the recipients. The connection is closed
// when ctx ends.
func (s *SMTP) Send(ctx context.Context, from string, to []string, msg []byte) error {
	return s.session(ctx, func(c *smtp.Client) (string, error) {
		return "send", c.SendMail(from, to, bytes.NewReader(msg))
	})
}

// Check connects, secures the connection and logs in, sending nothing:
// for `agentd check`.
func (s *SMTP) Check(ctx context.Context) error {
	return s.session(ctx, func(*smtp.Client) (string, error) { return "", nil })
}

// session connects, secures the connection as configured, says hello,
// logs in and runs do, which names its stage for errors.
func (s *SMTP) session(ctx context.Context, do func(*smtp.Client) (stage string, err error)) error {
	cfg := s.cfg
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	fail := func(stage string, err error) error {
		return &SendError{Server: addr, Stage: stage, Temporary: temporary(err), Err: ctxErr(ctx, err)}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var password string
	if cfg.Username != "" {
		p, err := cfg.Password(ctx)
		if err != nil {
			// A locked password manager: worth another try later.
			return &SendError{Server: addr, Stage: "password", Temporary: true, Err: err}
		}
		password = p
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail("connect", err)
	}
	// go-smtp's client takes no context: the connection is closed when
	// ctx ends, which fails whatever is in hand.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	tlsCfg := s.tlsConfig()
	var c *smtp.Client
	switch cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fail("tls", err)
		}
		c = smtp.NewClient(tc)
	case TLSStartTLS:
		c, err = smtp.NewClientStartTLS(conn, tlsCfg)
		if err != nil {
			conn.Close()
			return fail("starttls", err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fail("hello", err)
	}

	if cfg.Username != "" {
		var mech sasl.Client
		switch {
		case c.SupportsAuth(sasl.Plain):
			mech = sasl.NewPlainClient("", cfg.Username, password)
		case c.SupportsAuth(sasl.Login):
			mech = sasl.NewLoginClient(cfg.Username, password)
		default:
			_, mechs := c.Extension("AUTH")
			return &SendError{Server: addr, Stage: "login",
				Err: fmt.Errorf("the server offers neither AUTH PLAIN nor LOGIN (it offers %q)", mechs)}
		}
		if err := c.Auth(mech); err != nil {
			return fail("login as "+cfg.Username, err)
		}
	}
	if stage, err := do(c); err != nil {
		return fail(stage, err)
	}
	// What do sent was accepted: a QUIT that fails changes nothing.
	_ = c.Quit()
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		c = s.cfg.TLSConfig.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = s.cfg.Host
	}
	return c
}

// ctxErr prefers the context's error: a closed connection after ctx ended
// is the context's doing.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// temporary tells a failure worth retrying: the server's 4xx answers and
// network trouble; not its 5xx answers nor a certificate that fails
// verification (those need the user).
func temporary(err error) bool {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code >= 400 && se.Code < 500
	}
	var ce *tls.CertificateVerificationError
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var ie x509.CertificateInvalidError
	if errors.As(err, &ce) || errors.As(err, &ue) || errors.As(err, &he) || errors.As(err, &ie) {
		return false
	}
	if strings.Contains(err.Error(), "doesn't support STARTTLS") {
		return false
	}
	return true
}
