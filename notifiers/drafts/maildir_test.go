package drafts

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentd/agentd/internal/mailbox"
)

// makeMaildir creates the Maildir folders (relative to root, "" for the
// root itself) with cur/, new/ and tmp/.
func makeMaildir(t testing.TB, root string, folders ...string) {
	t.Helper()
	for _, f := range folders {
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(root, f, sub), 0o700); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// maildirFixture plays the user on a Maildir Drafts folder.
type maildirFixture struct {
	t   testing.TB
	dir string // the Drafts folder
}

type maildirFile struct {
	path string
	raw  []byte
}

func (f maildirFixture) files() []maildirFile {
	f.t.Helper()
	var out []maildirFile
	for _, sub := range []string{"cur", "new"} {
		entries, err := os.ReadDir(filepath.Join(f.dir, sub))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			f.t.Fatal(err)
		}
		for _, e := range entries {
			if strings.ContainsRune(maildirFlags(e.Name()), 'T') {
				continue
			}
			p := filepath.Join(f.dir, sub, e.Name())
			raw, err := os.ReadFile(p)
			if err != nil {
				f.t.Fatal(err)
			}
			out = append(out, maildirFile{path: p, raw: raw})
		}
	}
	return out
}

func (f maildirFixture) drafts() []storedDraft {
	var out []storedDraft
	for _, mf := range f.files() {
		var flags []string
		for _, c := range maildirFlags(filepath.Base(mf.path)) {
			switch c {
			case 'D':
				flags = append(flags, `\Draft`)
			case 'S':
				flags = append(flags, `\Seen`)
			}
		}
		out = append(out, storedDraft{raw: mf.raw, flags: flags})
	}
	return out
}

func (f maildirFixture) edit(msgID string, change func([]byte) []byte) {
	f.t.Helper()
	for _, mf := range f.files() {
		if headerMessageID(mf.raw) != msgID {
			continue
		}
		// A client writes the edited copy under a new name and removes
		// the old file.
		name := filepath.Join(f.dir, "cur", "1700000000.edited.host:2,DS")
		if err := os.WriteFile(name, change(mf.raw), 0o600); err != nil {
			f.t.Fatal(err)
		}
		if err := os.Remove(mf.path); err != nil {
			f.t.Fatal(err)
		}
		return
	}
	f.t.Fatalf("no draft %s to edit", msgID)
}

func (f maildirFixture) remove(msgID string) {
	f.t.Helper()
	for _, mf := range f.files() {
		if headerMessageID(mf.raw) == msgID {
			if err := os.Remove(mf.path); err != nil {
				f.t.Fatal(err)
			}
		}
	}
}

func newMaildirStore(t testing.TB, cfg MaildirConfig) *Maildir {
	t.Helper()
	st, err := NewMaildir(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestMaildirLifecycle(t *testing.T) {
	lifecycleSuite(t, func(t *testing.T) (Store, fixture) {
		root := t.TempDir()
		makeMaildir(t, root, "", ".Sent", ".Drafts")
		return newMaildirStore(t, MaildirConfig{Path: root}), maildirFixture{t: t, dir: filepath.Join(root, ".Drafts")}
	})
}

func TestMaildirSave(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	makeMaildir(t, root, "", ".Sent", ".Drafts")
	st := newMaildirStore(t, MaildirConfig{Path: root})
	raw := composeFor(t, "agentd.m@example.org")
	if err := st.Save(ctx, raw, "agentd.m@example.org"); err != nil {
		t.Fatal(err)
	}
	f := maildirFixture{t: t, dir: filepath.Join(root, ".Drafts")}
	files := f.files()
	if len(files) != 1 {
		t.Fatalf("%d files in .Drafts, want 1", len(files))
	}
	name := filepath.Base(files[0].path)
	if filepath.Base(filepath.Dir(files[0].path)) != "cur" || !strings.HasSuffix(name, ":2,DS") {
		t.Errorf("file %s, want cur/…:2,DS", files[0].path)
	}
	if bytes.Contains(files[0].raw, []byte("\r\n")) || !bytes.Equal(files[0].raw, bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))) {
		t.Error("the file must hold the draft with LF line endings")
	}
	if st, err := os.Stat(files[0].path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v %v, want 0600", st.Mode(), err)
	}
	if tmp, _ := os.ReadDir(filepath.Join(root, ".Drafts", "tmp")); len(tmp) != 0 {
		t.Errorf("tmp/ not empty: %v", tmp)
	}
	if inbox, _ := os.ReadDir(filepath.Join(root, "cur")); len(inbox) != 0 {
		t.Error("the draft went to the INBOX")
	}

	// A client marking it trashed takes it out of Find; renaming it (a
	// flag added, moved to new/) does not change what it is.
	renamed := strings.Replace(files[0].path, ":2,DS", ":2,DFS", 1)
	if err := os.Rename(files[0].path, renamed); err != nil {
		t.Fatal(err)
	}
	if found, untouched, err := st.Find(ctx, "agentd.m@example.org"); err != nil || !found || !untouched {
		t.Errorf("after a flag change: Find = %v %v %v", found, untouched, err)
	}
	if err := os.Rename(renamed, strings.Replace(renamed, ":2,DFS", ":2,DST", 1)); err != nil {
		t.Fatal(err)
	}
	if found, _, err := st.Find(ctx, "agentd.m@example.org"); err != nil || found {
		t.Errorf("a trashed file: Find = %v %v, want not found", found, err)
	}
}

func TestMaildirFolders(t *testing.T) {
	ctx := context.Background()
	tests := map[string]struct {
		folders []string // "" is the root as INBOX
		want    string   // where the draft goes
	}{
		"maildir++ existing":            {[]string{"", ".Sent", ".Drafts"}, ".Drafts"},
		"maildir++ created":             {[]string{"", ".Sent"}, ".Drafts"},
		"maildir++ german, mutf-7":      {[]string{"", ".Entw&APw-rfe"}, ".Entw&APw-rfe"},
		"maildir++ french":              {[]string{"", ".Brouillons", ".Archive.Drafts"}, ".Brouillons"},
		"maildir++ inbox namespace":     {[]string{"", ".INBOX.Drafts"}, ".INBOX.Drafts"},
		"maildir++ english over french": {[]string{"", ".Brouillons", ".Drafts"}, ".Drafts"},
		"per-mailbox existing":          {[]string{"INBOX", "Sent", "Drafts"}, "Drafts"},
		"per-mailbox created":           {[]string{"INBOX", "Sent"}, "Drafts"},
		"per-mailbox gmail":             {[]string{"INBOX", "[Gmail]/Drafts", "[Gmail]/Sent Mail"}, "[Gmail]/Drafts"},
		"per-mailbox lower case":        {[]string{"INBOX", "drafts"}, "drafts"},
		"a project folder is no drafts": {[]string{"INBOX", "Projects/Drafts"}, "Drafts"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			makeMaildir(t, root, tc.folders...)
			st := newMaildirStore(t, MaildirConfig{Path: root})
			if found, _, err := st.Find(ctx, "agentd.f@example.org"); err != nil || found {
				t.Fatalf("Find before saving = %v %v", found, err)
			}
			if err := st.Save(ctx, composeFor(t, "agentd.f@example.org"), "agentd.f@example.org"); err != nil {
				t.Fatal(err)
			}
			f := maildirFixture{t: t, dir: filepath.Join(root, filepath.FromSlash(tc.want))}
			if n := len(f.files()); n != 1 {
				t.Fatalf("%d drafts in %s, want 1", n, tc.want)
			}
			if !isMaildir(f.dir) {
				t.Errorf("%s is not a Maildir", tc.want)
			}
			if _, err := os.Stat(filepath.Join(f.dir, "tmp")); err != nil {
				t.Errorf("no tmp/: %v", err)
			}
			if found, untouched, err := st.Find(ctx, "agentd.f@example.org"); err != nil || !found || !untouched {
				t.Errorf("Find = %v %v %v", found, untouched, err)
			}
		})
	}
	t.Run("configured folder", func(t *testing.T) {
		root := t.TempDir()
		makeMaildir(t, root, "", ".Drafts")
		st := newMaildirStore(t, MaildirConfig{Path: root, Folder: ".Work.Drafts"})
		if err := st.Save(ctx, composeFor(t, "agentd.c@example.org"), "agentd.c@example.org"); err != nil {
			t.Fatal(err)
		}
		if n := len((maildirFixture{t: t, dir: filepath.Join(root, ".Work.Drafts")}).files()); n != 1 {
			t.Errorf("%d drafts in the configured folder", n)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		for _, cfg := range []MaildirConfig{{}, {Path: "/x", Folder: "../y"}, {Path: "/x", Folder: "/abs"}} {
			if _, err := NewMaildir(cfg); err == nil {
				t.Errorf("%+v accepted", cfg)
			}
		}
		st := newMaildirStore(t, MaildirConfig{Path: filepath.Join(t.TempDir(), "missing")})
		if _, _, err := st.Find(ctx, "x@y"); err == nil {
			t.Error("a missing Maildir root must be an error")
		}
		if err := st.Save(ctx, []byte("x"), "x@y"); err == nil {
			t.Error("saving into a missing Maildir root must fail, not create it")
		}
	})
}

func TestDecodeModifiedUTF7(t *testing.T) {
	for in, want := range map[string]string{
		"Drafts":                     "Drafts",
		"Entw&APw-rfe":               "Entwürfe",
		"&BCcENQRABD0EPgQyBDgEOgQ4-": "Черновики",
		"A&-B":                       "A&B",
		"broken&":                    "broken&",
	} {
		if got := mailbox.DecodeModifiedUTF7(in); got != want {
			t.Errorf("decode(%q) = %q, want %q", in, got, want)
		}
	}
	if !slices.Contains(draftNames, strings.ToLower("Черновики")) {
		t.Error("russian drafts name missing")
	}
}
