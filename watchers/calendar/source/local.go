package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/agentd/agentd/internal/state"
)

// LocalConfig describes a calendar on disk.
type LocalConfig struct {
	// Name is the source's name ("personal").
	Name string
	// Path is a .ics file, or a vdir folder (one .ics per event, as
	// vdirsyncer and khal write), or a folder of vdir folders. A leading
	// "~/" means the home directory.
	Path string
}

// Local reads a calendar file or vdir. A file is one Object whose ETag is
// a hash of its content, read only when its modification time or size
// moved. In a vdir every .ics file is one Object whose ETag is its
// modification time and size, so an unchanged folder is listed, not read.
// Sub-folders holding .ics files (vdirsyncer's one folder per calendar)
// are read one level deep; a folder's "displayname" file names it.
type Local struct {
	cfg      LocalConfig
	path     string
	logger   *slog.Logger
	maxBytes int64
	st       *stateStore
	mu       sync.Mutex
}

// badPrefix marks, in the state, a file that was not iCalendar at the
// stat tag that follows, so it is warned about once, not at every poll.
const badPrefix = "bad:"

// NewLocal checks cfg and returns a fetcher; it reads nothing.
func NewLocal(cfg LocalConfig, store state.Store, logger *slog.Logger, opts ...Option) (*Local, error) {
	if cfg.Name == "" {
		return nil, errors.New("local calendar: name is empty")
	}
	if cfg.Path == "" {
		return nil, fmt.Errorf("local calendar %s: path is empty", cfg.Name)
	}
	p := cfg.Path
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("local calendar %s: expand %q: %w", cfg.Name, cfg.Path, err)
		}
		p = filepath.Join(home, rest)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("local calendar %s: %q: %w", cfg.Name, cfg.Path, err)
	}
	o := buildOptions(opts)
	return &Local{
		cfg:      cfg,
		path:     abs,
		logger:   logger.With("source", "local:"+cfg.Name),
		maxBytes: o.maxBytes,
		st:       newStateStore(store, "calendar/"+cfg.Name+"/local/"),
	}, nil
}

// Fetch implements Fetcher.
func (l *Local) Fetch(ctx context.Context) (Change, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	snap, err := l.st.snapshot(ctx)
	if err != nil {
		return Change{}, fmt.Errorf("local calendar %s: %w", l.cfg.Name, err)
	}
	fi, err := os.Stat(l.path)
	if err != nil {
		return Change{}, fmt.Errorf("local calendar %s: %w", l.cfg.Name, err)
	}
	ch := Change{next: &pending{owner: l.st, cols: map[string]*collection{}}}
	seen := map[string]bool{}
	if fi.Mode().IsRegular() {
		seen[l.path] = true
		if err := l.fetchFile(ctx, fi, snap[l.path], &ch); err != nil {
			return Change{}, err
		}
	} else {
		dirs, err := l.vdirs()
		if err != nil {
			return Change{}, fmt.Errorf("local calendar %s: %w", l.cfg.Name, err)
		}
		for _, d := range dirs {
			seen[d] = true
			if err := l.fetchVdir(ctx, d, snap[d], &ch); err != nil {
				return Change{}, err
			}
		}
	}
	for id, old := range snap {
		if !seen[id] {
			ch.Removed = append(ch.Removed, slices.Sorted(maps.Keys(old.Items))...)
			ch.next.cols[id] = nil
		}
	}
	return ch, nil
}

// fetchFile handles a single .ics file: one collection holding one item.
func (l *Local) fetchFile(ctx context.Context, fi os.FileInfo, old *collection, ch *Change) error {
	tag := statTag(fi)
	if old != nil && old.Token == tag {
		return nil
	}
	if fi.Size() > l.maxBytes {
		return fmt.Errorf("local calendar %s: %s: %w (%d bytes, limit %d)", l.cfg.Name, l.path, ErrTooLarge, fi.Size(), l.maxBytes)
	}
	data, err := readFileCapped(l.path, l.maxBytes)
	if err != nil {
		return fmt.Errorf("local calendar %s: %w", l.cfg.Name, err)
	}
	if !looksLikeICalendar(data) {
		return fmt.Errorf("local calendar %s: %s: %w", l.cfg.Name, l.path, ErrNotCalendar)
	}
	hash := "sha256:" + contentHash(data)
	next := &collection{Token: tag, Items: map[string]string{l.path: hash}}
	ch.next.cols[l.path] = next
	if old == nil || old.Items[l.path] != hash {
		ch.Changed = append(ch.Changed, Object{Calendar: l.cfg.Name, Href: l.path, ETag: hash, Data: data})
	}
	l.logger.DebugContext(ctx, "calendar file read", "path", l.path, "changed", len(ch.Changed) > 0)
	return nil
}

// fetchVdir handles one vdir folder: an item per .ics file.
func (l *Local) fetchVdir(ctx context.Context, dir string, old *collection, ch *Change) error {
	if old == nil {
		old = &collection{Items: map[string]string{}}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("local calendar %s: %w", l.cfg.Name, err)
	}
	name := l.collectionName(dir)
	next := &collection{Items: map[string]string{}}
	for _, e := range entries {
		if !isItemName(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p) // follows symlinks, unlike e.Info
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // removed since the listing
			}
			return fmt.Errorf("local calendar %s: %w", l.cfg.Name, err)
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		tag := statTag(fi)
		if prev := old.Items[p]; prev == tag || prev == badPrefix+tag {
			next.Items[p] = prev
			continue
		}
		data, err := readFileCapped(p, l.maxBytes)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err == nil && !looksLikeICalendar(data) {
			err = ErrNotCalendar
		}
		if err != nil {
			// One broken file must not stop the calendar: keep what
			// the watcher had, and warn once for this version.
			l.logger.WarnContext(ctx, "skipping calendar file", "path", p, "err", err)
			next.Items[p] = badPrefix + tag
			continue
		}
		next.Items[p] = tag
		ch.Changed = append(ch.Changed, Object{Calendar: name, Href: p, ETag: tag, Data: data})
	}
	for _, p := range slices.Sorted(maps.Keys(old.Items)) {
		if _, ok := next.Items[p]; !ok {
			ch.Removed = append(ch.Removed, p)
		}
	}
	if !maps.Equal(old.Items, next.Items) {
		ch.next.cols[dir] = next
	}
	return nil
}

// vdirs lists the folders to read: the folder itself and each visible
// sub-folder.
func (l *Local) vdirs() ([]string, error) {
	entries, err := os.ReadDir(l.path)
	if err != nil {
		return nil, err
	}
	dirs := []string{l.path}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(l.path, e.Name())
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			dirs = append(dirs, p)
		}
	}
	return dirs, nil
}

// collectionName is the vdir's "displayname" file (vdirsyncer's metadata),
// else the folder's name; the top folder defaults to the source name.
func (l *Local) collectionName(dir string) string {
	if b, err := os.ReadFile(filepath.Join(dir, "displayname")); err == nil {
		if s := strings.TrimSpace(string(b)); s != "" && len(s) < 256 {
			return s
		}
	}
	if dir == l.path {
		return l.cfg.Name
	}
	return filepath.Base(dir)
}

// Commit implements Fetcher.
func (l *Local) Commit(ctx context.Context, ch Change) error {
	if err := l.st.commit(ctx, ch.next); err != nil {
		return fmt.Errorf("local calendar %s: %w", l.cfg.Name, err)
	}
	return nil
}

// Reset implements Fetcher.
func (l *Local) Reset(ctx context.Context) error {
	if err := l.st.reset(ctx); err != nil {
		return fmt.Errorf("local calendar %s: %w", l.cfg.Name, err)
	}
	return nil
}

// isItemName accepts vdir item files: *.ics, not hidden (editors' and
// vdirsyncer's temporary files start with a dot).
func isItemName(n string) bool {
	return !strings.HasPrefix(n, ".") && strings.EqualFold(filepath.Ext(n), ".ics")
}

// statTag stands in for an ETag: modification time (ns) and size.
func statTag(fi os.FileInfo) string {
	return "stat:" + strconv.FormatInt(fi.ModTime().UnixNano(), 10) + "-" + strconv.FormatInt(fi.Size(), 10)
}

func readFileCapped(p string, max int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := readCapped(f, max)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}

var _ Fetcher = (*Local)(nil)
