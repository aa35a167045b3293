package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/agentd/agentd/planner/llm"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

// dovecot is Debian's Dovecot started by scripts/dovecot/start.sh.
type dovecot struct {
	port           int
	user, password string
}

// startDovecot starts a Dovecot (its \Drafts mailbox is Drafts) and stops
// it when the test ends. A missing Dovecot fails the test.
func startDovecot(t *testing.T) *dovecot {
	t.Helper()
	scripts := filepath.Join("..", "..", "scripts", "dovecot")
	// Not t.TempDir(): Dovecot's Unix sockets must stay under the 108-byte
	// path limit.
	dir, err := os.MkdirTemp("", "agentd-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// Registered before starting, so a half-started server is stopped too.
	t.Cleanup(func() {
		if out, err := exec.Command("bash", filepath.Join(scripts, "stop.sh"), dir).CombinedOutput(); err != nil {
			t.Errorf("scripts/dovecot/stop.sh: %v\n%s", err, out)
		}
	})
	out, err := exec.Command("bash", filepath.Join(scripts, "start.sh"), dir, "0").Output()
	if err != nil {
		var stderr []byte
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("scripts/dovecot/start.sh (Debian package dovecot-imapd): %v\n%s", err, stderr)
	}
	d := &dovecot{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "DOVECOT_PORT":
			d.port, _ = strconv.Atoi(v)
		case "DOVECOT_USER":
			d.user = v
		case "DOVECOT_PASSWORD":
			d.password = v
		}
	}
	if d.port == 0 || d.user == "" || d.password == "" {
		t.Fatalf("start.sh printed %q", out)
	}
	return d
}

func (d *dovecot) client(t *testing.T) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(fmt.Sprintf("127.0.0.1:%d", d.port), nil)
	if err != nil {
		t.Fatalf("dial dovecot: %v", err)
	}
	if err := c.Login(d.user, d.password).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// appendMail stores raw in mailbox, as a mail delivery would.
func appendMail(t *testing.T, c *imapclient.Client, mailbox, raw string) {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append to %s: %v", mailbox, err)
	}
}

type imapMsg struct {
	flags []imap.Flag
	raw   []byte
}

// mailboxMessages returns the messages of mailbox not flagged \Deleted.
func mailboxMessages(t *testing.T, c *imapclient.Client, mailbox string) []imapMsg {
	t.Helper()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("examine %s: %v", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	whole := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{
		Flags: true, BodySection: []*imap.FetchItemBodySection{whole},
	}).Collect()
	if err != nil {
		t.Fatalf("fetch %s: %v", mailbox, err)
	}
	var out []imapMsg
	for _, m := range msgs {
		if !slices.Contains(m.Flags, imap.FlagDeleted) {
			out = append(out, imapMsg{flags: m.Flags, raw: m.FindBodySection(whole)})
		}
	}
	return out
}

// TestDovecotReplyDraft runs the real binary against a real Dovecot with a
// model (llmtest): a person's question appended to INBOX gets a threaded
// reply draft in Drafts (\Draft), written from redacted text; `plan`
// lists the draft; a restart makes no second draft and no new model call;
// `ledger` lists the request.
func TestDovecotReplyDraft(t *testing.T) {
	if os.Getenv("AGENTD_INTEGRATION") != "1" {
		t.Skip("integration test: set AGENTD_INTEGRATION=1 (needs Debian's dovecot-imapd)")
	}
	bin := buildAgentd(t)
	dc := startDovecot(t)
	srv := llmtest.New(t, llmtest.Config{Models: []string{"m"}, Responder: func(llmtest.ChatRequest) string {
		b, _ := json.Marshal(map[string]any{"body": "Hi Sophie,\n\nyes, the version from last week works for me. I will sign it on Friday.\n\nBest,\nAlice",
			"language": "en", "skip": false, "reason": ""})
		return string(b)
	}})

	const passwordEnv = "AGENTD_TEST_IMAP_PASSWORD"
	t.Setenv(passwordEnv, dc.password) // the daemon inherits it
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf(`user:
  name: Alice Martin
  email: alice@example.com
  timezone: Europe/Paris
bus:
  data_dir: %s
sources:
  mail:
    - {name: home, imap: {host: 127.0.0.1, port: %d, tls: none, username: %s, password_env: %s}}
llm: {url: %s, model: m, send: redacted}
notify:
  terminal: {}
`, filepath.Join(dir, "data"), dc.port, dc.user, passwordEnv, srv.BaseURL())
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	d, logPath := startDebugDaemon(t, bin, cfg)
	// Mail already in INBOX at the first sync is look-back: the question
	// arrives after it.
	waitLog(t, logPath, "the first sync of INBOX", 1, time.Now().Add(30*time.Second), func(r map[string]any) bool {
		return r["msg"] == "mailbox synced" && r["mailbox"] == "INBOX"
	})

	c := dc.client(t)
	secrets := []string{"sophie.laurent@atelier-laurent.fr", "paul.girard@example.net", "alice@example.com", "assistante@atelier-laurent.fr",
		"+33 6 12 34 56 78", "12 34 56 78", "+49 30 1234 5678", "1234 5678"}
	question := "From: Sophie Laurent <sophie.laurent@atelier-laurent.fr>\r\nTo: Alice Martin <alice@example.com>\r\nCc: Paul Girard <paul.girard@example.net>\r\n" +
		"Subject: Signed contract\r\nMessage-ID: <q1@atelier-laurent.fr>\r\nDate: " + time.Now().Add(-time.Minute).Format(time.RFC1123Z) + "\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Hi Alice,\r\n\r\nthe contract came back from the lawyers this morning. Could you tell me whether the version from last week works for you?\r\n\r\n" +
		"You can call me on +33 6 12 34 56 78, or Paul on +49 30 1234 5678, or write to assistante@atelier-laurent.fr.\r\n\r\nSophie\r\n"
	appendMail(t, c, "INBOX", question)

	var drafts []imapMsg
	deadline := time.Now().Add(30 * time.Second)
	for len(drafts) == 0 {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("no draft in Drafts within 30s; model calls %d; terminal:\n%s\nlog:\n%s", srv.Calls(), strings.Join(d.snapshot(), "\n"), log)
		}
		time.Sleep(100 * time.Millisecond)
		drafts = mailboxMessages(t, c, "Drafts")
	}
	if len(drafts) != 1 {
		t.Fatalf("%d drafts, want 1", len(drafts))
	}
	if !slices.Contains(drafts[0].flags, imap.FlagDraft) {
		t.Errorf("draft flags %v, want \\Draft", drafts[0].flags)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(drafts[0].raw))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"In-Reply-To": "<q1@atelier-laurent.fr>", "References": "<q1@atelier-laurent.fr>", "Subject": "Re: Signed contract"} {
		if got := msg.Header.Get(k); got != want {
			t.Errorf("draft %s = %q, want %q", k, got, want)
		}
	}
	addrs := func(k string) []string {
		list, err := msg.Header.AddressList(k)
		if err != nil {
			t.Errorf("draft %s %q: %v", k, msg.Header.Get(k), err)
		}
		var out []string
		for _, a := range list {
			out = append(out, a.Address)
		}
		return out
	}
	if from, to, cc := addrs("From"), addrs("To"), addrs("Cc"); !slices.Equal(from, []string{"alice@example.com"}) ||
		!slices.Equal(to, []string{"sophie.laurent@atelier-laurent.fr"}) || !slices.Equal(cc, []string{"paul.girard@example.net"}) {
		t.Errorf("draft From %v To %v Cc %v: want from the user, to the asker, Cc the others", from, to, cc)
	}
	if raw := string(drafts[0].raw); !strings.Contains(raw, "works for me") || !strings.Contains(raw, "> the contract came back") {
		t.Errorf("draft lacks the model's text or the quoted original:\n%s", raw)
	}
	// The suggestion becomes kind draft on the terminal.
	d.waitFor(t, "works for me")

	// Redacted: the model received none of the mail's addresses or phone
	// numbers.
	calls := srv.Calls()
	if calls != 1 {
		t.Errorf("model calls %d, want 1", calls)
	}
	for _, r := range srv.Requests() {
		for _, s := range secrets {
			if bytes.Contains(r.Body, []byte(s)) {
				t.Errorf("a request to the model holds %q", s)
			}
		}
	}

	// plan lists the draft it would write (and writes nothing, asks nothing).
	var planned []planLineT
	for _, l := range planJSON(t, "--config", cfg) {
		if l.Kind == "draft" {
			planned = append(planned, l)
		}
	}
	if len(planned) != 1 || len(planned[0].About) == 0 || planned[0].About[0].Ref != "q1@atelier-laurent.fr" {
		t.Errorf("plan lists drafts %+v, want one about q1@atelier-laurent.fr", planned)
	}
	if srv.Calls() != calls || len(mailboxMessages(t, c, "Drafts")) != 1 {
		t.Errorf("plan asked the model or wrote a draft")
	}

	// The ledger, through the running daemon, lists the request.
	checkLedger := func(when string) {
		t.Helper()
		code, out, errOut := runCLI(t, "ledger", "--config", cfg, "--format", "json")
		if code != 0 {
			t.Fatalf("ledger %s: exit %d: %s", when, code, errOut)
		}
		var entries []llm.Entry
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var e llm.Entry
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("ledger %s: line %q: %v", when, line, err)
			}
			entries = append(entries, e)
		}
		if len(entries) != calls {
			t.Fatalf("ledger %s: %d entries, want %d (the model's calls):\n%s", when, len(entries), calls, out)
		}
		e := entries[0]
		if e.Purpose != llm.PurposeDraft || e.Model != "m" || e.BytesOut == 0 || len(e.Items) != 1 || !strings.Contains(e.Items[0], "q1@atelier-laurent.fr") ||
			e.Redactions["EMAIL"] == 0 || e.Redactions["PHONE"] == 0 {
			t.Errorf("ledger %s: entry %+v", when, e)
		}
	}
	checkLedger("from the daemon")
	d.stop(t)

	// A restart: no second draft, no new model call.
	d2, _ := startDebugDaemon(t, bin, cfg)
	waitLog(t, logPath, "the restart", 2, time.Now().Add(30*time.Second), msgIs("agentd started"))
	time.Sleep(3 * time.Second) // a second draft would come within this
	if n := len(mailboxMessages(t, c, "Drafts")); n != 1 {
		t.Errorf("%d drafts after a restart, want 1", n)
	}
	if srv.Calls() != calls {
		t.Errorf("the model was asked again after a restart: %d calls, want %d", srv.Calls(), calls)
	}
	d2.stop(t)
	if n := d2.count("works for me"); n != 0 {
		t.Errorf("the draft suggestion was shown again after the restart:\n%s", strings.Join(d2.snapshot(), "\n"))
	}
	// And from the data dir, with no daemon running.
	checkLedger("from the data dir")
}
