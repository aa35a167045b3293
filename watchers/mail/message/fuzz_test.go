package message

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no input makes Parse fail, panic or break its
// bounds. Seeds are the testdata mails and a few broken fragments.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\n--a--"))
	f.Add([]byte("Subject: =?utf-8?b?w6k=?=\nContent-Type: text/html\n\n<a href=x>y</a><p style=display:none>"))
	f.Add([]byte("From x\nContent-Transfer-Encoding: base64\n\n===="))

	opts := Options{MaxText: 512, MaxPartBytes: 4096, MaxBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(bytes.NewReader(data), opts)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if len(m.Text) > opts.MaxText {
			t.Errorf("len(Text) = %d > %d", len(m.Text), opts.MaxText)
		}
		if m.Size != int64(min(len(data), int(opts.MaxBytes))) {
			t.Errorf("Size = %d, input %d bytes", m.Size, len(data))
		}
		if len(m.Calendars) > maxCalendars || len(m.Attachments) > maxAttachments {
			t.Errorf("%d calendars, %d attachments", len(m.Calendars), len(m.Attachments))
		}
		strs := []string{m.Subject, m.Text, m.MessageID, m.ReturnPath, m.List.ID, m.Report, m.Language}
		for _, as := range [][]Address{m.From, m.To, m.Cc, m.Bcc, m.ReplyTo} {
			for _, a := range as {
				strs = append(strs, a.Name, a.Email)
			}
		}
		for _, a := range m.Attachments {
			strs = append(strs, a.Name, a.ContentType)
		}
		for _, s := range strs {
			if !utf8.ValidString(s) {
				t.Errorf("invalid UTF-8: %q", s)
			}
			for _, r := range s {
				if r != '\n' && r != '\t' && isControl(r) {
					t.Errorf("control character %U in %q", r, s)
					break
				}
			}
		}
		_, _ = m.IsAutomated()
	})
}
