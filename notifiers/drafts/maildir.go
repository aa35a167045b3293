package drafts

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/agentd/agentd/internal/mailbox"
)

// MaildirConfig is a Maildir account, as the Maildir watcher reads it.
type MaildirConfig struct {
	// Path is the Maildir root: either itself the INBOX with Maildir++
	// folders beside (".Drafts", ".Sent", as Dovecot, Courier and
	// offlineimap lay them out) or a folder with one Maildir per mailbox
	// ("INBOX/", "Drafts/", as mbsync writes them).
	Path string
	// Folder is the Drafts folder's directory relative to Path; empty:
	// found by a usual name (Drafts, Brouillons, Entwürfe …), else created
	// (".Drafts" in Maildir++, "Drafts" otherwise).
	Folder string
}

// Maildir keeps drafts in a Maildir's Drafts folder. Files are written to
// tmp/ and renamed into cur/ with the flags D (draft) and S (seen), as a
// mail client saves a draft.
type Maildir struct {
	cfg MaildirConfig
}

// NewMaildir checks cfg; it touches no file.
func NewMaildir(cfg MaildirConfig) (*Maildir, error) {
	if strings.TrimSpace(cfg.Path) == "" {
		return nil, errors.New("drafts maildir: invalid config: path is empty")
	}
	cfg.Path = filepath.Clean(cfg.Path)
	if cfg.Folder != "" && (filepath.IsAbs(cfg.Folder) || slices.Contains(strings.Split(filepath.ToSlash(cfg.Folder), "/"), "..")) {
		return nil, fmt.Errorf("drafts maildir %s: invalid config: folder %q must be inside the Maildir", cfg.Path, cfg.Folder)
	}
	return &Maildir{cfg: cfg}, nil
}

// Save writes raw into the Drafts folder, creating the folder if needed.
func (m *Maildir) Save(ctx context.Context, raw []byte, msgID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dir, err := m.folder(true)
	if err != nil {
		return err
	}
	unique, err := uniqueName(time.Now())
	if err != nil {
		return fmt.Errorf("drafts maildir %s: save %s: %w", dir, msgID, err)
	}
	tmp := filepath.Join(dir, "tmp", unique)
	// Maildir files end lines with LF; Untouched compares either way.
	data := bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	if err := writeSynced(tmp, data); err != nil {
		return fmt.Errorf("drafts maildir %s: save %s: %w", dir, msgID, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "cur", unique+":2,DS")); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("drafts maildir %s: save %s: %w", dir, msgID, err)
	}
	return nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// uniqueName is a Maildir file name's unique part: time, random bits, pid
// and host, as the Maildir spec suggests.
func uniqueName(now time.Time) (string, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	host = strings.NewReplacer("/", `\057`, ":", `\072`).Replace(host)
	return fmt.Sprintf("%d.M%dP%dR%s.%s", now.Unix(), now.Nanosecond()/1000, os.Getpid(), hex.EncodeToString(rnd[:]), host), nil
}

// Find scans the Drafts folder for the Message-ID.
func (m *Maildir) Find(ctx context.Context, msgID string) (found, untouched bool, err error) {
	dir, err := m.folder(false)
	if err != nil || dir == "" {
		return false, false, err
	}
	copies, err := scanDrafts(ctx, dir, msgID)
	if err != nil {
		return false, false, err
	}
	found = len(copies) > 0
	untouched = found && !slices.ContainsFunc(copies, func(c fileCopy) bool { return !c.untouched })
	return found, untouched, nil
}

// Delete removes agentd's untouched copies. A mail client may rename a
// file meanwhile (new/ to cur/, a flag added): the scan is then repeated.
func (m *Maildir) Delete(ctx context.Context, msgID string) error {
	dir, err := m.folder(false)
	if err != nil || dir == "" {
		return err
	}
	for attempt := 0; ; attempt++ {
		copies, err := scanDrafts(ctx, dir, msgID)
		if err != nil {
			return err
		}
		for _, c := range copies {
			if !c.untouched {
				return ErrEdited
			}
		}
		moved := false
		for _, c := range copies {
			if err := os.Remove(c.path); errors.Is(err, fs.ErrNotExist) {
				moved = true
			} else if err != nil {
				return fmt.Errorf("drafts maildir %s: delete %s: %w", dir, msgID, err)
			}
		}
		if !moved || attempt == 2 {
			return nil
		}
	}
}

type fileCopy struct {
	path      string
	untouched bool
}

// scanDrafts finds the files of dir's cur/ and new/ with exactly msgID,
// leaving out those flagged T (trashed, waiting for expunge).
func scanDrafts(ctx context.Context, dir, msgID string) ([]fileCopy, error) {
	var out []fileCopy
	for _, sub := range []string{"cur", "new"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("drafts maildir %s: %w", dir, err)
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") || strings.ContainsRune(maildirFlags(e.Name()), 'T') {
				continue
			}
			path := filepath.Join(dir, sub, e.Name())
			c, ok, err := readCopy(path, msgID)
			if errors.Is(err, fs.ErrNotExist) {
				continue // moved or deleted meanwhile
			}
			if err != nil {
				return nil, fmt.Errorf("drafts maildir %s: %w", dir, err)
			}
			if ok {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// readCopy reads the file's header and, when its Message-ID is msgID, the
// whole file (bounded) to tell whether it is untouched.
func readCopy(path, msgID string) (fileCopy, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileCopy{}, false, err
	}
	defer f.Close()
	h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(f, 256<<10)))
	if err != nil {
		return fileCopy{}, false, nil // not a message we can read: not ours
	}
	id, _ := (&mail.Header{Header: message.Header{Header: h}}).MessageID()
	if id != msgID {
		return fileCopy{}, false, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fileCopy{}, false, err
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxDraftSize+1))
	if err != nil {
		return fileCopy{}, false, err
	}
	return fileCopy{path: path, untouched: len(raw) <= maxDraftSize && Untouched(raw)}, true, nil
}

// maildirFlags returns the flags of a Maildir file name's info part.
func maildirFlags(name string) string {
	for _, sep := range []string{":2,", ";2,", "!2,"} {
		if i := strings.LastIndex(name, sep); i >= 0 {
			return name[i+len(sep):]
		}
	}
	return ""
}

// folder returns the Drafts folder's directory: the configured one, else
// one with a usual name; else, when create is set, a new one ("" when
// create is not set).
func (m *Maildir) folder(create bool) (string, error) {
	root := m.cfg.Path
	st, err := os.Stat(root)
	if err != nil {
		return "", fmt.Errorf("drafts maildir %s: %w", root, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("drafts maildir %s: not a directory", root)
	}
	var dir string
	switch {
	case m.cfg.Folder != "":
		dir = filepath.Join(root, filepath.FromSlash(m.cfg.Folder))
	default:
		dir, err = findDraftsFolder(root)
		if err != nil {
			return "", err
		}
	}
	if dir != "" && isMaildir(dir) {
		return dir, nil
	}
	if !create {
		return "", nil
	}
	if dir == "" {
		// Maildir++ when the root is itself a Maildir, else a directory
		// per mailbox, as the root's layout already is.
		dir = filepath.Join(root, "Drafts")
		if isMaildir(root) {
			dir = filepath.Join(root, ".Drafts")
		}
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return "", fmt.Errorf("drafts maildir %s: create the Drafts folder: %w", root, err)
		}
	}
	return dir, nil
}

// findDraftsFolder looks for a Drafts folder by name: Maildir++ folders
// (".Drafts", ".INBOX.Drafts", ".Entw&APw-rfe") and, in the
// one-directory-per-mailbox layout, "Drafts", "INBOX/Drafts" or
// "[Gmail]/Drafts".
func findDraftsFolder(root string) (string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", fmt.Errorf("drafts maildir %s: list folders: %w", root, err)
	}
	best, bestRank := "", len(draftNames)
	consider := func(dir string, path []string) {
		if len(path) == 0 || !isMaildir(dir) {
			return
		}
		parent := strings.ToLower(strings.Join(path[:len(path)-1], "/"))
		if !slices.Contains(draftContainers, parent) {
			return
		}
		leaf := strings.ToLower(mailbox.DecodeModifiedUTF7(path[len(path)-1]))
		if r := slices.Index(draftNames, leaf); r >= 0 && r < bestRank {
			best, bestRank = dir, r
		}
	}
	for _, e := range entries {
		name := e.Name()
		dir := filepath.Join(root, name)
		if !e.IsDir() && e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		if name == "cur" || name == "new" || name == "tmp" || name == "." || name == ".." {
			continue
		}
		if strings.HasPrefix(name, ".") {
			consider(dir, strings.Split(name[1:], "."))
			continue
		}
		consider(dir, []string{name})
		if slices.Contains(draftContainers, strings.ToLower(name)) {
			subs, err := os.ReadDir(dir)
			if err != nil {
				continue
			}
			for _, s := range subs {
				if s.IsDir() && !strings.HasPrefix(s.Name(), ".") {
					consider(filepath.Join(dir, s.Name()), []string{name, s.Name()})
				}
			}
		}
	}
	return best, nil
}

// isMaildir reports whether dir has cur/ and new/.
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		st, err := os.Stat(filepath.Join(dir, sub))
		if err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

var _ Store = (*Maildir)(nil)
