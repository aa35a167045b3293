// Package imapdial opens a logged-in IMAP connection: TCP, then implicit
// TLS, STARTTLS or plain (loopback hosts only), the greeting and LOGIN. The
// mail watcher and the drafts store both reach IMAP accounts; this is the
// one copy of how, which the import rules let both use.
package imapdial

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TLS modes of Config.TLS.
const (
	TLSImplicit = "implicit" // TLS from the first byte (port 993)
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (port 143)
	TLSNone     = "none"     // no encryption: loopback hosts only
)

// Defaults normalises a configured TLS mode (trimmed, lower case, implicit
// when empty) and fills a zero port: 993 for implicit TLS, 143 otherwise.
func Defaults(mode string, port int) (string, int) {
	mode = strings.ToLower(strings.TrimSpace(mode))
	if mode == "" {
		mode = TLSImplicit
	}
	if port == 0 {
		port = 143
		if mode == TLSImplicit {
			port = 993
		}
	}
	return mode, port
}

// Addr is host:port as dialled.
func Addr(host string, port int) string { return net.JoinHostPort(host, fmt.Sprint(port)) }

// DialFunc opens the TCP connection to the server; TLS and IMAP run on top.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Config is one connection to make. Its TLS mode and port are expected to
// have been through Defaults and the caller's validation already.
type Config struct {
	Host string
	Port int
	TLS  string
	// Username and Password are resolved. The password is never put in
	// an error.
	Username, Password string
	// InsecureSkipVerify accepts any server certificate. TLSConfig, when
	// set, is used instead; its ServerName defaults to Host.
	InsecureSkipVerify bool
	TLSConfig          *tls.Config
	// Dial opens the TCP connection. Nil: a net.Dialer with no timeout of
	// its own (ctx bounds it).
	Dial DialFunc
	// Unilateral receives the server's unilateral data (new message
	// counts); nil ignores it.
	Unilateral *imapclient.UnilateralDataHandler
	// AddrInErrors makes errors name the server ("dial host:993: …",
	// "login to host:993 as …"); leave it unset when the caller's own
	// wrapping names it already.
	AddrInErrors bool
}

// Dial connects, secures and logs in. The client takes no context: ctx
// ending during Dial closes the socket, and Dial then returns ctx's error
// rather than the read error it caused.
func Dial(ctx context.Context, cfg Config) (*imapclient.Client, error) {
	addr := Addr(cfg.Host, cfg.Port)
	dial := cfg.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial%s: %w", cfg.where(" ", addr), err)
	}
	// A cancelled dial closes the socket, which fails whatever the client
	// is waiting for.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	c, err := handshake(ctx, cfg, raw, addr)
	if !stop() {
		// ctx ended during the handshake and closed the socket: that,
		// not the read error it caused, is what happened.
		if c != nil {
			c.Close()
		}
		raw.Close()
		return nil, ctx.Err()
	}
	if err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

// where is prep+addr when errors name the server, else "".
func (cfg Config) where(prep, addr string) string {
	if !cfg.AddrInErrors {
		return ""
	}
	return prep + addr
}

func handshake(ctx context.Context, cfg Config, raw net.Conn, addr string) (*imapclient.Client, error) {
	opts := &imapclient.Options{UnilateralDataHandler: cfg.Unilateral}
	var c *imapclient.Client
	switch cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(raw, tlsConfig(cfg))
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("tls handshake%s: %w", cfg.where(" with ", addr), err)
		}
		c = imapclient.New(tc, opts)
	case TLSStartTLS:
		var err error
		if c, err = imapclient.NewStartTLS(raw, &imapclient.Options{
			TLSConfig:             tlsConfig(cfg),
			UnilateralDataHandler: cfg.Unilateral,
		}); err != nil {
			return nil, fmt.Errorf("starttls%s: %w", cfg.where(" with ", addr), err)
		}
	default:
		c = imapclient.New(raw, opts)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fmt.Errorf("greeting%s: %w", cfg.where(" from ", addr), err)
	}
	if c.State() == imap.ConnStateNotAuthenticated {
		// The server's reply names no password; neither do we.
		if err := c.Login(cfg.Username, cfg.Password).Wait(); err != nil {
			c.Close()
			return nil, fmt.Errorf("login%s as %q: %w", cfg.where(" to ", addr), cfg.Username, err)
		}
	}
	return c, nil
}

// tlsConfig is the client TLS configuration for cfg: a clone of
// cfg.TLSConfig or TLS 1.2 at least, with ServerName defaulting to Host
// and ALPN "imap".
func tlsConfig(cfg Config) *tls.Config {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	} else if cfg.InsecureSkipVerify {
		tc.InsecureSkipVerify = true
	}
	if tc.ServerName == "" {
		tc.ServerName = strings.Trim(cfg.Host, "[]")
	}
	if len(tc.NextProtos) == 0 {
		tc.NextProtos = []string{"imap"}
	}
	return tc
}
