package correspondence

import (
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
)

func TestNamesAsks(t *testing.T) {
	n := NewNames("Alice Martin", []string{"alice@example.com", "am@work.example"})
	for text, want := range map[string]string{
		"Alice, could you review patch v2 before Friday?":                       "Alice, could you review patch v2 before Friday?",
		"Hi all,\n\nthe build is out. @Alice Martin can you check the parser?":  "@Alice Martin can you check the parser?",
		"Could am@work.example confirm the dates?":                              "Could am@work.example confirm the dates?",
		"Bonjour,\n\nla v2 est prête. Alice, tu peux relire ?":                  "Alice, tu peux relire ?",
		"Liebe Alice,\n\nAlice, kannst du bis Freitag den Patch ansehen?":       "Alice, kannst du bis Freitag den Patch ansehen?",
		"Hello Alice,\n\nDid you see what happened this week? Take our survey?": "",
		"Bonjour Alice !\n\nVous avez aimé ce numéro ?":                         "",
		"Alice reviewed it yesterday, thanks.":                                  "",
		"Malice is not a name. Could you check?":                                "",
		"> Alice, could you look?\n\nI think Bob can do it.":                    "",
	} {
		got, ok := n.Asks(text)
		if got != want || ok != (want != "") {
			t.Errorf("Asks(%q) = %q, %v; want %q", text, got, ok, want)
		}
	}
	// A two-letter name is itself only with its capital.
	short := NewNames("Li", nil)
	if _, ok := short.Asks("Could you send li the file?"); ok {
		t.Error(`"li" is not Li`)
	}
	if _, ok := short.Asks("Li, could you send the file?"); !ok {
		t.Error("Li is asked")
	}
}

// TestListQuestionByName: a list mail asking the user by name is a reply
// owed, like a mail to them; one asking everybody is not.
func TestListQuestionByName(t *testing.T) {
	for _, c := range []struct {
		from, text string
		want       int
	}{
		{"Bob <bob@example.net>", "Hi all,\n\nAda, could you review patch v2 before Friday?", 1},
		{"Bob <bob@example.net>", "Hi all,\n\ncould someone review patch v2 before Friday?", 0},
		{"Shop <news@shop.example>", "New arrivals.\n\nAda, ready for winter?", 0},
	} {
		text, want := c.text, c.want
		e := New(Config{Me: me, Name: "Ada Lovelace", Location: paris(t)}, state.NewMemory(), nil)
		units, _ := enrichAll(t, e, []spec{{
			id: "l1@example.net", from: c.from, to: []string{"dev@lists.example.org"},
			subject: "[dev] patch v2", lang: "en", text: text, automated: "mailing list (List-Id: dev.lists.example.org)",
		}}, base(t).Add(time.Hour))
		if got := len(byKind(units)[UnitAwaitingMyReply]); got != want {
			t.Errorf("%q: %d replies owed, want %d", text, got, want)
		}
	}
}
