package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// withSent adds mails to the account's Sent folder (Maildir++ ".Sent").
func withSent(t *testing.T, md string, mails map[string]string) {
	t.Helper()
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(md, ".Sent", sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range mails {
		if err := os.WriteFile(filepath.Join(md, ".Sent", "cur", name+":2,S"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOutOfOfficeIsNoAnswer: an out-of-office reply to the user's question
// leaves the follow-up standing, timed after the return date it gives; one
// without a date leaves it at its usual time. With or without the headers
// that mark it automated, in English, French and German.
func TestOutOfOfficeIsNoAnswer(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	question := plainMail("Me <me@example.com>", "Bob Martin <bob@example.com>", "Signed contract", "Tue, 01 Dec 2026 10:00:00 +0100",
		"q1@example.com", "Hi Bob,\n\ncould you send me the signed contract?\n\nThanks")
	reply := func(subject, text string, headers ...string) string {
		return plainMail("Bob Martin <bob@example.com>", "me@example.com", subject, "Tue, 01 Dec 2026 10:01:00 +0100",
			"ooo1@example.com", text, append([]string{"In-Reply-To: <q1@example.com>\r\nReferences: <q1@example.com>\r\n"}, headers...)...)
	}
	unthreaded := func(subject, text string, headers ...string) string {
		return plainMail("Bob Martin <bob@example.com>", "me@example.com", subject, "Tue, 01 Dec 2026 10:01:00 +0100",
			"ooo1@example.com", text, headers...)
	}
	auto := "Auto-Submitted: auto-replied\r\n"
	back := time.Date(2026, 12, 14, 0, 0, 0, 0, paris)
	for name, c := range map[string]struct {
		mail     string
		from, to time.Time // the follow-up's due time lies in [from, to]
	}{
		"en": {reply("Automatic reply: Signed contract", "Thank you for your message. I am out of the office until Monday 14 December 2026 with limited access to email.", auto),
			back.AddDate(0, 0, 1), back.AddDate(0, 0, 2)},
		"fr": {reply("Réponse automatique : Signed contract", "Bonjour, je suis absent jusqu'au lundi 14 décembre inclus, sans accès à mes mails.", auto),
			back.AddDate(0, 0, 1), back.AddDate(0, 0, 2)},
		"de no headers": {reply("Abwesend: Signed contract", "Vielen Dank für Ihre Nachricht. Ich bin bis zum 14. Dezember im Urlaub und lese keine E-Mails."),
			back.AddDate(0, 0, 1), back.AddDate(0, 0, 2)},
		"en by subject only": {unthreaded("Out of Office: Signed contract", "I am on annual leave and will be back on Monday 14 December 2026.", auto),
			back.AddDate(0, 0, 1), back.AddDate(0, 0, 2)},
		"en no date": {reply("Out of Office: Signed contract", "I am currently out of the office with limited access to email.", auto),
			time.Date(2026, 12, 4, 10, 0, 0, 0, paris), time.Date(2026, 12, 4, 10, 0, 0, 0, paris)},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := maildirConfig(t, map[string]string{"2.ooo": c.mail})
			withSent(t, cfg.Sources.Mail[0].Maildir, map[string]string{"1.q": question})
			ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: 14 * 24 * time.Hour})
			if err != nil || len(failed) > 0 {
				t.Fatalf("plan: %v %v", err, failed)
			}
			n := 0
			for _, s := range ss {
				switch {
				case strings.HasPrefix(s.Title, "Follow up with Bob Martin"):
					n++
					if s.Due.Before(c.from) || s.Due.After(c.to) {
						t.Errorf("follow-up due %s, want between %s and %s", s.Due.In(paris), c.from, c.to)
					}
				case strings.Contains(s.Title, "Bob"):
					t.Errorf("the auto-reply made %q", s.Title)
				}
			}
			if n != 1 {
				t.Errorf("%d follow-ups, want 1", n)
			}
		})
	}
}
