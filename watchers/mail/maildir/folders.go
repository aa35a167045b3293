package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/agentd/agentd/internal/mailbox"
)

// Folder is one mailbox of a Maildir tree: a directory with cur/ and new/.
type Folder struct {
	// Name is the mailbox name with "/" between levels: "INBOX", "Sent",
	// "Archive/2024", "[Gmail]/Sent Mail". IMAP's modified UTF-7, which
	// offlineimap and older mbsync keep in directory names, is decoded.
	Name string
	// Dir is the directory holding cur/ and new/.
	Dir string
	// Rel is Dir relative to the root, with "/" separators; "" for a root
	// that is itself the INBOX.
	Rel string
}

// Layout is what Discover found under a Maildir root.
type Layout struct {
	Inbox Folder
	// Sent and Drafts are found by name (Sent, Sent Items, Gesendet,
	// Envoyés, [Gmail]/Sent Mail…); nil if there is none.
	Sent, Drafts *Folder
	// Others are the remaining folders (Archive, Trash, lists…), which the
	// watcher does not read.
	Others []Folder
}

// Limits of the folder walk, so a Maildir path that points at a home
// directory by mistake does not walk the whole disk.
const (
	maxFolderDepth = 6
	maxFolders     = 5000
)

// ErrNotMaildir is returned (wrapped) when the root has neither cur/ and
// new/ nor an INBOX folder.
var ErrNotMaildir = errors.New("not a Maildir")

// Discover finds the folders under root. Both layouts are understood:
// Maildir++ (root is INBOX, sub-folders are ".Sent", ".Archive.2024" …, as
// Dovecot, Courier and offlineimap write them) and one directory per
// mailbox ("INBOX/", "Sent/", "Archive/2024/", as mbsync writes them with
// SubFolders Verbatim). It only reads directories.
func Discover(root string) (Layout, error) {
	st, err := os.Stat(root)
	if err != nil {
		return Layout{}, fmt.Errorf("maildir %s: %w", root, err)
	}
	if !st.IsDir() {
		return Layout{}, fmt.Errorf("maildir %s: %w: not a directory", root, ErrNotMaildir)
	}
	var all []Folder
	rootIsBox := isMaildir(root)
	entries, err := os.ReadDir(root)
	if err != nil {
		return Layout{}, fmt.Errorf("maildir %s: list folders: %w", root, err)
	}
	for _, e := range entries {
		name := e.Name()
		dir := filepath.Join(root, name)
		if !isDirEntry(e, dir) || reservedDir(name) {
			continue
		}
		if strings.HasPrefix(name, ".") {
			// Maildir++ folders are flat: ".Archive.2024" is Archive/2024.
			if name != "." && name != ".." && len(name) > 1 && isMaildir(dir) {
				all = append(all, Folder{Name: mailboxName(strings.Split(name[1:], ".")), Dir: dir, Rel: name})
			}
			continue
		}
		all = walkNested(all, dir, []string{name}, 1)
		if len(all) >= maxFolders {
			break
		}
	}

	var l Layout
	switch {
	case rootIsBox:
		l.Inbox = Folder{Name: "INBOX", Dir: root}
	default:
		i := slices.IndexFunc(all, func(f Folder) bool { return strings.EqualFold(f.Rel, "inbox") })
		if i < 0 {
			return Layout{}, fmt.Errorf("maildir %s: %w: no cur/ and new/ there and no INBOX folder", root, ErrNotMaildir)
		}
		l.Inbox = all[i]
		l.Inbox.Name = "INBOX"
		all = slices.Delete(all, i, i+1)
	}
	slices.SortFunc(all, func(a, b Folder) int { return strings.Compare(a.Rel, b.Rel) })
	l.Sent, all = pick(all, sentNames)
	l.Drafts, all = pick(all, draftNames)
	l.Others = all
	return l, nil
}

// walkNested adds dir and the folders below it (one directory per mailbox).
func walkNested(all []Folder, dir string, path []string, depth int) []Folder {
	if isMaildir(dir) {
		all = append(all, Folder{Name: mailboxName(path), Dir: dir, Rel: strings.Join(path, "/")})
	}
	if depth >= maxFolderDepth || len(all) >= maxFolders {
		return all
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		// An unreadable sub-tree is not the INBOX; leave it out.
		return all
	}
	for _, e := range entries {
		name := e.Name()
		sub := filepath.Join(dir, name)
		if strings.HasPrefix(name, ".") || reservedDir(name) || !isDirEntry(e, sub) {
			continue
		}
		all = walkNested(all, sub, append(slices.Clip(path), name), depth+1)
		if len(all) >= maxFolders {
			break
		}
	}
	return all
}

// reservedDir reports the directories of a Maildir itself.
func reservedDir(name string) bool { return name == "cur" || name == "new" || name == "tmp" }

// isDirEntry reports a directory, following a symbolic link.
func isDirEntry(e fs.DirEntry, path string) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&fs.ModeSymlink == 0 {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// isMaildir reports whether dir has cur/ and new/. tmp/ is not required:
// the watcher only reads, and some sync tools create it lazily.
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		st, err := os.Stat(filepath.Join(dir, sub))
		if err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

// mailboxName joins decoded path components with "/".
func mailboxName(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = norm.NFC.String(mailbox.DecodeModifiedUTF7(p))
	}
	return strings.Join(out, "/")
}

// Well-known names of the Sent and Drafts mailboxes, best first, compared
// case-insensitively with the last level of a mailbox name.
var (
	sentNames = []string{
		"sent", "sent items", "sent messages", "sent mail", "sent-mail", "sentmail",
		"gesendet", "gesendete objekte", "gesendete elemente", "gesendete nachrichten",
		"envoyés", "éléments envoyés", "messages envoyés", "envoyes", "elements envoyes",
		"enviados", "elementos enviados", "inviati", "posta inviata", "verzonden",
		"verzonden items", "skickat", "skickade objekt", "sendt", "sendte elementer",
		"lähetetyt", "wysłane", "odeslané", "отправленные",
	}
	draftNames = []string{
		"drafts", "draft", "brouillons", "entwürfe", "borradores", "bozze",
		"concepten", "utkast", "kladder", "luonnokset", "черновики",
	}
)

// containerNames are the parents under which a Sent or Drafts folder still
// counts: the root, Dovecot's "INBOX." namespace and Gmail's "[Gmail]".
var containerNames = []string{"", "inbox", "[gmail]", "[google mail]"}

// pick removes and returns the folder whose name ranks best in names; ties
// go to the shallower, then the alphabetically first folder.
func pick(all []Folder, names []string) (*Folder, []Folder) {
	best, bestRank := -1, len(names)
	for i, f := range all {
		r := rank(f.Name, names)
		if r < bestRank || (r == bestRank && r < len(names) && depth(f.Name) < depth(all[best].Name)) {
			best, bestRank = i, r
		}
	}
	if best < 0 {
		return nil, all
	}
	f := all[best]
	return &f, slices.Delete(all, best, best+1)
}

// rank is the index of a mailbox's last level in names, or len(names).
func rank(mailbox string, names []string) int {
	key := strings.ToLower(strings.TrimSpace(norm.NFC.String(mailbox)))
	parent, leaf := "", key
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		parent, leaf = key[:i], key[i+1:]
	}
	if !slices.Contains(containerNames, parent) {
		return len(names)
	}
	if i := slices.Index(names, strings.TrimSpace(leaf)); i >= 0 {
		return i
	}
	return len(names)
}

func depth(mailbox string) int { return strings.Count(mailbox, "/") }
