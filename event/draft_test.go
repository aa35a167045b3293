package event

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func addrs(emails ...string) []Address {
	var out []Address
	for _, e := range emails {
		name, email, ok := strings.Cut(e, "|")
		if !ok {
			name, email = "", e
		}
		out = append(out, Address{Name: name, Email: email})
	}
	return out
}

func emails(as []Address) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Email)
	}
	return out
}

func TestReplyAll(t *testing.T) {
	me := []string{"alice@example.org", "Alice.Work@Corp.example"}
	tests := map[string]struct {
		m      Mail
		to, cc []string
	}{
		"from only": {
			m:  Mail{From: addrs("bob@example.org"), To: addrs("alice@example.org")},
			to: []string{"bob@example.org"}, cc: []string{},
		},
		"reply-to wins over from": {
			m:  Mail{From: addrs("bob@example.org"), ReplyTo: addrs("team@example.org"), To: addrs("alice@example.org")},
			to: []string{"team@example.org"}, cc: []string{},
		},
		"others to cc, me removed in any case": {
			m: Mail{
				From: addrs("bob@example.org"),
				To:   addrs("ALICE@example.org", "carol@example.org"),
				Cc:   addrs("alice.work@corp.example", "dave@example.org"),
			},
			to: []string{"bob@example.org"}, cc: []string{"carol@example.org", "dave@example.org"},
		},
		"duplicates removed case-insensitively, to wins": {
			m: Mail{
				From: addrs("Bob@Example.org"),
				To:   addrs("bob@example.org", "carol@example.org", "alice@example.org"),
				Cc:   addrs("CAROL@example.org", "bob@EXAMPLE.org"),
			},
			to: []string{"Bob@Example.org"}, cc: []string{"carol@example.org"},
		},
		"my own sent mail goes to its recipients": {
			m:  Mail{From: addrs("alice@example.org"), To: addrs("bob@example.org"), Cc: addrs("carol@example.org", "alice@example.org")},
			to: []string{"bob@example.org"}, cc: []string{"carol@example.org"},
		},
		"empty addresses skipped": {
			m:  Mail{From: addrs("bob@example.org"), To: []Address{{Name: "undisclosed"}}},
			to: []string{"bob@example.org"}, cc: []string{},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			to, cc := ReplyAll(tc.m, me)
			if got := emails(to); !slices.Equal(got, tc.to) {
				t.Errorf("to = %q, want %q", got, tc.to)
			}
			if got := emails(cc); !slices.Equal(got, tc.cc) {
				t.Errorf("cc = %q, want %q", got, tc.cc)
			}
		})
	}
}

func TestReplyFrom(t *testing.T) {
	me := []string{"alice@example.org", "alice@corp.example"}
	if got := ReplyFrom(Mail{To: addrs("x@y"), Cc: addrs("Alice@Corp.example")}, me); got != "alice@corp.example" {
		t.Errorf("got %q, want the address the mail was sent to", got)
	}
	if got := ReplyFrom(Mail{To: addrs("list@example.org")}, me); got != "alice@example.org" {
		t.Errorf("got %q, want the first address when none is named", got)
	}
}

func TestReplySubject(t *testing.T) {
	tests := map[string]string{
		"Lunch":                  "Re: Lunch",
		"Re: Lunch":              "Re: Lunch",
		"RE: Lunch":              "Re: Lunch",
		"re:Lunch":               "Re: Lunch",
		"Re: Re: Lunch":          "Re: Lunch",
		"Re: RE: re: Lunch":      "Re: Lunch",
		"AW: Termin":             "Re: Termin",
		"AW: Re: Termin":         "Re: Termin",
		"SV: Möte":               "Re: Möte",
		"Re[2]: Lunch":           "Re: Lunch",
		"Réf. : Dossier":         "Re: Dossier",
		"Fwd: Lunch":             "Re: Fwd: Lunch",
		"Re: Fwd: Lunch":         "Re: Fwd: Lunch",
		"Reunion":                "Re: Reunion",
		"Regarding:  the   plan": "Re: Regarding: the plan",
		"":                       "Re:",
		"Re:":                    "Re:",
		"[dev] Re: build":        "Re: [dev] Re: build",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := ReplySubject(in); got != want {
				t.Errorf("ReplySubject(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestReferences(t *testing.T) {
	if got := References([]string{"a@x", "<b@x>"}, "c@x"); !slices.Equal(got, []string{"a@x", "b@x", "c@x"}) {
		t.Errorf("got %q", got)
	}
	if got := References(nil, "c@x"); !slices.Equal(got, []string{"c@x"}) {
		t.Errorf("no parent refs: got %q", got)
	}
	if got := References([]string{"a@x", "c@x", "a@x"}, "c@x"); !slices.Equal(got, []string{"a@x", "c@x"}) {
		t.Errorf("duplicates: got %q", got)
	}
	var long []string
	for i := range 50 {
		long = append(long, fmt.Sprintf("m%d@x", i))
	}
	got := References(long, "parent@x")
	if len(got) != MaxReferences || got[0] != "m0@x" || got[len(got)-1] != "parent@x" || got[len(got)-2] != "m49@x" {
		t.Errorf("bounded: got %d %q", len(got), got)
	}
	if len(long) != 50 || long[1] != "m1@x" {
		t.Error("the caller's slice was modified")
	}
}

func TestDraftReply(t *testing.T) {
	at := time.Date(2026, 11, 9, 14, 30, 0, 0, time.UTC)
	m := Mail{
		Account:    "work",
		MessageID:  "q2@example.org",
		InReplyTo:  []string{"q1@example.org"},
		Subject:    "AW: Angebot",
		From:       addrs("Bob Brown|bob@example.org"),
		To:         addrs("alice@corp.example"),
		Cc:         addrs("carol@example.org"),
		Date:       at,
		Text:       "Passt Freitag?",
		Language:   "de",
		References: nil,
	}
	d := DraftReply(m, []string{"alice@example.org", "alice@corp.example"})
	if d.From.Email != "alice@corp.example" || d.Subject != "Re: Angebot" || d.InReplyTo != "q2@example.org" {
		t.Errorf("draft headers: %+v", d)
	}
	if !slices.Equal(d.References, []string{"q1@example.org", "q2@example.org"}) || d.ThreadKey != "q1@example.org" {
		t.Errorf("threading: refs %q key %q (In-Reply-To stands in for missing References)", d.References, d.ThreadKey)
	}
	if !slices.Equal(emails(d.To), []string{"bob@example.org"}) || !slices.Equal(emails(d.Cc), []string{"carol@example.org"}) {
		t.Errorf("recipients: %+v %+v", d.To, d.Cc)
	}
	if d.QuotedFrom != "Bob Brown <bob@example.org>" || !d.QuotedDate.Equal(at) || d.Quoted != "Passt Freitag?" || d.Language != "de" {
		t.Errorf("quote: %+v", d)
	}

	// On the wire, in a suggestion, without zero times.
	s := Suggestion{SpecVersion: SpecVersion, ID: "s", Kind: KindDraft, Created: at, Draft: &Draft{Account: "work"}}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"draft":{"account":"work"`) || strings.Contains(string(b), "0001-01-01") {
		t.Errorf("json: %s", b)
	}
	b, _ = json.Marshal(Suggestion{Kind: KindSuggestion})
	if strings.Contains(string(b), `"draft"`) {
		t.Errorf("a suggestion without a draft: %s", b)
	}
}
