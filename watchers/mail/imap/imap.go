// Package imap watches the mailboxes of one IMAP account and publishes each
// message once, as mail.received (or mail.sent for the Sent mailbox).
//
// Push first: every watched mailbox has its own connection sitting in IDLE,
// and a new message is fetched the moment the server reports it; servers
// without IDLE are polled. Progress is a cursor per mailbox in the state
// store (UIDVALIDITY and the highest UID done), written only after publish
// returned nil, so a crash, a bus outage or a server that goes away loses
// nothing: the next pass starts from the stored UID. Mail is read with
// BODY.PEEK on mailboxes opened read-only (EXAMINE): agentd never marks
// mail as read.
package imap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers"
)

// Watcher watches one IMAP account. Create it with New.
type Watcher struct {
	cfg         Config
	store       state.Store
	logger      *slog.Logger
	now         func() time.Time
	dialContext DialFunc
	// noIdle makes Run poll even when the server has IDLE (tests of the
	// polling path).
	noIdle bool

	mu        sync.Mutex
	conns     []*conn // one per watched mailbox, from Connect
	mailboxes []mailbox
	health    *watchers.Tracker

	locksMu sync.Mutex
	locks   map[string]*sync.Mutex // one sync pass per mailbox at a time
}

// conn is the connection that watches one mailbox.
type conn struct {
	mb     mailbox
	client *imapclient.Client
	// exists is signalled (without blocking) when the server reports a
	// new message count: IDLE ends and the mailbox is synced.
	exists chan struct{}
}

// Option customises a Watcher.
type Option func(*Watcher)

// WithClock sets the clock used for the look-back window, Seen times and
// health. Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(w *Watcher) {
		if now != nil {
			w.now = now
		}
	}
}

// WithDialer sets how the TCP connection is opened (a proxy, a byte
// counter). Default: a net.Dialer with a 30 s timeout and TCP keep-alive,
// which also notices a peer that vanished while the connection idles.
func WithDialer(dial DialFunc) Option {
	return func(w *Watcher) {
		if dial != nil {
			w.dialContext = dial
		}
	}
}

// New validates cfg and builds a watcher. It has no side effects.
func New(cfg Config, store state.Store, logger *slog.Logger, opts ...Option) (*Watcher, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, fmt.Errorf("imap %q: no state store", cfg.Name)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &net.Dialer{Timeout: 30 * time.Second}
	w := &Watcher{
		cfg:         cfg,
		store:       store,
		logger:      logger.With("account", cfg.Name),
		now:         time.Now,
		dialContext: d.DialContext,
		locks:       map[string]*sync.Mutex{},
	}
	for _, o := range opts {
		o(w)
	}
	w.health = watchers.NewTracker(w.Name(), w.now())
	return w, nil
}

// Name is "mail:<account>".
func (w *Watcher) Name() string { return "mail:" + w.cfg.Name }

// Connect logs in, finds the mailboxes to watch (the configured ones and
// the Sent mailbox) and opens one connection per mailbox, so each can sit
// in IDLE. On failure nothing stays open.
func (w *Watcher) Connect(ctx context.Context) error {
	if err := w.Close(ctx); err != nil {
		return err
	}
	first := &conn{exists: make(chan struct{}, 1)}
	c, err := w.dial(ctx, signal(first.exists))
	if err != nil {
		return w.fail(fmt.Errorf("imap %s: %w", w.cfg.Name, err))
	}
	first.client = c
	conns := []*conn{first}
	var connsMu sync.Mutex // closeAll may run from ctx's AfterFunc
	closeAll := func() {
		connsMu.Lock()
		defer connsMu.Unlock()
		for _, cn := range conns {
			cn.client.Close()
		}
	}
	stop := context.AfterFunc(ctx, closeAll)
	defer stop()
	mbs, err := w.discover(c)
	if err != nil {
		closeAll()
		return w.fail(fmt.Errorf("imap %s: %w", w.cfg.Name, connError(ctx, err)))
	}
	first.mb = mbs[0]
	for _, mb := range mbs[1:] {
		cn := &conn{mb: mb, exists: make(chan struct{}, 1)}
		if cn.client, err = w.dial(ctx, signal(cn.exists)); err != nil {
			closeAll()
			return w.fail(fmt.Errorf("imap %s: mailbox %q: %w", w.cfg.Name, mb.Name, err))
		}
		connsMu.Lock()
		conns = append(conns, cn)
		connsMu.Unlock()
	}
	if !stop() {
		closeAll()
		return ctx.Err()
	}
	w.mu.Lock()
	w.conns, w.mailboxes = conns, mbs
	w.mu.Unlock()
	for _, mb := range mbs {
		w.logger.Debug("watching mailbox", "mailbox", mb.Name, "sent", mb.Sent, "sent_found_by", mb.SentBy)
	}
	return nil
}

func signal(ch chan struct{}) func() {
	return func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Close logs out and closes the connections. Safe to call more than once.
func (w *Watcher) Close(ctx context.Context) error {
	w.mu.Lock()
	conns := w.conns
	w.conns = nil
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, cn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			logoutAndClose(ctx, cn.client)
		}()
	}
	wg.Wait()
	return nil
}

// logoutAndClose says goodbye if the server answers quickly, then closes.
func logoutAndClose(ctx context.Context, c *imapclient.Client) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.Logout().Wait()
	}()
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
	c.Close()
	<-done
}

// Run watches every mailbox until ctx is done (then it returns nil) or a
// connection fails (then it returns the error, and the runner reconnects
// after a backoff; progress is in the store, so nothing is lost).
func (w *Watcher) Run(ctx context.Context, publish watchers.Publish) error {
	if publish == nil {
		return fmt.Errorf("imap %s: run: no publish function", w.cfg.Name)
	}
	w.mu.Lock()
	conns := w.conns
	w.mu.Unlock()
	if len(conns) == 0 {
		return fmt.Errorf("imap %s: run: not connected", w.cfg.Name)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(conns))
	for _, cn := range conns {
		go func() {
			err := w.watch(ctx, cn, publish)
			if err != nil {
				cancel() // one mailbox down: reconnect them all
			}
			errs <- err
		}()
	}
	var first error
	for range conns {
		if err := <-errs; err != nil && first == nil && !errors.Is(err, context.Canceled) {
			first = err
		}
	}
	if first != nil && parent.Err() == nil {
		return w.fail(fmt.Errorf("imap %s: %w", w.cfg.Name, first))
	}
	return nil
}

// watch syncs one mailbox, then waits for news (IDLE or a poll timer) and
// syncs again, until ctx is done or the connection fails.
func (w *Watcher) watch(ctx context.Context, cn *conn, publish watchers.Publish) error {
	c := cn.client
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	sel, err := c.Select(cn.mb.Name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return connError(ctx, fmt.Errorf("examine %q: %w", cn.mb.Name, err))
	}
	idle := !w.noIdle && c.Caps().Has(imap.CapIdle)
	// The client updates Mailbox() only after Select's Wait returns: the
	// first count comes from the SELECT answer itself.
	count := sel.NumMessages
	for {
		if err := w.pass(ctx, c, cn.mb, sel, count, publish); err != nil {
			return connError(ctx, err)
		}
		if idle {
			err = w.idle(ctx, cn)
		} else {
			err = w.poll(ctx, cn)
		}
		if err != nil {
			return connError(ctx, err)
		}
		if mbox := c.Mailbox(); mbox != nil {
			count = mbox.NumMessages
		}
	}
}

// idle waits in IDLE until the server reports a new message count.
func (w *Watcher) idle(ctx context.Context, cn *conn) error {
	cmd, err := cn.client.Idle()
	if err != nil {
		return fmt.Errorf("idle in %q: %w", cn.mb.Name, err)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-cn.client.Closed():
		_ = cmd.Close()
		return fmt.Errorf("idle in %q: %w", cn.mb.Name, errConnClosed)
	case <-cn.exists:
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("end idle in %q: %w", cn.mb.Name, err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("end idle in %q: %w", cn.mb.Name, err)
	}
	return nil
}

// poll waits PollEvery (or until the server volunteers news).
func (w *Watcher) poll(ctx context.Context, cn *conn) error {
	t := time.NewTimer(w.cfg.PollEvery)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-cn.client.Closed():
		return fmt.Errorf("poll %q: %w", cn.mb.Name, errConnClosed)
	case <-t.C:
	case <-cn.exists:
	}
	// NOOP is when a server without IDLE tells of new mail (EXISTS).
	if err := cn.client.Noop().Wait(); err != nil {
		return fmt.Errorf("poll %q: %w", cn.mb.Name, err)
	}
	return nil
}

// SyncOnce does one catch-up pass over every mailbox on a connection of
// its own (Run's may be idling) and returns. No IDLE, no waiting.
func (w *Watcher) SyncOnce(ctx context.Context, publish watchers.Publish) error {
	if publish == nil {
		return fmt.Errorf("imap %s: sync: no publish function", w.cfg.Name)
	}
	c, err := w.dial(ctx, nil)
	if err != nil {
		return w.fail(fmt.Errorf("imap %s: sync: %w", w.cfg.Name, err))
	}
	defer logoutAndClose(context.WithoutCancel(ctx), c)
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	mbs, err := w.discover(c)
	if err != nil {
		return w.fail(fmt.Errorf("imap %s: sync: %w", w.cfg.Name, connError(ctx, err)))
	}
	var errs []error
	for _, mb := range mbs {
		sel, err := c.Select(mb.Name, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err == nil {
			err = w.pass(ctx, c, mb, sel, sel.NumMessages, publish)
		} else {
			err = fmt.Errorf("examine %q: %w", mb.Name, err)
		}
		if err != nil {
			errs = append(errs, connError(ctx, err))
			if ctx.Err() != nil {
				break
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return w.fail(fmt.Errorf("imap %s: sync: %w", w.cfg.Name, err))
	}
	return nil
}

// Health returns what the watcher knows of the account: the last pass that
// succeeded and the last failure. The runner adds whether it is connected.
func (w *Watcher) Health() watchers.Health { return w.health.Health() }

// ok records a successful pass.
func (w *Watcher) ok() { w.health.Record(w.now(), nil) }

// fail records err for Health and returns it. Logging is the runner's: it
// logs a failure streak once.
func (w *Watcher) fail(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	w.health.Record(w.now(), err)
	return err
}

// lock serialises sync passes of one mailbox (Run and SyncOnce may
// overlap) and returns the unlock function.
func (w *Watcher) lock(mailbox string) func() {
	w.locksMu.Lock()
	l := w.locks[mailbox]
	if l == nil {
		l = &sync.Mutex{}
		w.locks[mailbox] = l
	}
	w.locksMu.Unlock()
	l.Lock()
	return l.Unlock
}

// Interface guards.
var (
	_ watchers.Watcher        = (*Watcher)(nil)
	_ watchers.Syncer         = (*Watcher)(nil)
	_ watchers.HealthReporter = (*Watcher)(nil)
)
