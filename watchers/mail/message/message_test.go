package message

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func parseFile(t *testing.T, name string) *Message {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return m
}

func emails(as []Address) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Email)
	}
	return out
}

// mailCase is what one testdata mail must yield; zero fields are not
// checked, except Automated and HTML which always are.
type mailCase struct {
	file        string
	messageID   string
	subject     string
	from        Address
	to          []string
	date        string // RFC 3339
	inReplyTo   []string
	references  []string
	text        []string // substrings of Text
	notText     []string // must not appear in Text
	html        bool
	language    string
	automated   bool
	reason      string // substring of the reason
	calendars   []string
	attachments []Attachment // Size is checked only when non-zero
	report      string
	problems    bool
}

func TestParseTestdata(t *testing.T) {
	cases := map[string]mailCase{
		"rfc2047 subject utf-8 B + iso-8859-1 Q, encoded names": {
			file:      "rfc2047.eml",
			messageID: "CAF3x9Yq=7d1@mail.example.fr",
			subject:   "Réunion équipe – 15 décembre café et ordre du jour",
			from:      Address{Name: "Chloé Martin", Email: "Chloe.Martin@example.fr"},
			to:        []string{"jean.dupont@example.org", "juergen@example.de"},
			date:      "2025-12-09T09:14:02+01:00",
			text:      []string{"Peux-tu confirmer ta présence à la réunion avant le 12 décembre ?"},
			language:  "fr",
		},
		"quoted-printable latin-1 body, format=flowed": {
			file:     "qp-latin1.eml",
			subject:  "Compte rendu de la réunion",
			from:     Address{Name: "Hélène Girard", Email: "helene.girard@example.fr"},
			date:     "2025-12-10T16:45:00+01:00",
			text:     []string{"Pourriez-vous nous envoyer vos remarques avant vendredi ?", "À bientôt,\nHélène"},
			notText:  []string{"=E9", "\r"},
			language: "fr",
		},
		"base64 utf-8 body": {
			file:     "base64-utf8.eml",
			subject:  "Unterlagen für die Steuererklärung",
			from:     Address{Name: "Jürgen Müller", Email: "juergen@example.de"},
			text:     []string{"kannst du mir bitte bis Freitag die Unterlagen für die Steuererklärung schicken?", "Die Frist ist am 31. Januar."},
			language: "de",
		},
		"multipart/alternative prefers plain": {
			file:       "alternative.eml",
			subject:    "Re: Budget review",
			inReplyTo:  []string{"alice-41@example.org"},
			references: []string{"alice-40@example.org", "alice-41@example.org"},
			date:       "2025-12-11T10:30:00-05:00",
			text:       []string{"Could you send me the updated numbers by Friday EOD?", "> Here is the draft."},
			notText:    []string{"HTML VERSION", "<div"},
			language:   "en",
		},
		"html only becomes readable text": {
			file: "html-only.eml",
			text: []string{
				"Hi Alice,\n\nAre you free for dinner on Saturday at 8? Café & bar “Le Petit” — see the map (https://maps.example.com/le-petit).",
				"- Starter\n- Main",
				"Reply to carol@example.net\nCarol",
			},
			notText:  []string{"Ignored title", "color: red", "alert", "Preheader", "<p>", "&amp;", "(mailto:"},
			html:     true,
			language: "en",
		},
		"nested mixed with alternative, related image and attachment": {
			file:    "nested.eml",
			to:      []string{"alice@example.org", "bob@example.com"},
			text:    []string{"Payment is due by 31 December 2025."},
			notText: []string{"multi-part message in MIME format", "<p>"},
			attachments: []Attachment{
				{Name: "logo.png", ContentType: "image/png", Size: 128, Inline: true},
				{Name: "Rechnung März.pdf", ContentType: "application/pdf", Size: 9 + 1024},
			},
		},
		"calendar invitation captured": {
			file:        "invitation.eml",
			text:        []string{"You have been invited to the following event."},
			calendars:   []string{"METHOD:REQUEST", "METHOD:REQUEST"},
			attachments: []Attachment{{Name: "invite.ics", ContentType: "application/ics"}},
		},
		"newsletter saying reply by friday is automated": {
			file:      "newsletter.eml",
			subject:   "🎉 Last chance: reply by Friday for 50% off",
			text:      []string{"Reply by Friday to get 50% off! Shop now (https://acme-weekly.example/shop)"},
			html:      true,
			automated: true,
			reason:    "Precedence: bulk",
		},
		"direct personal mail is not automated": {
			file:       "personal.eml",
			messageID:  "DB9PR01MB1234ABCD@eurprd01.prod.example.com",
			subject:    "RE: AW: Contract draft",
			from:       Address{Name: "Frank Ortiz", Email: "frank@example.com"},
			to:         []string{"alice@example.org"},
			date:       "2025-12-16T10:11:59+01:00",
			inReplyTo:  []string{"alice.99@example.org"},
			references: []string{"frank.97@example.com", "alice.98@example.org", "alice.99@example.org"},
			text:       []string{"Can you have a look at section 4 before our call on Thursday?"},
			language:   "en",
		},
		"no-reply sender": {
			file:      "noreply.eml",
			automated: true,
			reason:    "no-reply sender no-reply@notify.parcelgo.example",
		},
		"delivery status notification": {
			file:        "dsn.eml",
			text:        []string{"550 5.1.1 User unknown"},
			notText:     []string{"Reporting-MTA", "Subject: Hello"},
			automated:   true,
			reason:      "delivery status notification",
			report:      "delivery-status",
			attachments: []Attachment{{ContentType: "message/delivery-status"}, {ContentType: "text/rfc822-headers"}},
		},
		"out-of-office reply": {
			file:      "auto-reply.eml",
			text:      []string{"nicht im Büro"},
			automated: true,
			reason:    "Auto-Submitted: auto-replied",
			language:  "de",
		},
		"broken MIME is best effort": {
			file:      "broken.eml",
			messageID: "broken-id@example.com",
			from:      Address{Name: "Broken Mailer", Email: "broken@example.com"},
			to:        []string{"alice@example.org", "bob@@example.com"},
			subject:   "café and =?utf-8?b?!!!notbase64?=",
			text: []string{
				"Caf\uFFFD in an unknown charset.",
				"this is !!! not ### base64 @@@ at all",
				"The closing boundary never comes.",
			},
			attachments: []Attachment{{Name: "data.bin", ContentType: "application/octet-stream", Size: 10}},
			problems:    true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := parseFile(t, tc.file)
			if tc.messageID != "" && m.MessageID != tc.messageID {
				t.Errorf("MessageID = %q, want %q", m.MessageID, tc.messageID)
			}
			if tc.subject != "" && m.Subject != tc.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tc.subject)
			}
			if tc.from != (Address{}) && (len(m.From) != 1 || m.From[0] != tc.from) {
				t.Errorf("From = %v, want [%v]", m.From, tc.from)
			}
			if tc.to != nil && !slices.Equal(emails(m.To), tc.to) {
				t.Errorf("To = %v, want %v", emails(m.To), tc.to)
			}
			if tc.date != "" {
				want, _ := time.Parse(time.RFC3339, tc.date)
				if !m.Date.Equal(want) {
					t.Errorf("Date = %v, want %v", m.Date, want)
				}
			}
			if tc.inReplyTo != nil && !slices.Equal(m.InReplyTo, tc.inReplyTo) {
				t.Errorf("InReplyTo = %q, want %q", m.InReplyTo, tc.inReplyTo)
			}
			if tc.references != nil && !slices.Equal(m.References, tc.references) {
				t.Errorf("References = %q, want %q", m.References, tc.references)
			}
			for _, s := range tc.text {
				if !strings.Contains(m.Text, s) {
					t.Errorf("Text lacks %q; Text:\n%s", s, m.Text)
				}
			}
			for _, s := range tc.notText {
				if strings.Contains(m.Text, s) {
					t.Errorf("Text contains %q; Text:\n%s", s, m.Text)
				}
			}
			if m.HTML != tc.html {
				t.Errorf("HTML = %v, want %v", m.HTML, tc.html)
			}
			if tc.language != "" && m.Language != tc.language {
				t.Errorf("Language = %q, want %q", m.Language, tc.language)
			}
			automated, reason := m.IsAutomated()
			if automated != tc.automated || !strings.Contains(reason, tc.reason) {
				t.Errorf("IsAutomated() = %v, %q; want %v, %q", automated, reason, tc.automated, tc.reason)
			}
			if len(m.Calendars) != len(tc.calendars) {
				t.Errorf("%d calendars, want %d", len(m.Calendars), len(tc.calendars))
			}
			for i, s := range tc.calendars {
				if i < len(m.Calendars) && !bytes.Contains(m.Calendars[i], []byte(s)) {
					t.Errorf("calendar %d lacks %q:\n%s", i, s, m.Calendars[i])
				}
			}
			if len(m.Attachments) != len(tc.attachments) {
				t.Errorf("Attachments = %+v, want %+v", m.Attachments, tc.attachments)
			}
			for i, want := range tc.attachments {
				if i >= len(m.Attachments) {
					break
				}
				got := m.Attachments[i]
				if want.Size == 0 {
					got.Size = 0
				}
				if got != want {
					t.Errorf("attachment %d = %+v, want %+v", i, got, want)
				}
			}
			if m.Report != tc.report {
				t.Errorf("Report = %q, want %q", m.Report, tc.report)
			}
			if (m.Problems > 0) != tc.problems {
				t.Errorf("Problems = %d, want problems: %v", m.Problems, tc.problems)
			}
		})
	}
}

func TestInvitationCalendarIsDecoded(t *testing.T) {
	m := parseFile(t, "invitation.eml")
	if len(m.Calendars) == 0 {
		t.Fatal("no calendar part")
	}
	cal := string(m.Calendars[0])
	for _, s := range []string{"BEGIN:VCALENDAR", "SUMMARY:Quarterly planning – Café room", "UID:7kukuqrfedlm2f9t0vnsqk2gqj@google.com"} {
		if !strings.Contains(cal, s) {
			t.Errorf("calendar lacks %q:\n%s", s, cal)
		}
	}
}

// Line endings must not matter: every testdata mail parses the same with
// LF and with CRLF.
func TestLineEndingsDoNotMatter(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lf := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
			crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
			a, errA := Parse(bytes.NewReader(lf), Options{})
			b, errB := Parse(bytes.NewReader(crlf), Options{})
			if errA != nil || errB != nil {
				t.Fatalf("Parse: %v, %v", errA, errB)
			}
			a.Size, b.Size = 0, 0
			for i := range b.Calendars {
				b.Calendars[i] = bytes.ReplaceAll(b.Calendars[i], []byte("\r\n"), []byte("\n"))
			}
			for i := range a.Calendars {
				a.Calendars[i] = bytes.ReplaceAll(a.Calendars[i], []byte("\r\n"), []byte("\n"))
			}
			if a.Subject != b.Subject || a.Text != b.Text || !slices.Equal(a.From, b.From) ||
				!a.Date.Equal(b.Date) || len(a.Attachments) != len(b.Attachments) || len(a.Calendars) != len(b.Calendars) {
				t.Errorf("LF and CRLF differ:\nLF:   %+v\nCRLF: %+v", a, b)
			}
		})
	}
}

func TestParseHeaderOnly(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "personal.eml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseHeader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "RE: AW: Contract draft" || m.MessageID != "DB9PR01MB1234ABCD@eurprd01.prod.example.com" || m.Text != "" {
		t.Errorf("ParseHeader = %+v", m)
	}
	if end := bytes.Index(data, []byte("\n\n")) + 2; m.Size != int64(end) {
		t.Errorf("Size = %d, header ends at %d", m.Size, end)
	}
}

func TestParseReportsReaderErrors(t *testing.T) {
	boom := errors.New("connection reset")
	data, err := os.ReadFile(filepath.Join("testdata", "nested.eml"))
	if err != nil {
		t.Fatal(err)
	}
	cuts := map[string]int{"in header": 20, "in body": len(data) / 2}
	for name, cut := range cuts {
		r := func() *bytes.Reader { return bytes.NewReader(data[:cut]) }
		t.Run(name, func(t *testing.T) {
			_, err := Parse(&failAfter{r: r(), err: boom}, Options{})
			if !errors.Is(err, boom) {
				t.Errorf("Parse error = %v, want %v", err, boom)
			}
		})
	}
}

// failAfter yields r's bytes, then fails with err.
type failAfter struct {
	r   *bytes.Reader
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.r.Len() == 0 {
		return 0, f.err
	}
	return f.r.Read(p)
}

func TestParseOneByteReads(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "invitation.eml"))
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := Parse(bytes.NewReader(data), Options{})
	m, err := Parse(iotest.OneByteReader(bytes.NewReader(data)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != whole.Text || len(m.Calendars) != len(whole.Calendars) || m.Size != int64(len(data)) {
		t.Errorf("one-byte reads give a different result: %+v", m)
	}
}

func TestLimits(t *testing.T) {
	long := strings.Repeat("word ", 50_000) // 250 kB of text
	plain := "From: a@example.com\r\nSubject: big\r\n\r\n" + long
	cases := map[string]struct {
		mail  string
		opts  Options
		check func(t *testing.T, m *Message)
	}{
		"MaxText cuts the text": {
			mail: plain,
			opts: Options{MaxText: 1000},
			check: func(t *testing.T, m *Message) {
				if len(m.Text) > 1000 || !m.TextTruncated || !strings.HasPrefix(m.Text, "word word") {
					t.Errorf("len(Text) = %d, TextTruncated = %v", len(m.Text), m.TextTruncated)
				}
			},
		},
		"default MaxText is 64 KiB": {
			mail: plain,
			check: func(t *testing.T, m *Message) {
				if len(m.Text) > DefaultMaxText || len(m.Text) < DefaultMaxText-10 || !m.TextTruncated {
					t.Errorf("len(Text) = %d, TextTruncated = %v", len(m.Text), m.TextTruncated)
				}
			},
		},
		"MaxBytes stops reading": {
			mail: plain,
			opts: Options{MaxBytes: 4096},
			check: func(t *testing.T, m *Message) {
				if m.Size != 4096 || !m.Truncated || m.Subject != "big" {
					t.Errorf("Size = %d, Truncated = %v, Subject = %q", m.Size, m.Truncated, m.Subject)
				}
			},
		},
		"MaxPartBytes bounds a text part": {
			mail: plain,
			opts: Options{MaxPartBytes: 2048},
			check: func(t *testing.T, m *Message) {
				if len(m.Text) > 2048 || !m.TextTruncated || m.Size != int64(len(plain)) {
					t.Errorf("len(Text) = %d, TextTruncated = %v, Size = %d", len(m.Text), m.TextTruncated, m.Size)
				}
			},
		},
		"only the chosen alternative counts against MaxText": {
			mail: "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n" +
				"--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n" +
				"--a\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("p", 600) + "\r\n" +
				"--a\r\nContent-Type: text/html\r\n\r\n<p>" + strings.Repeat("h", 600) + "</p>\r\n--a--\r\n" +
				"--m\r\nContent-Type: text/plain\r\n\r\ntail\r\n--m--\r\n",
			opts: Options{MaxText: 1000},
			check: func(t *testing.T, m *Message) {
				if !strings.HasSuffix(m.Text, "\n\ntail") || strings.Contains(m.Text, "h") || m.TextTruncated {
					t.Errorf("Text = %q, TextTruncated = %v", m.Text, m.TextTruncated)
				}
			},
		},
		"deep nesting is bounded": {
			mail: nestedMultipart(5000, "deep text"),
			check: func(t *testing.T, m *Message) {
				if m.Problems == 0 || strings.Contains(m.Text, "deep text") {
					t.Errorf("Problems = %d, Text = %q", m.Problems, m.Text)
				}
			},
		},
		"nesting within the bound is read": {
			mail: nestedMultipart(MaxDepth-1, "deep text"),
			check: func(t *testing.T, m *Message) {
				if m.Text != "deep text" {
					t.Errorf("Text = %q", m.Text)
				}
			},
		},
		"many parts are bounded": {
			mail: manyParts(5000),
			check: func(t *testing.T, m *Message) {
				if len(m.Attachments) > maxAttachments || m.Problems == 0 {
					t.Errorf("%d attachments, %d problems", len(m.Attachments), m.Problems)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tc.mail), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, m)
		})
	}
}

func nestedMultipart(depth int, text string) string {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i < depth; i++ {
		b.WriteString("--b" + strconv.Itoa(i-1) + "\r\nContent-Type: multipart/mixed; boundary=b" + strconv.Itoa(i) + "\r\n\r\n")
	}
	b.WriteString("--b" + strconv.Itoa(depth-1) + "\r\nContent-Type: text/plain\r\n\r\n" + text + "\r\n")
	for i := depth - 1; i >= 0; i-- {
		b.WriteString("--b" + strconv.Itoa(i) + "--\r\n")
	}
	return b.String()
}

func manyParts(n int) string {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n")
	for range n {
		b.WriteString("--x\r\nContent-Type: application/octet-stream\r\n\r\nA\r\n")
	}
	b.WriteString("--x--\r\n")
	return b.String()
}
