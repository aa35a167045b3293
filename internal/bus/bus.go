package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/agentd/agentd/internal/redact"
)

// Config says which NATS to use.
type Config struct {
	// URL of an external NATS (nats://host:4222, comma-separated for a
	// cluster); empty runs an embedded server in-process.
	URL string
	// Listen makes the embedded server also accept clients on host:port
	// (port 0 picks a free one; an empty host means 127.0.0.1). Clients
	// must present the token in DataDir (see LoadToken); a host beyond
	// loopback also needs TLS.CertFile and KeyFile. Empty: no port at
	// all, only the in-process connection.
	Listen string
	// DataDir is where the embedded server keeps JetStream data; required
	// for the embedded server.
	DataDir string
	// CredentialsFile is a NATS .creds file for an external server.
	CredentialsFile string
	// NKeySeedFile is an NKey seed file for an external server.
	NKeySeedFile string
	// TokenFile holds the token of an external server: another agentd's
	// <data dir>/bus.token, to join its listening bus.
	TokenFile string
	// TLS is the listening embedded server's certificate, or the CA and
	// optional client certificate for an external server.
	TLS TLSConfig
	// MaxPayload is the largest message the embedded server takes, in
	// bytes; 0 keeps the server's default (1 MB). Tests lower it to see
	// what the watchers do with a message the bus refuses for good.
	MaxPayload int32
}

// MinServerVersion is the oldest nats-server with message scheduling.
const MinServerVersion = "2.12.0"

const (
	readyTimeout    = 10 * time.Second
	drainTimeout    = 5 * time.Second
	shutdownTimeout = 10 * time.Second
	reconnectMin    = 250 * time.Millisecond
	reconnectMax    = 10 * time.Second
)

// Bus is a connection to NATS JetStream with agentd's streams set up.
// It is safe for concurrent use.
type Bus struct {
	logger   *slog.Logger
	srv      *server.Server // nil for an external server
	lock     *dirLock       // the data dir's lock, held with the embedded server
	damage   *damageLog     // what the embedded server could not read; nil for an external one
	nc       *nats.Conn
	js       jetstream.JetStream
	streams  map[string]jetstream.Stream
	version  string
	closedCh chan struct{} // closed by the nats.Conn's ClosedHandler

	closing   atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// Open connects to NATS (starting the embedded server if cfg.URL is empty),
// checks the server version and creates or updates agentd's streams and KV
// buckets. Close the Bus when done.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Bus, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := &Bus{logger: logger, closedCh: make(chan struct{})}
	opts := []nats.Option{
		nats.Name("agentd"),
		nats.DrainTimeout(drainTimeout),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closedCh) }),
	}
	var err error
	if cfg.URL == "" {
		err = b.openEmbedded(cfg, opts)
	} else {
		err = b.openExternal(cfg, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := b.checkDamage(); err != nil {
		_ = b.Close()
		return nil, err
	}
	if err := b.setUp(ctx); err != nil {
		_ = b.Close()
		return nil, err
	}
	if err := b.checkKeys(ctx); err != nil {
		_ = b.Close()
		return nil, err
	}
	b.logger.Info("bus ready", "server_version", b.version, "embedded", b.Embedded(), "url", b.ClientURL())
	return b, nil
}

func (b *Bus) openEmbedded(cfg Config, opts []nats.Option) error {
	if cfg.DataDir == "" {
		return errors.New("bus: embedded server: no data directory")
	}
	// One embedded server per data dir: a second would announce and
	// notify everything twice and damage the store.
	lock, err := lockDir(cfg.DataDir)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			lock.unlock()
		}
	}()
	sopts := &server.Options{
		ServerName:             "agentd",
		JetStream:              true,
		StoreDir:               cfg.DataDir,
		NoSigs:                 true,
		DontListen:             cfg.Listen == "",
		DisableJetStreamBanner: true,
		MaxPayload:             cfg.MaxPayload,
		JetStreamMaxStore:      storeBudget(),
	}
	if cfg.Listen != "" {
		host, port, err := parseListen(cfg.Listen)
		if err != nil {
			return err
		}
		sopts.Host, sopts.Port = host, port
		tokenOpt, err := secureEmbedded(sopts, cfg)
		if err != nil {
			return err
		}
		opts = append(opts, tokenOpt)
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return fmt.Errorf("bus: embedded server in %s: %w", cfg.DataDir, err)
	}
	b.damage = &damageLog{jsDir: filepath.Join(cfg.DataDir, "jetstream")}
	srv.SetLoggerV2(serverLogger{l: b.logger.With("component", "nats-server"), refused: &refusals{}, damage: b.damage}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return fmt.Errorf("bus: embedded server in %s (listen %q): not ready after %s", cfg.DataDir, cfg.Listen, readyTimeout)
	}
	nc, err := nats.Connect("", append(opts, nats.InProcessServer(srv))...)
	if err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return fmt.Errorf("bus: connect to embedded server: %w", err)
	}
	b.srv, b.nc, b.lock = srv, nc, lock
	ok = true
	return nil
}

func (b *Bus) openExternal(cfg Config, opts []nats.Option) error {
	opts = append(opts,
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(reconnectDelay),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if b.closing.Load() {
				return
			}
			b.logger.Warn("bus disconnected", "err", redact.Error(err))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.logger.Info("bus reconnected", "url", redact.Link(nc.ConnectedUrl()))
		}),
	)
	auth, err := externalAuth(cfg)
	if err != nil {
		return err
	}
	opts = append(opts, auth...)
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return fmt.Errorf("bus: connect to %s: %w", redact.Link(cfg.URL), redact.Error(err))
	}
	b.nc = nc
	return nil
}

// setUp checks the server version and creates streams and buckets.
func (b *Bus) setUp(ctx context.Context) error {
	b.version = b.nc.ConnectedServerVersion()
	if err := CheckVersion(b.version); err != nil {
		return fmt.Errorf("bus: server at %s: %w", b.ClientURL(), err)
	}
	js, err := jetstream.New(b.nc)
	if err != nil {
		return fmt.Errorf("bus: jetstream: %w", err)
	}
	b.js = js
	b.streams = make(map[string]jetstream.Stream)
	for _, cfg := range streamConfigs() {
		s, err := js.CreateOrUpdateStream(ctx, cfg)
		if err != nil {
			return fmt.Errorf("bus: create stream %s: %w", cfg.Name, err)
		}
		b.streams[cfg.Name] = s
	}
	for _, name := range buckets() {
		if _, err := keyValue(ctx, js, name); err != nil {
			return fmt.Errorf("bus: create KV bucket %s: %w", name, err)
		}
	}
	return nil
}

// Close drains the connection and stops the embedded server. It is safe to
// call more than once; later calls return the first call's result.
func (b *Bus) Close() error {
	b.closeOnce.Do(func() {
		b.closing.Store(true)
		var errs []error
		if err := b.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, fmt.Errorf("bus: drain: %w", err))
		}
		select {
		case <-b.closedCh:
		case <-time.After(drainTimeout + time.Second):
			b.nc.Close()
			errs = append(errs, fmt.Errorf("bus: drain did not finish in %s", drainTimeout))
		}
		if b.srv != nil {
			// Shutdown itself can wait for ever on a stream stuck
			// in the server (issue 9): both calls are bounded.
			done := make(chan struct{})
			go func() { b.srv.Shutdown(); b.srv.WaitForShutdown(); close(done) }()
			select {
			case <-done:
				// Only a server that has stopped writing lets another
				// have the data dir; otherwise the lock goes with the
				// process.
				b.lock.unlock()
			case <-time.After(shutdownTimeout):
				errs = append(errs, fmt.Errorf("bus: embedded server did not shut down in %s", shutdownTimeout))
			}
		}
		b.closeErr = errors.Join(errs...)
	})
	return b.closeErr
}

// Conn is the underlying NATS connection.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream is the JetStream context on Conn.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// ServerVersion is the version of the server connected at Open.
func (b *Bus) ServerVersion() string { return b.version }

// Embedded reports whether the server runs inside this process.
func (b *Bus) Embedded() bool { return b.srv != nil }

// ClientURL is where other NATS clients can reach the server: the embedded
// server's listen URL, the connected external URL without credentials, or
// "" for an embedded server that does not listen.
func (b *Bus) ClientURL() string {
	if b.srv != nil {
		if b.srv.Addr() == nil {
			return ""
		}
		return b.srv.ClientURL()
	}
	return redact.Link(b.nc.ConnectedUrl()) // nats.go's Redacted shows a token user name
}

// CheckVersion returns nil if the nats-server version v (with or without a
// leading "v") is at least 2.12.0, which message scheduling needs. A
// pre-release or build suffix is ignored: 2.12 pre-releases already schedule.
func CheckVersion(v string) error {
	got, err := parseVersion(v)
	if err != nil {
		return err
	}
	want, _ := parseVersion(MinServerVersion)
	for i := range got {
		if got[i] != want[i] {
			if got[i] > want[i] {
				return nil
			}
			return fmt.Errorf("nats-server %s is unsupported: agentd's reminders need message scheduling, which needs nats-server >= %s (Debian's 2.9.10, for one, is too old)", v, MinServerVersion)
		}
	}
	return nil
}

func parseVersion(v string) ([3]int, error) {
	var out [3]int
	core := strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexAny(core, "-+"); i >= 0 {
		core = core[:i]
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return out, fmt.Errorf("nats-server version %q: want MAJOR.MINOR.PATCH", v)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return out, fmt.Errorf("nats-server version %q: bad number %q", v, p)
		}
		out[i] = n
	}
	return out, nil
}

// parseListen splits host:port for the embedded server. An empty host is
// loopback, so opening a port never exposes the bus by accident; port 0
// asks for a free port.
func parseListen(listen string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(listen)
	if err != nil {
		return "", 0, fmt.Errorf("bus: listen %q: %w", listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bus: listen %q: bad port %q", listen, portStr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

// reconnectDelay backs off exponentially with jitter, capped at reconnectMax.
func reconnectDelay(attempts int) time.Duration {
	d := reconnectMin << min(max(attempts-1, 0), 10)
	d = min(d, reconnectMax)
	return d/2 + rand.N(d/2+1)
}

// serverLogger sends the embedded server's log to slog. Its notices (the
// start-up banner, mostly) go to debug.
type serverLogger struct {
	l       *slog.Logger
	refused *refusals  // clients refused for want of the token
	damage  *damageLog // parts of the store the server could not read
}

func (s serverLogger) Noticef(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLogger) Warnf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	s.damage.note(msg)
	s.l.Warn(msg)
}
func (s serverLogger) Fatalf(format string, v ...any) { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLogger) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if s.refused != nil && strings.Contains(msg, "authentication error") {
		s.refused.log(s.l, msg)
		return
	}
	s.damage.note(msg)
	s.l.Error(msg)
}
func (s serverLogger) Debugf(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLogger) Tracef(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }

var _ server.Logger = serverLogger{}
