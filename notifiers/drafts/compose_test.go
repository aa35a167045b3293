package drafts

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/agentd/agentd/event"
)

var (
	paris   = mustZone("Europe/Paris")
	testNow = time.Date(2026, 11, 10, 9, 15, 0, 0, paris)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func testDraft() event.Draft {
	return event.Draft{
		Account:    "work",
		From:       event.Address{Name: "Alice Martin", Email: "alice@example.org"},
		To:         []event.Address{{Name: "Zoë Müller", Email: "zoe@example.net"}},
		Cc:         []event.Address{{Email: "carol@example.com"}},
		Subject:    "Re: Réunion de vendredi",
		InReplyTo:  "q2@example.net",
		References: []string{"q1@example.net", "q2@example.net"},
		Body:       "Bonjour Zoë,\n\nVendredi 10 h me convient.\n\nAlice",
		Quoted:     "Salut Alice,\n\nTu es libre vendredi ?\n> une citation\n",
		QuotedFrom: "Zoë Müller <zoe@example.net>",
		QuotedDate: time.Date(2026, 11, 9, 13, 30, 0, 0, time.UTC),
		ThreadKey:  "q1@example.net",
		Language:   "fr",
	}
}

func TestCompose(t *testing.T) {
	raw, err := Compose(testDraft(), "agentd.abc@example.org", testNow)
	if err != nil {
		t.Fatal(err)
	}
	// Every line ends with CRLF, and no header line is over 78 bytes.
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if strings.Contains(line, "\n") {
			t.Fatalf("line %d has a bare LF: %q", i, line)
		}
		if len(line) > 78 {
			t.Errorf("line %d is %d bytes: %q", i, len(line), line)
		}
	}
	head := string(raw[:bytes.Index(raw, []byte("\r\n\r\n"))])
	for _, want := range []string{
		"Subject: =?utf-8?",           // RFC 2047
		"To: =?utf-8?q?Zo=C3=AB_M=C3", // an encoded display name
		"Message-Id: <agentd.abc@example.org>",
		"In-Reply-To: <q2@example.net>",
		"References: <q1@example.net> <q2@example.net>",
		"Date: Tue, 10 Nov 2026 09:15:00 +0100",
		"Mime-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
		"X-Agentd-Draft: 1",
		"X-Agentd-Hash: v1-",
	} {
		if !strings.Contains(head, want) {
			t.Errorf("header lacks %q:\n%s", want, head)
		}
	}
	if !strings.HasPrefix(head, "X-Agentd-Hash: ") || !strings.Contains(head, "\r\nFrom: ") {
		t.Errorf("header order:\n%s", head)
	}

	// Parsed back by a mail library, it says what the draft says.
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header
	if s, _ := h.Subject(); s != "Re: Réunion de vendredi" {
		t.Errorf("subject %q", s)
	}
	from, _ := h.AddressList("From")
	to, _ := h.AddressList("To")
	cc, _ := h.AddressList("Cc")
	if len(from) != 1 || from[0].Name != "Alice Martin" || from[0].Address != "alice@example.org" ||
		len(to) != 1 || to[0].Name != "Zoë Müller" || to[0].Address != "zoe@example.net" ||
		len(cc) != 1 || cc[0].Address != "carol@example.com" {
		t.Errorf("addresses: from %v to %v cc %v", from, to, cc)
	}
	if id, _ := h.MessageID(); id != "agentd.abc@example.org" {
		t.Errorf("message-id %q", id)
	}
	if irt, _ := h.MsgIDList("In-Reply-To"); !slices.Equal(irt, []string{"q2@example.net"}) {
		t.Errorf("in-reply-to %q", irt)
	}
	if refs, _ := h.MsgIDList("References"); !slices.Equal(refs, []string{"q1@example.net", "q2@example.net"}) {
		t.Errorf("references %q", refs)
	}
	if date, _ := h.Date(); !date.Equal(testNow) {
		t.Errorf("date %v", date)
	}
	part, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(part.Body)
	want := "Bonjour Zoë,\r\n\r\nVendredi 10 h me convient.\r\n\r\nAlice\r\n" +
		"\r\n" +
		"Le 09/11/2026 à 14:30, Zoë Müller <zoe@example.net> a écrit :\r\n" +
		"> Salut Alice,\r\n" +
		">\r\n" +
		"> Tu es libre vendredi ?\r\n" +
		">> une citation\r\n"
	if string(body) != want {
		t.Errorf("body:\n%q\nwant\n%q", body, want)
	}
	if !Untouched(raw) {
		t.Error("a composed draft must verify as untouched")
	}
}

func TestComposeRefuses(t *testing.T) {
	for name, mod := range map[string]func(*event.Draft, *string){
		"no from":           func(d *event.Draft, _ *string) { d.From.Email = "" },
		"header injection":  func(d *event.Draft, _ *string) { d.To[0].Email = "x@y\r\nBcc: evil@z" },
		"bad in-reply-to":   func(d *event.Draft, _ *string) { d.InReplyTo = "<a@b>" },
		"empty message id":  func(_ *event.Draft, id *string) { *id = "" },
		"spaced message id": func(_ *event.Draft, id *string) { *id = "a b@c" },
	} {
		t.Run(name, func(t *testing.T) {
			d, id := testDraft(), "ok@example.org"
			mod(&d, &id)
			if _, err := Compose(d, id, testNow); err == nil {
				t.Error("composed")
			}
		})
	}
	// A subject with a line break cannot add a header.
	d := testDraft()
	d.Subject = "Re: hi\r\nBcc: evil@example.com"
	raw, err := Compose(d, "ok@example.org", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("\nBcc:")) {
		t.Errorf("subject injected a header:\n%s", raw)
	}
}

func TestAttribution(t *testing.T) {
	d := testDraft()
	d.Quoted = "x"
	for lang, want := range map[string]string{
		"en": "On Mon, 9 Nov 2026 at 14:30, Zoë Müller <zoe@example.net> wrote:",
		"de": "Am 09.11.2026 um 14:30 schrieb Zoë Müller <zoe@example.net>:",
		"fr": "Le 09/11/2026 à 14:30, Zoë Müller <zoe@example.net> a écrit :",
		"":   "On Mon, 9 Nov 2026 at 14:30, Zoë Müller <zoe@example.net> wrote:",
	} {
		d.Language = lang
		if got := Text(d, paris); !strings.Contains(got, "\n"+want+"\n> x\n") {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	d.QuotedDate, d.QuotedFrom, d.Language = time.Time{}, "", "en"
	if got := Text(d, paris); !strings.Contains(got, "\nthe sender wrote:\n") {
		t.Errorf("no date, no sender: %q", got)
	}
	d.Quoted = "  \n"
	if got := Text(d, paris); strings.Contains(got, "wrote") || got != "Bonjour Zoë,\n\nVendredi 10 h me convient.\n\nAlice\n" {
		t.Errorf("nothing to quote: %q", got)
	}
}

func TestMessageID(t *testing.T) {
	a := MessageID("Example.ORG", "seed-1")
	if a != MessageID("example.org", "seed-1") {
		t.Error("not deterministic")
	}
	if a == MessageID("example.org", "seed-2") {
		t.Error("another seed must give another id")
	}
	if !strings.HasPrefix(a, "agentd.") || !strings.HasSuffix(a, "@example.org") || strings.ContainsAny(a, "<> ") {
		t.Errorf("id %q", a)
	}
	for _, bad := range []string{"", "exa mple.org", "x>y", "ex@mple"} {
		if id := MessageID(bad, "s"); !strings.HasSuffix(id, "@agentd.invalid") {
			t.Errorf("domain %q gave %q", bad, id)
		}
	}
	if d := DomainOf("Alice@Example.org"); d != "Example.org" {
		t.Errorf("DomainOf = %q", d)
	}
}

func TestUntouched(t *testing.T) {
	raw, err := Compose(testDraft(), "agentd.x@example.org", testNow)
	if err != nil {
		t.Fatal(err)
	}
	lf := bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	tests := map[string]struct {
		raw  []byte
		want bool
	}{
		"as written":              {raw, true},
		"stored with LF":          {lf, true},
		"trailing newline added":  {append(append([]byte(nil), raw...), "\r\n"...), true},
		"body edited":             {bytes.Replace(raw, []byte("convient"), []byte("convenait"), 1), false},
		"recipient added":         {bytes.Replace(raw, []byte("Cc: "), []byte("Cc: dave@example.com, "), 1), false},
		"hash header dropped":     {raw[bytes.Index(raw, []byte("\r\n"))+2:], false},
		"hash header doubled":     {append(raw[:bytes.Index(raw, []byte("\r\n"))+2], raw...), false},
		"header added by client":  {append([]byte("X-Mozilla-Draft-Info: internal/draft; vcard=0\r\n"), raw...), false},
		"not a message":           {[]byte("hello"), false},
		"hash header moved below": {moveHashDown(raw), true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Untouched(tc.raw); got != tc.want {
				t.Errorf("Untouched = %v, want %v", got, tc.want)
			}
		})
	}
}

// moveHashDown puts the hash field at the end of the header, as a server
// that reorders fields would; the content is the same.
func moveHashDown(raw []byte) []byte {
	i := bytes.Index(raw, []byte("\r\n")) + 2
	field, rest := raw[:i], raw[i:]
	j := bytes.Index(rest, []byte("\r\n\r\n")) + 2
	var out []byte
	out = append(out, rest[:j]...)
	out = append(out, field...)
	return append(out, rest[j:]...)
}
