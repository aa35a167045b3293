package maildir

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/agentd/agentd/internal/mailbox"
)

func TestDiscover(t *testing.T) {
	cases := map[string]struct {
		dirs   []string // Maildirs to create, relative to the root ("" = the root)
		plain  []string // directories without cur/ and new/
		inbox  string   // expected Rel of the INBOX
		sent   string   // expected Sent mailbox name, "" = none
		drafts string
		others []string
	}{
		"maildir++": {
			dirs:  []string{"", ".Sent", ".Drafts", ".Archive.2024", ".Trash"},
			plain: []string{".notmuch", ".notmuch/xapian"},
			inbox: "", sent: "Sent", drafts: "Drafts", others: []string{"Archive/2024", "Trash"},
		},
		"mbsync one folder per mailbox": {
			dirs:  []string{"INBOX", "Sent", "Drafts", "Archive", "Archive/2024"},
			inbox: "INBOX", sent: "Sent", drafts: "Drafts", others: []string{"Archive", "Archive/2024"},
		},
		"mbsync gmail": {
			dirs:  []string{"INBOX", "[Gmail]/Sent Mail", "[Gmail]/Drafts", "[Gmail]/All Mail", "[Gmail]/Spam"},
			plain: []string{"[Gmail]"},
			inbox: "INBOX", sent: "[Gmail]/Sent Mail", drafts: "[Gmail]/Drafts", others: []string{"[Gmail]/All Mail", "[Gmail]/Spam"},
		},
		"lower-case inbox": {
			dirs:  []string{"inbox", "sent"},
			inbox: "inbox", sent: "sent",
		},
		"dovecot INBOX namespace": {
			dirs:  []string{"", ".INBOX.Sent"},
			inbox: "", sent: "INBOX/Sent",
		},
		"outlook": {
			dirs:  []string{"", ".Sent Items", ".Deleted Items"},
			inbox: "", sent: "Sent Items", others: []string{"Deleted Items"},
		},
		"apple": {
			dirs:  []string{"INBOX", "Sent Messages"},
			inbox: "INBOX", sent: "Sent Messages",
		},
		"german": {
			dirs:  []string{"", ".Gesendet", ".Entwürfe"},
			inbox: "", sent: "Gesendet", drafts: "Entwürfe",
		},
		"french in modified UTF-7 (offlineimap)": {
			dirs:  []string{"", ".Envoy&AOk-s", ".Brouillons"},
			inbox: "", sent: "Envoyés", drafts: "Brouillons",
		},
		"french decomposed (macOS file names)": {
			dirs:  []string{"INBOX", "Éléments envoye\u0301s"},
			inbox: "INBOX", sent: "Éléments envoyés",
		},
		"Sent preferred over Sent Items": {
			dirs:  []string{"", ".Sent Items", ".Sent"},
			inbox: "", sent: "Sent", others: []string{"Sent Items"},
		},
		"a Sent deep in an archive is not the Sent folder": {
			dirs:  []string{"", ".Archive.Sent"},
			inbox: "", others: []string{"Archive/Sent"},
		},
		"root INBOX wins over an INBOX folder": {
			dirs:  []string{"", "INBOX"},
			inbox: "", others: []string{"INBOX"},
		},
		"no Sent at all": {
			dirs:  []string{""},
			inbox: "",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			for _, d := range tc.plain {
				if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(d)), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range tc.dirs {
				for _, sub := range []string{"cur", "new"} {
					if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(d), sub), 0o755); err != nil {
						t.Fatal(err)
					}
				}
			}
			l, err := Discover(root)
			if err != nil {
				t.Fatalf("Discover: %v", err)
			}
			if l.Inbox.Rel != tc.inbox || l.Inbox.Name != "INBOX" {
				t.Errorf("inbox = %+v, want Rel %q", l.Inbox, tc.inbox)
			}
			if got := nameOf(l.Sent); got != tc.sent {
				t.Errorf("sent = %q, want %q", got, tc.sent)
			}
			if got := nameOf(l.Drafts); got != tc.drafts {
				t.Errorf("drafts = %q, want %q", got, tc.drafts)
			}
			var others []string
			for _, f := range l.Others {
				others = append(others, f.Name)
			}
			if !slices.Equal(others, tc.others) {
				t.Errorf("others = %q, want %q", others, tc.others)
			}
		})
	}
}

func nameOf(f *Folder) string {
	if f == nil {
		return ""
	}
	return f.Name
}

func TestSplitName(t *testing.T) {
	cases := map[string]struct {
		name, unique string
		flags        []string
	}{
		"new, no info":        {name: "1763000000.M1P2.host", unique: "1763000000.M1P2.host"},
		"cur, no flags":       {name: "1763000000.M1P2.host:2,", unique: "1763000000.M1P2.host"},
		"all flags":           {name: "1763000000.M1P2.host:2,DFPRST", unique: "1763000000.M1P2.host", flags: []string{`\Draft`, `\Flagged`, `$Forwarded`, `\Answered`, `\Seen`, `\Deleted`}},
		"dovecot size fields": {name: "1763000000.M1P2.host,S=4321,W=4400:2,S", unique: "1763000000.M1P2.host,S=4321,W=4400", flags: []string{`\Seen`}},
		"dovecot keywords":    {name: "1763000000.M1P2.host:2,Sab", unique: "1763000000.M1P2.host", flags: []string{`\Seen`}},
		"semicolon delimiter": {name: "1763000000.M1P2.host;2,RS", unique: "1763000000.M1P2.host", flags: []string{`\Answered`, `\Seen`}},
		"bang delimiter":      {name: "1763000000.M1P2.host!2,S", unique: "1763000000.M1P2.host", flags: []string{`\Seen`}},
		"experimental info":   {name: "1763000000.M1P2.host:1,whatever", unique: "1763000000.M1P2.host"},
		"mbsync uid in name":  {name: "1763000000.123_4.host,U=17:2,S", unique: "1763000000.123_4.host,U=17", flags: []string{`\Seen`}},
		"repeated flag":       {name: "x:2,SS", unique: "x", flags: []string{`\Seen`}},
		"colon without info":  {name: "odd:name", unique: "odd:name"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			u, flags := splitName(tc.name)
			if u != tc.unique || !slices.Equal(flags, tc.flags) {
				t.Fatalf("splitName(%q) = %q, %q; want %q, %q", tc.name, u, flags, tc.unique, tc.flags)
			}
		})
	}
}

func TestDecodeModifiedUTF7(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"ascii":          {in: "Sent", want: "Sent"},
		"ampersand":      {in: "Tom &- Jerry", want: "Tom & Jerry"},
		"french":         {in: "Envoy&AOk-s", want: "Envoyés"},
		"german":         {in: "Entw&APw-rfe", want: "Entwürfe"},
		"cyrillic":       {in: "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-", want: "Отправленные"},
		"unterminated":   {in: "A&AOk", want: "A&AOk"},
		"bad base64":     {in: "A&***-", want: "A&***-"},
		"already utf-8":  {in: "Envoyés", want: "Envoyés"},
		"odd byte count": {in: "&AO-", want: "&AO-"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := mailbox.DecodeModifiedUTF7(tc.in); got != tc.want {
				t.Fatalf("mailbox.DecodeModifiedUTF7(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzSplitName(f *testing.F) {
	for _, s := range []string{"1763000000.M1P2.host:2,FRS", "a;2,S", "x!1,y", ":2,", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		u, flags := splitName(name)
		if len(u) > len(name) || name[:len(u)] != u {
			t.Fatalf("unique %q is not a prefix of %q", u, name)
		}
		if un := uniqueName(name); un != u {
			t.Fatalf("uniqueName(%q) = %q, splitName says %q", name, un, u)
		}
		if len(flags) > len(flagNames) {
			t.Fatalf("%d flags from %q", len(flags), name)
		}
		// A flag change keeps the unique part.
		if u2, _ := splitName(u + ":2,S"); u2 != u {
			t.Fatalf("unique of %q:2,S is %q, want %q", u, u2, u)
		}
	})
}

func FuzzDecodeModifiedUTF7(f *testing.F) {
	for _, s := range []string{"Envoy&AOk-s", "&-", "&", "&BB4EQgQ,-", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = mailbox.DecodeModifiedUTF7(s)
	})
}
