package digest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/agentd/agentd/internal/state"
)

// aiosmtpd is Debian's aiosmtpd (python3-aiosmtpd) started by
// scripts/smtp/start.sh: a real SMTP server on a loopback port that stores
// what it accepts in a Maildir.
type aiosmtpd struct {
	port    int
	maildir string
}

// startAiosmtpd runs only with AGENTD_INTEGRATION=1, and then a missing
// server is a failure.
func startAiosmtpd(t *testing.T) *aiosmtpd {
	t.Helper()
	if os.Getenv("AGENTD_INTEGRATION") != "1" {
		t.Skip("integration test: set AGENTD_INTEGRATION=1 (needs Debian's python3-aiosmtpd)")
	}
	dir := t.TempDir()
	script := func(name string) string { return filepath.Join("..", "..", "scripts", "smtp", name) }
	out, err := exec.Command(script("start.sh"), dir, "0").Output()
	if err != nil {
		var stderr []byte
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("scripts/smtp/start.sh: %v\n%s", err, stderr)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(script("stop.sh"), dir).CombinedOutput(); err != nil {
			t.Errorf("scripts/smtp/stop.sh: %v\n%s", err, out)
		}
	})
	s := &aiosmtpd{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "SMTP_PORT":
			s.port, _ = strconv.Atoi(v)
		case "SMTP_MAILDIR":
			s.maildir = v
		}
	}
	if s.port == 0 || s.maildir == "" {
		t.Fatalf("start.sh printed %q", out)
	}
	return s
}

// messages returns the mails the server stored, waiting up to 10 s for
// want of them (it writes the file after answering the DATA).
func (s *aiosmtpd) messages(t *testing.T, want int) [][]byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, err := filepath.Glob(filepath.Join(s.maildir, "new", "*"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) >= want || time.Now().After(deadline) {
			var out [][]byte
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, b)
			}
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDigestToRealSMTPServer sends the day's digest through go-smtp's
// client to aiosmtpd and reads the stored mail back as a mail client
// would: one message, exactly once, multipart/alternative with a text and
// an HTML part, the headers a digest needs, and the day's content.
func TestDigestToRealSMTPServer(t *testing.T) {
	srv := startAiosmtpd(t)
	loc := paris(t)
	at := morning(t).Add(time.Minute)
	sender, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: srv.port, TLS: TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	src := Sources{Suggestions: listOf(day(t))}
	store := state.NewMemory()
	g := New(Config{At: 7*time.Hour + 30*time.Minute, Location: loc, From: "agentd@example.com", To: "alice@example.com"},
		src, sender, store, nil, WithClock(func() time.Time { return at }))
	sent, err := g.Due(t.Context())
	if err != nil || !sent {
		t.Fatalf("Due = %v, %v; want sent", sent, err)
	}
	// Once a day: again, and from a "restarted" digester on the same store.
	again := New(Config{At: 7*time.Hour + 30*time.Minute, Location: loc, From: "agentd@example.com", To: "alice@example.com"},
		src, sender, store, nil, WithClock(func() time.Time { return at.Add(time.Hour) }))
	for _, d := range []*Digester{g, again} {
		if sent, err := d.Due(t.Context()); err != nil || sent {
			t.Fatalf("second Due = %v, %v; want nothing sent", sent, err)
		}
	}
	_, want, err := g.Preview(t.Context(), at)
	if err != nil {
		t.Fatal(err)
	}

	msgs := srv.messages(t, 1)
	time.Sleep(200 * time.Millisecond) // a second one would have arrived by now
	if msgs = srv.messages(t, 1); len(msgs) != 1 {
		t.Fatalf("server stored %d messages, want 1", len(msgs))
	}
	raw := msgs[0]
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse the stored mail: %v\n%s", err, raw)
	}
	h := mr.Header
	// The envelope, as the server saw it (the Mailbox handler's headers).
	if got := h.Get("X-MailFrom"); got != "agentd@example.com" {
		t.Errorf("envelope from %q", got)
	}
	if got := h.Get("X-RcptTo"); got != "alice@example.com" {
		t.Errorf("envelope to %q", got)
	}
	subject, err := h.Subject()
	if err != nil || subject != want.Subject {
		t.Errorf("Subject = %q, %v; want %q", subject, err, want.Subject)
	}
	if rawSubj := h.Header.Get("Subject"); !strings.HasPrefix(strings.ToLower(rawSubj), "=?utf-8?") {
		t.Errorf("Subject not RFC 2047 encoded on the wire: %q", rawSubj)
	}
	if date, err := h.Date(); err != nil || !date.Equal(at) {
		t.Errorf("Date = %v, %v; want %v", date, err, at)
	}
	if id, err := h.MessageID(); err != nil || id == "" || !strings.Contains(id, "@") {
		t.Errorf("Message-ID = %q, %v", id, err)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "agentd@example.com" {
		t.Errorf("From = %v, %v", from, err)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "alice@example.com" {
		t.Errorf("To = %v, %v", to, err)
	}
	if got := h.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	if ct, _, err := h.ContentType(); err != nil || ct != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, %v; want multipart/alternative", ct, err)
	}

	parts := map[string]string{}
	var order []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		ih, ok := p.Header.(*mail.InlineHeader)
		if !ok {
			t.Fatalf("unexpected attachment part %v", p.Header)
		}
		ct, params, _ := ih.ContentType()
		if !strings.EqualFold(params["charset"], "utf-8") {
			t.Errorf("%s part charset %q, want utf-8", ct, params["charset"])
		}
		body, err := io.ReadAll(p.Body) // go-message decodes the transfer encoding
		if err != nil {
			t.Fatal(err)
		}
		parts[ct] = string(body)
		order = append(order, ct)
	}
	if len(order) != 2 || order[0] != "text/plain" || order[1] != "text/html" {
		t.Fatalf("parts %v, want text/plain then text/html (the preferred last)", order)
	}
	if norm(parts["text/plain"]) != norm(want.Text) {
		t.Errorf("text part differs from the preview:\n%s", parts["text/plain"])
	}
	if norm(parts["text/html"]) != norm(want.HTML) {
		t.Errorf("HTML part differs from the preview")
	}
	for _, s := range []string{"Reply to Sophie Martin", "Pay Electricity (84,20 €)", "Go 1.28 is released", "Réunion budget"} {
		if !strings.Contains(parts["text/plain"], s) {
			t.Errorf("text part lacks %q", s)
		}
	}
	for _, s := range []string{"Sophie Martin", "Réunion budget", "https://go.dev/blog/go1.28"} {
		if !strings.Contains(parts["text/html"], s) {
			t.Errorf("HTML part lacks %q", s)
		}
	}
	for _, s := range []string{"Reply to Eve", "old news", "javascript:"} {
		if strings.Contains(parts["text/plain"], s) || strings.Contains(parts["text/html"], s) {
			t.Errorf("mail shows %q, which it must not", s)
		}
	}
}

// norm makes line ends and the trailing newline comparable.
func norm(s string) string {
	return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}
