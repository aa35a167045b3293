package message

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/agentd/agentd/internal/testcorpus"
)

// Corpus seeds: up to fuzzSeeds mails of at most fuzzSeedMax bytes (the
// fuzzer runs every seed before mutating; a large one slows every
// iteration that starts from it).
const (
	fuzzSeeds   = 150
	fuzzSeedMax = 16 << 10
)

// FuzzMessage parses any bytes as a mail with small limits and checks what
// the watcher relies on: Parse fails only when its reader does (never
// here), never panics, and keeps every bound: the text, each calendar part,
// the counts of calendars, attachments and references, the size read; all
// strings valid UTF-8 without control characters.
//
// Seeds: testdata/*.eml, testdata/fuzz/FuzzMessage (crashers found
// before) and a sample of the small mails of ../shared/corpus when present.
//
//	go test ./watchers/mail/message -run '^$' -fuzz '^FuzzMessage$' -fuzztime 5m
func FuzzMessage(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, data := range testcorpus.Seeds("mail", fuzzSeedMax, fuzzSeeds, func(p string) bool {
		return !strings.HasSuffix(p, ".json") && filepath.Base(p) != "COPYING"
	}) {
		f.Add(data)
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\n----"))
	f.Add([]byte("Content-Type: text/calendar; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nBEGIN:VCALENDAR=\n=E9"))
	f.Add([]byte("References: <a@b> <c@d> <e@f>\nIn-Reply-To: x\nFrom: =?iso-8859-1?q?=E9?= <A@B.C>, ;,\n\nbody"))

	opts := Options{MaxText: 1024, MaxPartBytes: 8 << 10, MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(bytes.NewReader(data), opts)
		if err != nil {
			t.Fatalf("Parse failed on an in-memory mail: %v", err)
		}
		if len(m.Text) > opts.MaxText {
			t.Errorf("text of %d bytes, want at most %d", len(m.Text), opts.MaxText)
		}
		if m.Size != int64(min(len(data), int(opts.MaxBytes))) || m.Truncated != (int64(len(data)) > opts.MaxBytes) {
			t.Errorf("size %d, truncated %v, from %d bytes", m.Size, m.Truncated, len(data))
		}
		if len(m.Calendars) > maxCalendars || len(m.Attachments) > maxAttachments {
			t.Errorf("%d calendars, %d attachments", len(m.Calendars), len(m.Attachments))
		}
		for _, c := range m.Calendars {
			// Read up to MaxPartBytes; a charset turns a byte into 3 at most.
			if int64(len(c)) > 3*opts.MaxPartBytes {
				t.Errorf("calendar part of %d bytes, limit %d", len(c), opts.MaxPartBytes)
			}
			if !utf8.Valid(c) {
				t.Errorf("calendar part is not UTF-8: %q", c[:min(len(c), 80)])
			}
		}
		if len(m.References) > maxReferences || len(m.InReplyTo) > maxReferences {
			t.Errorf("%d references, %d in-reply-to", len(m.References), len(m.InReplyTo))
		}
		switch m.Language {
		case "", "en", "fr", "de":
		default:
			t.Errorf("language %q", m.Language)
		}
		strs := []string{m.Subject, m.Text, m.MessageID, m.ReturnPath, m.Report, m.List.ID, m.List.Unsubscribe, m.List.Precedence}
		strs = append(strs, m.References...)
		strs = append(strs, m.InReplyTo...)
		for _, as := range [][]Address{m.From, m.To, m.Cc, m.Bcc, m.ReplyTo} {
			for _, a := range as {
				strs = append(strs, a.Name, a.Email)
			}
		}
		if m.Sender != nil {
			strs = append(strs, m.Sender.Name, m.Sender.Email)
		}
		for _, a := range m.Attachments {
			strs = append(strs, a.Name, a.ContentType)
			if a.Size < 0 {
				t.Errorf("attachment %q of %d bytes", a.Name, a.Size)
			}
		}
		for _, s := range strs {
			if !utf8.ValidString(s) {
				t.Errorf("invalid UTF-8: %q", s)
			}
			if strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
				t.Errorf("control character in %q", s)
			}
		}
		_, _ = m.IsAutomated()
	})
}
