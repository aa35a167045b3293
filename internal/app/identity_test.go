package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/config"
)

// TestForgedMessageIDDoesNotHideAMail: from a Maildir, two different mails
// that claim one Message-ID give two suggestions; the same mail in INBOX
// and in Archive gives one. Plan runs the real watcher and planner.
func TestForgedMessageIDDoesNotHideAMail(t *testing.T) {
	mail := func(from, date, text string) string {
		return fmt.Sprintf("From: %s\r\nTo: Me <me@example.com>\r\nSubject: Q3 figures\r\nDate: %s\r\n"+
			"Message-ID: <q3@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", from, date, text)
	}
	genuine := mail("Alice Martin <alice@example.com>", "Mon, 23 Nov 2026 09:00:00 +0100",
		"Hi,\r\n\r\nCould you send me the Q3 figures?\r\n\r\nAlice")
	forged := mail("Bob Stone <bob@example.net>", "Mon, 23 Nov 2026 09:30:00 +0100",
		"Hello,\r\n\r\nCan you confirm your bank details by replying today?\r\n\r\nBob")

	dir := t.TempDir()
	root := filepath.Join(dir, "mail")
	files := map[string]string{
		"cur/1.genuine:2,S":          genuine,
		"cur/2.forged:2,S":           forged,
		".Archive/cur/3.genuine:2,S": genuine,
	}
	for _, sub := range []string{"cur", "new", "tmp", ".Archive/cur", ".Archive/new", ".Archive/tmp"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	yaml := fmt.Sprintf("user: {name: Me, email: me@example.com, timezone: Europe/Paris}\nbus: {data_dir: %s}\n"+
		"sources:\n  mail:\n    - {name: work, maildir: %s, lookback: 30d}\nnotify: {terminal: {}}\n", filepath.Join(dir, "data"), root)
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Horizon: 48 * time.Hour})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	var replies []string
	for _, s := range ss {
		if strings.HasPrefix(s.Title, "Reply to") {
			replies = append(replies, s.Title)
		}
	}
	if len(replies) != 2 || !strings.Contains(strings.Join(replies, "\n"), "Alice Martin") || !strings.Contains(strings.Join(replies, "\n"), "Bob Stone") {
		var all []string
		for _, s := range ss {
			all = append(all, s.Kind+": "+s.Title)
		}
		t.Fatalf("reply suggestions %q, want one for Alice's mail and one for Bob's (the copy in Archive adds none); all:\n%s", replies, strings.Join(all, "\n"))
	}
}
