// Package maildir watches a local Maildir (as mbsync, offlineimap or fdm
// keep it for mutt, aerc and notmuch) and publishes each new mail of the
// INBOX as mail.received and each mail of the Sent folder as mail.sent.
//
// The watcher is strictly read-only: it never renames, moves or writes a
// file of the tree, so mail readers and sync tools see nothing of it.
// cur/ and new/ of the INBOX and the Sent folder are watched with inotify
// (fsnotify) and also scanned on a short poll, which catches what
// notifications miss (a queue overflow, a network file system without
// them) and folders created later.
//
// A message is identified by the unique part of its file name, before
// ":2,": a flag change or mbsync's move from new/ to cur/ changes only what
// follows, so neither is announced again. The unique names announced are
// kept per folder in the state store as sharded sets of 64-bit hashes (see
// seen.go); event ids come from the Message-ID, so the bus drops a repeat
// that gets past them.
package maildir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers"
	"github.com/agentd/agentd/watchers/mail"
	"github.com/agentd/agentd/watchers/mail/message"
)

// flushTimeout bounds the store writes that save progress when a pass is
// cut short by its context.
const flushTimeout = 10 * time.Second

// Watcher reads one Maildir account. Create it with New.
type Watcher struct {
	cfg    Config
	store  state.Store
	logger *slog.Logger
	now    func() time.Time
	notify bool // use fsnotify; the poll runs regardless

	passMu sync.Mutex // one pass at a time; guards the fields below
	layout *Layout
	seen   map[string]*seenSet // by Folder.Rel
	broken map[string]fileSig  // files logged as unreadable, by brokenKey

	mu          sync.Mutex // guards the fields below
	fsw         *fsnotify.Watcher
	watched     []string // directories added to fsw
	watchFailed bool     // a watch failure has been logged
	health      *watchers.Tracker
	lastLayout  string // the layout last logged
}

// fileSig tells whether a file logged as broken has changed since.
type fileSig struct {
	size  int64
	mtime time.Time
}

// Option customises a Watcher.
type Option func(*Watcher)

// WithClock sets the clock used for the look-back, Seen times and health.
// Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(w *Watcher) {
		if now != nil {
			w.now = now
		}
	}
}

// WithoutFSNotify turns file notifications off: the watcher relies on its
// poll alone (for file systems without inotify, and for tests).
func WithoutFSNotify() Option { return func(w *Watcher) { w.notify = false } }

// New validates cfg and builds a watcher. It has no side effects: the
// Maildir is first looked at by Connect or SyncOnce.
func New(cfg Config, store state.Store, logger *slog.Logger, opts ...Option) (*Watcher, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, fmt.Errorf("maildir %q: no state store", cfg.Name)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Watcher{
		cfg:    cfg,
		store:  store,
		logger: logger.With("account", cfg.Name),
		now:    time.Now,
		notify: true,
		seen:   map[string]*seenSet{},
		broken: map[string]fileSig{},
	}
	for _, o := range opts {
		o(w)
	}
	w.health = watchers.NewTracker(w.Name(), w.now())
	return w, nil
}

// Name is "mail:<name>".
func (w *Watcher) Name() string { return "mail:" + w.cfg.Name }

// Health returns the state of the last pass.
func (w *Watcher) Health() watchers.Health { return w.health.Health() }

// Connect finds the folders and sets up file notifications. A root that is
// missing or not a Maildir is an error (the runner retries: the sync tool
// may not have run yet). Notifications that cannot be set up (inotify
// limits) are logged and the poll carries on alone.
func (w *Watcher) Connect(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l, err := Discover(w.cfg.Path)
	if err != nil {
		return fmt.Errorf("maildir %s: connect: %w", w.cfg.Name, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.notify && w.fsw == nil {
		fsw, err := fsnotify.NewWatcher()
		if err != nil {
			w.logWatchFailureLocked(err)
		} else {
			w.fsw = fsw
			w.watched = nil
		}
	}
	w.watchLocked(l)
	w.health.SetConnected(true)
	return nil
}

// Close stops file notifications. Safe to call more than once.
func (w *Watcher) Close(context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.health.SetConnected(false)
	if w.fsw == nil {
		return nil
	}
	err := w.fsw.Close()
	w.fsw, w.watched = nil, nil
	if err != nil {
		return fmt.Errorf("maildir %s: close notifications: %w", w.cfg.Name, err)
	}
	return nil
}

// SyncOnce finds the folders and announces what is new, once.
func (w *Watcher) SyncOnce(ctx context.Context, publish watchers.Publish) error {
	if publish == nil {
		return fmt.Errorf("maildir %s: sync: no publish function", w.cfg.Name)
	}
	return w.pass(ctx, publish, true)
}

// Run announces what is new, then again on every file notification and
// poll tick, until ctx is done (nil) or a pass, the store, the bus or the
// notifications fail (an error: the runner reconnects after a backoff).
func (w *Watcher) Run(ctx context.Context, publish watchers.Publish) error {
	if publish == nil {
		return fmt.Errorf("maildir %s: run: no publish function", w.cfg.Name)
	}
	var (
		events <-chan fsnotify.Event
		errs   <-chan error
	)
	w.mu.Lock()
	if w.fsw != nil {
		events, errs = w.fsw.Events, w.fsw.Errors
	}
	w.mu.Unlock()

	done := func(err error) error {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if err := w.pass(ctx, publish, false); err != nil {
		return done(err)
	}
	ticker := time.NewTicker(w.cfg.Poll)
	defer ticker.Stop()
	for {
		rediscover := false
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return done(fmt.Errorf("maildir %s: file notifications stopped", w.cfg.Name))
			}
			if !relevant(ev) {
				continue
			}
			// Coalesce a burst (a sync tool delivering many files) into
			// one pass; what arrives during the pass triggers the next.
			drainEvents(events)
		case err, ok := <-errs:
			if !ok {
				return done(fmt.Errorf("maildir %s: file notifications stopped", w.cfg.Name))
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				return done(fmt.Errorf("maildir %s: file notifications: %w", w.cfg.Name, err))
			}
			// Events were lost, nothing else: a full scan recovers them.
			w.logger.Debug("file notification queue overflowed; rescanning")
		case <-ticker.C:
			rediscover = true
		}
		if err := w.pass(ctx, publish, rediscover); err != nil {
			return done(err)
		}
	}
}

// relevant reports events that may mean a new message: a file created or
// renamed into cur/ or new/ (a rename shows as Create of the new name), or
// written there by a delivery agent that does not use tmp/.
func relevant(ev fsnotify.Event) bool {
	if !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write) {
		return false
	}
	return !strings.HasPrefix(filepath.Base(ev.Name), ".")
}

func drainEvents(events <-chan fsnotify.Event) {
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// box is a folder the watcher reads, with what its mail becomes.
type box struct {
	Folder
	sent bool
}

// pass scans the INBOX and the Sent folder once and announces what is new.
// It stops at the first failure to publish or store: the bus or the store is
// down, and the rest will be announced by a later pass.
func (w *Watcher) pass(ctx context.Context, publish watchers.Publish, rediscover bool) error {
	w.passMu.Lock()
	defer w.passMu.Unlock()
	err := w.passLocked(ctx, publish, rediscover)
	if ctx.Err() == nil {
		w.health.Record(w.now(), err)
	}
	return err
}

func (w *Watcher) passLocked(ctx context.Context, publish watchers.Publish, rediscover bool) error {
	if rediscover || w.layout == nil {
		l, err := Discover(w.cfg.Path)
		if err != nil {
			return fmt.Errorf("maildir %s: %w", w.cfg.Name, err)
		}
		w.layout = &l
		w.mu.Lock()
		w.watchLocked(l)
		w.mu.Unlock()
	}
	boxes := []box{{Folder: w.layout.Inbox}}
	if w.layout.Sent != nil {
		boxes = append(boxes, box{Folder: *w.layout.Sent, sent: true})
	}
	for _, b := range boxes {
		if err := w.scan(ctx, b, publish); err != nil {
			return fmt.Errorf("maildir %s: %s: %w", w.cfg.Name, b.Name, err)
		}
	}
	return nil
}

// file is one message file found in cur/ or new/.
type file struct {
	unique string
	sub    string // "cur" or "new"
	name   string
}

// flags returns the file's flags; mail in new/ has none, whatever a stray
// suffix says, since no reader has seen it yet.
func (f file) flags() []string {
	if f.sub == "new" {
		return nil
	}
	_, flags := splitName(f.name)
	return flags
}

// list returns the messages of a folder, sorted by unique name. new/ is
// read before cur/ and cur/ wins: a file moved between the two listings is
// found under its new name.
func list(dir string) ([]file, error) {
	read := func(sub string, each func(unique, name string)) error {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			return fmt.Errorf("list %s: %w", sub, err)
		}
		for _, e := range entries {
			name := e.Name()
			if name == "" || name[0] == '.' || !regularFile(e, filepath.Join(dir, sub, name)) {
				// Dot files, directories, and FIFOs or devices that would
				// block or stream forever when opened.
				continue
			}
			if u := uniqueName(name); u != "" {
				each(u, name)
			}
		}
		return nil
	}
	// new/ is small (what no reader has seen yet); cur/ holds the bulk.
	fresh := map[string]string{}
	if err := read("new", func(u, name string) { fresh[u] = name }); err != nil {
		return nil, err
	}
	var out []file
	if err := read("cur", func(u, name string) {
		delete(fresh, u)
		out = append(out, file{unique: u, sub: "cur", name: name})
	}); err != nil {
		return nil, err
	}
	for u, name := range fresh {
		out = append(out, file{unique: u, sub: "new", name: name})
	}
	slices.SortFunc(out, func(a, b file) int { return strings.Compare(a.unique, b.unique) })
	return out, nil
}

// regularFile reports a regular file, following a symbolic link.
func regularFile(e fs.DirEntry, path string) bool {
	if e.Type().IsRegular() {
		return true
	}
	if e.Type()&fs.ModeSymlink == 0 {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// scan announces the folder's files not announced before.
func (w *Watcher) scan(ctx context.Context, b box, publish watchers.Publish) (err error) {
	ss, err := w.seenSet(ctx, b.Folder)
	if err != nil {
		return err
	}
	files, err := list(b.Dir)
	if err != nil {
		return err
	}
	w.forgetBroken(b.Folder, files)
	// Whatever happens, keep what was learnt: the old mail of a first run
	// remembered so far, and anything announced.
	defer func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
		defer cancel()
		if ferr := ss.flush(fctx, w.store); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}()
	initializing := ss.needsInit()
	announced, remembered := 0, 0
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if ss.has(f.unique) {
			continue
		}
		res, err := w.announce(ctx, b, ss, f, publish)
		if err != nil {
			return err
		}
		switch res {
		case resultAnnounced:
			announced++
		case resultRemembered:
			remembered++
		}
	}
	if initializing {
		if err := ss.markInitialized(ctx, w.store, folderMeta{Initialized: w.now().UTC(), Dir: b.Rel}); err != nil {
			return err
		}
		w.logger.Info("maildir folder read for the first time", "mailbox", b.Name,
			"announced", announced, "remembered_without_event", remembered, "lookback", w.cfg.Lookback)
	}
	return nil
}

// seenSet returns the folder's announced set, loading it on first use.
func (w *Watcher) seenSet(ctx context.Context, f Folder) (*seenSet, error) {
	if ss, ok := w.seen[f.Rel]; ok {
		return ss, nil
	}
	ss, corrupt, err := loadSeen(ctx, w.store, seenPrefix(w.cfg.Name, f.Rel))
	if err != nil {
		return nil, err
	}
	if len(corrupt) > 0 {
		w.logger.Warn("maildir state unreadable; its mail is read as on a first run (old mail is not announced)",
			"mailbox", f.Name, "keys", corrupt)
	}
	w.seen[f.Rel] = ss
	return ss, nil
}

type result int

const (
	resultSkipped    result = iota // gone, or broken (logged)
	resultRemembered               // older than the look-back of a first run
	resultAnnounced
)

// announce reads one file and publishes its event. Only a failure to
// publish or to store is returned; a file that vanished (moved by a sync
// tool: it is found under its new name) or cannot be read is skipped.
func (w *Watcher) announce(ctx context.Context, b box, ss *seenSet, f file, publish watchers.Publish) (result, error) {
	path := filepath.Join(b.Dir, f.sub, f.name)
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return resultSkipped, nil
	}
	if err != nil {
		w.brokenFile(b.Folder, f, path, fileSig{}, err)
		return resultSkipped, nil
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		w.brokenFile(b.Folder, f, path, fileSig{}, err)
		return resultSkipped, nil
	}
	sig := fileSig{size: st.Size(), mtime: st.ModTime()}
	if old, ok := w.broken[brokenKey(b.Folder, f.unique)]; ok && old == sig {
		return resultSkipped, nil
	}

	backfill := ss.firstRun(f.unique)
	if backfill {
		// Only the header decides whether old mail is announced: a first
		// run over years of mail reads a few KB per file, not MaxBody.
		hdr, err := message.ParseHeader(io.LimitReader(fh, w.cfg.MaxBody))
		if err != nil {
			w.brokenFile(b.Folder, f, path, sig, err)
			return resultSkipped, nil
		}
		date := hdr.Date
		if date.IsZero() {
			date = st.ModTime()
		}
		if date.Before(w.now().Add(-w.cfg.Lookback)) {
			ss.add(f.unique)
			return resultRemembered, nil
		}
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			w.brokenFile(b.Folder, f, path, sig, err)
			return resultSkipped, nil
		}
	}

	// One byte more than MaxBody tells the parser the mail was cut.
	raw, err := io.ReadAll(io.LimitReader(fh, w.cfg.MaxBody+1))
	if err != nil {
		w.brokenFile(b.Folder, f, path, sig, err)
		return resultSkipped, nil
	}
	m, err := message.Parse(bytes.NewReader(raw), message.Options{MaxBytes: w.cfg.MaxBody})
	if err != nil {
		w.brokenFile(b.Folder, f, path, sig, err)
		return resultSkipped, nil
	}
	if !looksLikeMail(m) {
		w.brokenFile(b.Folder, f, path, sig, errors.New("no mail header (From, To, Date, Subject or Message-ID)"))
		return resultSkipped, nil
	}
	meta := mail.Meta{
		Account:  w.cfg.Name,
		Mailbox:  b.Name,
		Flags:    f.flags(),
		Size:     st.Size(),
		Sent:     b.sent,
		Backfill: backfill,
		Seen:     w.now(),
	}
	ev, err := mail.FromMessage(m, meta, b.Name+"/"+f.unique)
	if err != nil {
		return resultSkipped, fmt.Errorf("event of %s: %w", path, err)
	}
	if err := publish(ctx, ev); err != nil {
		return resultSkipped, fmt.Errorf("publish %s: %w", path, err)
	}
	ss.add(f.unique)
	delete(w.broken, brokenKey(b.Folder, f.unique))
	if err := ss.flush(ctx, w.store); err != nil {
		// Published but not remembered: a later pass may announce it
		// again, and the bus drops the repeat by its event id.
		return resultAnnounced, err
	}
	return resultAnnounced, nil
}

// looksLikeMail tells a mail, even a damaged one, from a file with no
// header at all (empty, binary, a stray note).
func looksLikeMail(m *message.Message) bool {
	return m.MessageID != "" || m.Subject != "" || len(m.From) > 0 || len(m.To) > 0 ||
		len(m.Cc) > 0 || m.Sender != nil || !m.Date.IsZero()
}

func brokenKey(f Folder, unique string) string { return f.Rel + "\x00" + unique }

// brokenFile logs an unreadable file once; it is tried again when its size
// or mtime changes (a delivery agent still writing it).
func (w *Watcher) brokenFile(f Folder, mf file, path string, sig fileSig, err error) {
	key := brokenKey(f, mf.unique)
	if _, logged := w.broken[key]; !logged {
		w.logger.Warn("skipping unreadable mail file", "path", path, "err", err)
	}
	w.broken[key] = sig
}

// forgetBroken drops the broken-file records of files that are gone.
func (w *Watcher) forgetBroken(f Folder, files []file) {
	prefix := f.Rel + "\x00"
	for key := range w.broken {
		u, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		if _, found := slices.BinarySearchFunc(files, u, func(a file, u string) int {
			return strings.Compare(a.unique, u)
		}); !found {
			delete(w.broken, key)
		}
	}
}

// watchLocked points file notifications at cur/ and new/ of the INBOX and
// the Sent folder, and logs the layout when it changes. w.mu is held.
func (w *Watcher) watchLocked(l Layout) {
	desc := "inbox=" + l.Inbox.Dir
	dirs := []string{filepath.Join(l.Inbox.Dir, "new"), filepath.Join(l.Inbox.Dir, "cur")}
	if l.Sent != nil {
		desc += " sent=" + l.Sent.Dir
		dirs = append(dirs, filepath.Join(l.Sent.Dir, "new"), filepath.Join(l.Sent.Dir, "cur"))
	}
	if desc != w.lastLayout {
		w.lastLayout = desc
		attrs := []any{"inbox", l.Inbox.Dir, "other_folders", len(l.Others)}
		if l.Sent != nil {
			attrs = append(attrs, "sent", l.Sent.Name)
		} else {
			attrs = append(attrs, "sent", "(none found)")
		}
		if l.Drafts != nil {
			attrs = append(attrs, "drafts", l.Drafts.Name)
		}
		w.logger.Info("maildir folders", attrs...)
	}
	if w.fsw == nil {
		return
	}
	for _, d := range w.watched {
		if !slices.Contains(dirs, d) {
			// The directory may be gone already; nothing to undo then.
			_ = w.fsw.Remove(d)
		}
	}
	var now []string
	for _, d := range dirs {
		if slices.Contains(w.watched, d) {
			now = append(now, d)
			continue
		}
		if err := w.fsw.Add(d); err != nil {
			w.logWatchFailureLocked(fmt.Errorf("watch %s: %w", d, err))
			continue
		}
		now = append(now, d)
	}
	w.watched = now
}

func (w *Watcher) logWatchFailureLocked(err error) {
	if w.watchFailed {
		return
	}
	w.watchFailed = true
	w.logger.Warn("file notifications unavailable; relying on the poll", "poll", w.cfg.Poll, "err", err)
}

// Interface guards.
var (
	_ watchers.Watcher        = (*Watcher)(nil)
	_ watchers.Syncer         = (*Watcher)(nil)
	_ watchers.HealthReporter = (*Watcher)(nil)
)
