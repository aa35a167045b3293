package digest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

func titles(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

func TestBuildGroups(t *testing.T) {
	d := buildDay(t)
	want := map[string][]string{
		"agenda": {
			"Today: 2 events, first at 09:00",        // 07:30, low
			"Pay Electricity (84,20 €) by Wed 9 Dec", // 16:00
			"Conflict on Tue 8 Dec: Réunion budget (14:00) overlaps Dentist (14:30)",
		},
		"replies": {"Reply to Sophie Martin: Contrat de location", "Follow up with Bob: Quote for the roof"},
		"drafts":  {"Draft reply to Jan: Lunch on Friday?"},
		"feeds":   {"Read: Go 1.28 is released", "Read: Home Assistant 2026.12"},
		"other":   {"Your parcel is out for delivery today"},
	}
	got := map[string][]string{
		"agenda": titles(d.Agenda), "replies": titles(d.Replies), "drafts": titles(d.Drafts),
		"feeds": titles(d.Feeds), "other": titles(d.Other),
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	if !d.Agenda[2].Conflict {
		t.Error("the conflict is not marked")
	}
	if d.Feeds[1].Link != "" {
		t.Errorf("a javascript: link survived: %q", d.Feeds[1].Link)
	}
	if d.Drafts[0].Account != "home" {
		t.Errorf("draft account = %q", d.Drafts[0].Account)
	}
	if d.Empty() || d.Items() != 9 {
		t.Errorf("Items() = %d, Empty() = %v; want 9 items", d.Items(), d.Empty())
	}
}

// TestBuildMeetingsWithoutAgenda: without the day's agenda item, the
// meeting reminders show, without the lead meant for their moment.
func TestBuildMeetingsWithoutAgenda(t *testing.T) {
	var recs []suggestionsRecord
	for _, r := range day(t) {
		if r.Suggestion.ID != "agenda" {
			recs = append(recs, r)
		}
	}
	d, err := Build(context.Background(), Sources{Suggestions: listOf(recs)}, morning(t), paris(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(d.Agenda); len(got) == 0 || got[0] != "Standup (09:00)" {
		t.Errorf("agenda = %q, want the standup first, without its lead", got)
	}
}

func TestBuildProblems(t *testing.T) {
	loc := paris(t)
	since := time.Date(2026, 12, 7, 22, 10, 0, 0, loc)
	src := Sources{
		Suggestions: listOf(nil),
		Health: func() []SourceHealth {
			return []SourceHealth{
				{Name: "mail:work", Failures: 14, Since: since.UTC(), LastError: "dial tcp 192.0.2.1:993: connect: connection refused"},
				{Name: "feed:go-blog", OK: true},
				{Name: "calendar:new"}, // not tried yet: not a problem
			}
		},
		Budget: func(context.Context, time.Time) (ModelBudget, error) {
			return ModelBudget{DailyTokens: 50000, SpentToday: 0, SpentYesterday: 50210, CallsLeft: -1,
				ResetsAt: time.Date(2026, 12, 9, 0, 0, 0, 0, loc)}, nil
		},
	}
	d, err := Build(context.Background(), src, morning(t), loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Problems) != 2 || d.Empty() {
		t.Fatalf("problems = %+v, want a source down and the budget", d.Problems)
	}
	text := Text(d)
	for _, w := range []string{
		"WHAT AGENTD COULD NOT DO",
		"mail:work is down (14 failed attempts) since Mon 7 Dec 22:10", // in the user's zone
		"connection refused",
		"daily budget of 50,000 tokens ran out yesterday",
		"50,210 of 50,000 tokens used yesterday",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "calendar:new") || strings.Contains(text, "go-blog") {
		t.Errorf("healthy sources listed:\n%s", text)
	}
	// A budget that cannot be read is left out, not a failure.
	src.Budget = func(context.Context, time.Time) (ModelBudget, error) { return ModelBudget{}, errors.New("kv down") }
	if d, err = Build(context.Background(), src, morning(t), loc, nil); err != nil || d.Model != nil {
		t.Errorf("Build with a failing budget = %v, model %+v", err, d.Model)
	}
}

func TestSummary(t *testing.T) {
	recs := day(t)
	policy := func(source string) string {
		if source == "mail:work" {
			return SendNever
		}
		return SendRedacted
	}
	t.Run("paragraph on top", func(t *testing.T) {
		s := &fakeSummarizer{text: "A calm day: two meetings and a lunch to confirm."}
		d, err := Build(context.Background(), Sources{Suggestions: listOf(recs), Summarizer: s, Send: policy}, morning(t), paris(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Render(d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Text, "\n\nA calm day: two meetings") || !strings.Contains(r.HTML, "A calm day: two meetings") {
			t.Errorf("summary missing:\n%s", r.Text)
		}
		for _, it := range s.items {
			if strings.Contains(it.Text, "Sophie") || strings.Contains(it.Text, "Electricity") || strings.HasPrefix(it.Ref, "mail:work") {
				t.Errorf("an item of a never source reached the model: %+v", it)
			}
			if it.Send != SendRedacted {
				t.Errorf("item sent as %q", it.Send)
			}
		}
		if len(s.items) == 0 {
			t.Error("the model got no item")
		}
	})
	t.Run("error leaves it out", func(t *testing.T) {
		s := &fakeSummarizer{err: errors.New("llm: daily tokens budget spent")}
		d, err := Build(context.Background(), Sources{Suggestions: listOf(recs), Summarizer: s, Send: policy}, morning(t), paris(t), nil)
		if err != nil || d.Summary != "" {
			t.Errorf("Build = %v, summary %q; want the template alone", err, d.Summary)
		}
	})
	t.Run("no model", func(t *testing.T) {
		d, err := Build(context.Background(), Sources{Suggestions: listOf(recs)}, morning(t), paris(t), nil)
		if err != nil || d.Summary != "" {
			t.Errorf("Build = %v, summary %q", err, d.Summary)
		}
	})
}

func TestRenderText(t *testing.T) {
	d := buildDay(t)
	text := Text(d)
	for _, w := range []string{
		"Your day, Tuesday 8 December 2026",
		"TODAY\n-----\n  07:30  Today: 2 events, first at 09:00\n         09:00–09:30 Standup\n",
		"  16:00  Pay Electricity (84,20 €) by Wed 9 Dec\n",
		"    !    Conflict on Tue 8 Dec: Réunion budget",
		"REPLY TO / FOLLOW UP\n",
		"  * Reply to Sophie Martin: Contrat de location\n    Pouvez-vous m'envoyer la copie signée avant vendredi ?\n",
		"  * Draft reply to Jan: Lunch on Friday? (in home)\n    Hi Jan,\n",
		"  * Read: Go 1.28 is released\n    The Go team is happy to announce Go 1.28.\n    https://go.dev/blog/go1.28\n",
		"OTHER SUGGESTIONS",
		"agentd, Tue 8 Dec 07:30 (Europe/Paris)",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
	for _, no := range []string{"Train Paris", "Old meeting", "Eve", "old news", "In 10 min", "javascript:"} {
		if strings.Contains(text, no) {
			t.Errorf("text has %q:\n%s", no, text)
		}
	}
	if strings.Count(text, "https://go.dev/blog/go1.28") != 1 {
		t.Errorf("the link shows more than once:\n%s", text)
	}
}

// TestRenderZones: times are shown in the user's zone, whatever the zone
// of the records and of the machine.
func TestRenderZones(t *testing.T) {
	for _, zone := range []string{"Pacific/Kiritimati", "America/St_Johns", "UTC"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 8, 7, 0, 0, 0, loc)
		due := time.Date(2026, 12, 8, 15, 45, 0, 0, loc).UTC()
		recs := listOf([]suggestionsRecord{rec(eventReminder("r", "Call the plumber", due), "pending")})
		d, err := Build(context.Background(), Sources{Suggestions: recs}, now, loc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if text := Text(d); !strings.Contains(text, "  15:45  Call the plumber") || !strings.Contains(text, "Tuesday 8 December") {
			t.Errorf("%s: text:\n%s", zone, text)
		}
	}
}

func TestRenderHTML(t *testing.T) {
	d := buildDay(t)
	r, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	h := r.HTML
	for _, w := range []string{
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		"max-width:600px",
		"Your day, Tuesday 8 December",
		">07:30</span>Today: 2 events, first at 09:00",
		"Réunion budget · Salle Iéna",
		`<a href="https://go.dev/blog/go1.28"`,
		"#dc2626;background:#fafafa;border-radius:0 6px 6px 0;\">\n<div style=\"font-weight:600;color:#18181b;\">Conflict on Tue 8 Dec",
		"Reply to Sophie Martin: Contrat de location",
		"Pouvez-vous m&#39;envoyer la copie signée avant vendredi ?",
	} {
		if !strings.Contains(h, w) {
			t.Errorf("html lacks %q", w)
		}
	}
	// No external resources: nothing a mail client would fetch.
	for _, no := range []string{"<img", "<link", "<script", "<style", "src=", "url(", "@import", "javascript:"} {
		if strings.Contains(strings.ToLower(h), no) {
			t.Errorf("html has %q", no)
		}
	}
	if os.Getenv("AGENTD_DIGEST_HTML") != "" {
		os.WriteFile(filepath.Join(os.Getenv("AGENTD_DIGEST_HTML")), []byte(h), 0o600)
	}
}

// TestRenderEscapes: text from mail and feeds is data, never markup.
func TestRenderEscapes(t *testing.T) {
	evil := `<script>alert(1)</script><img src="https://tracker.example/p.gif">`
	recs := listOf([]suggestionsRecord{rec(eventSuggestion("x", evil, evil), "delivered")})
	d, err := Build(context.Background(), Sources{Suggestions: recs}, morning(t), paris(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, "<script") || strings.Contains(r.HTML, "<img") {
		t.Errorf("markup from a suggestion reached the HTML:\n%s", r.HTML)
	}
	if !strings.Contains(r.HTML, "&lt;script&gt;") {
		t.Error("the text was dropped instead of escaped")
	}
}

func TestEmpty(t *testing.T) {
	d, err := Build(context.Background(), Sources{Suggestions: listOf(nil), Health: func() []SourceHealth { return nil }}, morning(t), paris(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Empty() {
		t.Fatalf("not empty: %+v", d)
	}
	r, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Your day, Tue 8 Dec — nothing needs you" || !strings.Contains(r.Text, "Nothing needs you today") || !strings.Contains(r.HTML, "Nothing needs you today") {
		t.Errorf("empty digest: %q\n%s", r.Subject, r.Text)
	}
}

func TestCompose(t *testing.T) {
	d := buildDay(t)
	r, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	h := Header{From: "agentd@example.com", To: "Alice Dupré <alice@example.com>", MessageID: "digest.20261208.abc@example.com", Date: morning(t)}
	raw, err := Compose(h, r)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Compose(h, r)
	if err != nil || !bytes.Equal(raw, again) {
		t.Error("the same message does not compose to the same bytes")
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, w := range []string{
		"Subject: =?utf-8?",        // RFC 2047 (the subject has an em dash)
		"To: =?utf-8?q?Alice_Dupr", // and so does a display name
		"Auto-Submitted: auto-generated\r\n",
		"Message-Id: <digest.20261208.abc@example.com>\r\n",
		"Date: Tue, 08 Dec 2026 07:30:00 +0100\r\n",
		"Mime-Version: 1.0\r\n",
		"Content-Type: multipart/alternative;",
	} {
		if !bytes.Contains(head, []byte(w)) {
			t.Errorf("header lacks %q:\n%s", w, head)
		}
	}
	for _, line := range strings.Split(string(head), "\r\n") {
		if len(line) > 78 {
			t.Errorf("header line longer than 78: %q", line)
		}
		for _, c := range line {
			if c > 127 {
				t.Errorf("8-bit header line: %q", line)
				break
			}
		}
	}
	if strings.Index(string(head), "From:") > strings.Index(string(head), "Subject:") {
		t.Errorf("fields out of order:\n%s", head)
	}

	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subj, err := mr.Header.Subject()
	if err != nil || subj != r.Subject || subj != "Your day, Tue 8 Dec — 9 things for today" {
		t.Errorf("subject = %q, %v; want %q", subj, err, r.Subject)
	}
	id, _ := mr.Header.MessageID()
	date, _ := mr.Header.Date()
	if id != h.MessageID || !date.Equal(h.Date) {
		t.Errorf("Message-ID %q, Date %v", id, date)
	}
	if _, params, _ := mr.Header.ContentType(); params["boundary"] == "" {
		t.Error("no boundary")
	}
	var types []string
	var bodies []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ih, ok := p.Header.(*mail.InlineHeader)
		if !ok {
			t.Fatalf("part is not inline: %T", p.Header)
		}
		typ, params, _ := ih.ContentType()
		types = append(types, typ+";"+params["charset"])
		b, _ := io.ReadAll(p.Body)
		bodies = append(bodies, string(b))
	}
	if !slices.Equal(types, []string{"text/plain;utf-8", "text/html;utf-8"}) {
		t.Fatalf("parts = %q", types)
	}
	if bodies[0] != crlf(r.Text) || bodies[1] != crlf(r.HTML) {
		t.Error("the parts do not decode to the rendered text and HTML")
	}
	if _, err := Compose(Header{From: "a@example.com", To: "b@example.com", MessageID: "<x>"}, r); err == nil {
		t.Error("a Message-ID with brackets was accepted")
	}
}

func TestNewMessageID(t *testing.T) {
	day := morning(t)
	a, b := NewMessageID(day, "agentd@mail.example.com"), NewMessageID(day, "agentd@mail.example.com")
	if a == b || !strings.HasPrefix(a, "digest.20261208.") || !strings.HasSuffix(a, "@mail.example.com") {
		t.Errorf("ids %q, %q", a, b)
	}
	if _, _, err := mime.ParseMediaType("x/y; a=" + a); err == nil && strings.ContainsAny(a, " <>") {
		t.Errorf("id %q has spaces or brackets", a)
	}
}
