package app

import (
	"strings"
	"testing"
	"time"
)

// listMail is a mail to a mailing list the user reads.
func listMailText(from, subject, id, text string) string {
	return plainMail(from, "dev@lists.example.org", subject, "Mon, 07 Dec 2026 09:00:00 +0100", id, text,
		"List-Id: Developers <dev.lists.example.org>\r\nList-Post: <mailto:dev@lists.example.org>\r\nPrecedence: list\r\n")
}

// TestListMailAsksUserByName: a mailing-list mail that asks the user by
// name (first name, full name or address), in any language, is a question
// to answer; one that asks everybody, or only greets the user by name, is
// not.
func TestListMailAsksUserByName(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		text string
		want bool
	}{
		"en first name":   {"Hi all,\n\nthe parser patch is on the branch. Alice, could you review patch v2 before Friday?\n\nBob", true},
		"fr full name":    {"Bonjour à tous,\n\nla v2 est prête. Alice Martin, peux-tu relire le correctif avant vendredi ?\n\nBob", true},
		"de address":      {"Hallo zusammen,\n\nkann me@example.com bitte die Termine bestätigen?\n\nBob", true},
		"asks everybody":  {"Hi all,\n\ncould someone review patch v2 before Friday?\n\nBob", false},
		"greeting only":   {"Hello Alice,\n\nDid you see what happened on the list this week? Share it with your friends?\n", false},
		"names no asks":   {"Hi all,\n\nAlice reviewed patch v2 yesterday, thanks.\n\nBob", false},
		"quoted question": {"> Alice, could you look?\n\nI think Carol can do it.\n\nBob", false},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := maildirConfig(t, map[string]string{"1.list": listMailText("Bob Stone <bob@example.net>", "[dev] Parser patch v2", "list-1@example.net", c.text)})
			cfg.User.Name = "Alice Martin"
			ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: 24 * time.Hour})
			if err != nil || len(failed) > 0 {
				t.Fatalf("plan: %v %v", err, failed)
			}
			var got []string
			for _, s := range ss {
				if strings.HasPrefix(s.Title, "Reply to Bob Stone") {
					got = append(got, s.Title)
				}
			}
			if (len(got) == 1) != c.want || len(got) > 1 {
				t.Errorf("reply suggestions %q, want one: %v", got, c.want)
			}
		})
	}
}
