package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

// draftSetup is a Maildir++ account (INBOX at the root, .Sent beside it)
// and a config whose model is the fake server.
type draftSetup struct {
	cfg  *config.Config
	root string
	srv  *llmtest.Server
}

func newDraftSetup(t *testing.T, send string, respond llmtest.Responder) draftSetup {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "Mail")
	for _, f := range []string{"", ".Sent"} {
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(root, f, sub), 0o700); err != nil {
				t.Fatal(err)
			}
		}
	}
	srv := llmtest.New(t, llmtest.Config{Models: []string{"m"}, Responder: respond})
	yaml := fmt.Sprintf("user: {name: Alice Martin, email: alice@example.com, timezone: Europe/Paris}\n"+
		"bus: {data_dir: %s}\n"+
		"sources:\n  mail:\n    - {name: home, maildir: %s}\n"+
		"llm: {url: %s, model: m, send: %s}\n"+
		"notify: {terminal: {}}\n", filepath.Join(dir, "data"), root, srv.BaseURL(), send)
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return draftSetup{cfg: cfg, root: root, srv: srv}
}

// replyWith answers draft requests with body (and summaries with a line).
func replyWith(body string) llmtest.Responder {
	return func(req llmtest.ChatRequest) string {
		b, _ := json.Marshal(map[string]any{"body": body, "language": "en", "skip": false, "reason": ""})
		return string(b)
	}
}

func questionMail(id, inReplyTo string, date time.Time, text string) string {
	h := "From: Sophie Laurent <sophie@example.org>\r\nTo: Alice Martin <alice@example.com>\r\nCc: Paul <paul@example.net>\r\n" +
		"Subject: Signed contract\r\nMessage-ID: <" + id + ">\r\nDate: " + date.Format(time.RFC1123Z) + "\r\n"
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + ">\r\nReferences: <" + inReplyTo + ">\r\n"
	}
	return h + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
}

func deliver(t testing.TB, dir, name, raw string) {
	t.Helper()
	tmp := filepath.Join(dir, "tmp", name)
	if err := os.WriteFile(tmp, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "new", name)); err != nil {
		t.Fatal(err)
	}
}

// draftFiles returns the messages in the account's Drafts folder.
func draftFiles(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, sub := range []string{"cur", "new"} {
		entries, _ := os.ReadDir(filepath.Join(root, ".Drafts", sub))
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(root, ".Drafts", sub, e.Name()))
			if err == nil {
				out[e.Name()] = string(b)
			}
		}
	}
	return out
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func startApp(t *testing.T, cfg *config.Config, out *syncBuffer) *App {
	t.Helper()
	opts := Options{Config: cfg, Stdout: out}
	if os.Getenv("AGENTD_TEST_DEBUG") != "" {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	// Mail present at the first read is the account's look-back: wait
	// for it, so the test's mail arrives as new mail.
	waitUntil(t, "the mail watcher's first read", func() bool {
		for _, h := range a.Health() {
			if h.Name == "mail:home" && !h.LastOK.IsZero() {
				return true
			}
		}
		return false
	})
	// The runner reports the source up when it connects; its first read
	// of this tiny Maildir ends within milliseconds after that.
	time.Sleep(750 * time.Millisecond)
	return a
}

// TestReplyDraftLifecycle: a person's question gets a threaded draft in
// the Maildir's Drafts (D flag), written by the model from redacted text;
// the suggestion becomes kind draft; a restart makes no second draft; the
// user's own reply removes agentd's untouched draft.
func TestReplyDraftLifecycle(t *testing.T) {
	ds := newDraftSetup(t, "redacted", replyWith("Hi Sophie,\n\nyes, I will send the signed contract on Friday.\n\nBest,\nAlice"))
	now := time.Now()
	var out syncBuffer
	a := startApp(t, ds.cfg, &out)
	deliver(t, ds.root, "1.q", questionMail("q1@example.org", "", now.Add(-time.Minute),
		"Hi Alice,\n\ncould you send me the signed contract by Friday? You can reach me on +33 6 12 34 56 78 or sophie.l@example.org.\n\nSophie"))

	waitUntil(t, "a draft in Drafts", func() bool { return len(draftFiles(t, ds.root)) == 1 })
	var name, raw string
	for name, raw = range draftFiles(t, ds.root) {
	}
	if !strings.HasSuffix(name, ":2,DS") {
		t.Errorf("draft file %q lacks the D flag", name)
	}
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"In-Reply-To": "<q1@example.org>", "References": "<q1@example.org>", "Subject": "Re: Signed contract",
	} {
		if got := msg.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if from := msg.Header.Get("From"); !strings.Contains(from, "alice@example.com") {
		t.Errorf("From %q", from)
	}
	if to, cc := msg.Header.Get("To"), msg.Header.Get("Cc"); !strings.Contains(to, "sophie@example.org") || !strings.Contains(cc, "paul@example.net") || strings.Contains(to+cc, "alice@") {
		t.Errorf("To %q Cc %q: reply-all without the user", to, cc)
	}
	if !strings.Contains(msg.Header.Get("Message-Id"), "@example.com>") {
		t.Errorf("Message-ID %q not in the user's domain", msg.Header.Get("Message-Id"))
	}
	if !strings.Contains(raw, "signed contract on Friday") || !strings.Contains(raw, "> could you send me") {
		t.Errorf("draft body or quoted original missing:\n%s", raw)
	}

	// Redacted: what the model received holds none of the addresses or the
	// phone number.
	calls := ds.srv.Calls()
	if calls != 1 {
		t.Errorf("model calls %d, want 1", calls)
	}
	for _, r := range ds.srv.Requests() {
		for _, secret := range []string{"sophie@example.org", "sophie.l@example.org", "paul@example.net", "alice@example.com", "12 34 56 78"} {
			if bytes.Contains(r.Body, []byte(secret)) {
				t.Errorf("request to the model holds %q", secret)
			}
		}
	}
	waitUntil(t, "the draft suggestion delivered", func() bool { return strings.Contains(out.String(), "yes, I will send") })
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}

	// The record is kind draft, with the draft's envelope.
	rec := suggestionRecord(t, ds.cfg, func(r suggestions.Record) bool { return r.Suggestion.Rule == ruleAwaitingMyReply })
	if rec.Suggestion.Kind != event.KindDraft || rec.Suggestion.Draft == nil || rec.Suggestion.Draft.InReplyTo != "q1@example.org" {
		t.Fatalf("suggestion record %+v", rec.Suggestion)
	}

	// A restart makes no second draft and asks the model nothing.
	a = startApp(t, ds.cfg, &out)
	time.Sleep(time.Second)
	if n := len(draftFiles(t, ds.root)); n != 1 {
		t.Errorf("%d drafts after a restart, want 1", n)
	}
	if ds.srv.Calls() != calls {
		t.Errorf("the model was asked again after a restart")
	}

	// The user's own reply removes agentd's untouched draft.
	deliver(t, filepath.Join(ds.root, ".Sent"), "2.r", "From: Alice Martin <alice@example.com>\r\nTo: sophie@example.org\r\n"+
		"Subject: Re: Signed contract\r\nMessage-ID: <r1@example.com>\r\nIn-Reply-To: <q1@example.org>\r\nReferences: <q1@example.org>\r\n"+
		"Date: "+time.Now().Format(time.RFC1123Z)+"\r\n\r\nHere it is, Sophie. Thanks for your patience with this one.\r\n")
	waitUntil(t, "the draft removed after the user's reply", func() bool { return len(draftFiles(t, ds.root)) == 0 })
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestEditedDraftIsLeftAlone: a new message in the thread replaces an
// untouched draft, never one the user edited.
func TestEditedDraftIsLeftAlone(t *testing.T) {
	ds := newDraftSetup(t, "full", replyWith("Hi Sophie,\n\nthanks, I will look at it today.\n\nAlice"))
	now := time.Now()
	var out syncBuffer
	a := startApp(t, ds.cfg, &out)
	defer a.Stop(t.Context())
	deliver(t, ds.root, "1.q", questionMail("q1@example.org", "", now.Add(-2*time.Minute), "Hi Alice, can you review the contract?"))
	waitUntil(t, "a first draft", func() bool { return len(draftFiles(t, ds.root)) == 1 })

	// A second question in the thread: the untouched draft is replaced.
	deliver(t, ds.root, "2.q", questionMail("q2@example.org", "q1@example.org", now.Add(-time.Minute), "And could you also sign page 3?"))
	waitUntil(t, "the draft replaced", func() bool {
		for _, raw := range draftFiles(t, ds.root) {
			if strings.Contains(raw, "In-Reply-To: <q2@example.org>") {
				return len(draftFiles(t, ds.root)) == 1
			}
		}
		return false
	})

	// The user edits it (a client saves a changed copy): a third message
	// leaves it alone.
	for name, raw := range draftFiles(t, ds.root) {
		edited := strings.Replace(raw, "I will look at it today", "I signed it, see attached", 1)
		if err := os.WriteFile(filepath.Join(ds.root, ".Drafts", "cur", name), []byte(edited), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	deliver(t, ds.root, "3.q", questionMail("q3@example.org", "q2@example.org", now, "Any news on this?"))
	waitUntil(t, "the third mail planned", func() bool { return ds.srv.Calls() >= 3 })
	time.Sleep(500 * time.Millisecond)
	files := draftFiles(t, ds.root)
	edited := 0
	for _, raw := range files {
		if strings.Contains(raw, "I signed it, see attached") {
			edited++
		}
	}
	if edited != 1 || len(files) != 1 {
		t.Fatalf("the user's edited draft must stay, alone (the reply is theirs now): %d edited, %d drafts %v", edited, len(files), files)
	}
}

// TestPlanListsDrafts: plan lists the draft it would write, asking no
// model and writing nothing.
func TestPlanListsDrafts(t *testing.T) {
	ds := newDraftSetup(t, "redacted", replyWith("never asked"))
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	deliver(t, ds.root, "1.q", questionMail("q1@example.org", "", at.Add(-time.Hour), "Could you send me the signed contract by Friday?"))
	ss, failed, err := Plan(t.Context(), ds.cfg, PlanOptions{At: at, Horizon: 48 * time.Hour})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	var got *event.Suggestion
	for i, s := range ss {
		if s.Kind == event.KindDraft {
			got = &ss[i]
		}
	}
	if got == nil {
		t.Fatalf("no draft listed: %+v", ss)
	}
	if got.About[0].Ref != "q1@example.org" || got.Draft == nil || len(got.Draft.To) != 1 || got.Draft.To[0].Email != "sophie@example.org" ||
		got.Draft.Subject != "Re: Signed contract" || !strings.Contains(got.Body, "sophie@example.org") {
		t.Errorf("draft listed: %+v %+v", got, got.Draft)
	}
	if ds.srv.Calls() != 0 {
		t.Errorf("plan asked the model %d times", ds.srv.Calls())
	}
	if n := len(draftFiles(t, ds.root)); n != 0 {
		t.Errorf("plan wrote %d drafts", n)
	}
}

// TestNoDraftsWhenNever: an account with llm: never gets no draft and
// costs no call.
func TestNoDraftsWhenNever(t *testing.T) {
	ds := newDraftSetup(t, "never", replyWith("x"))
	var out syncBuffer
	a := startApp(t, ds.cfg, &out)
	defer a.Stop(t.Context())
	deliver(t, ds.root, "1.q", questionMail("q1@example.org", "", time.Now().Add(-time.Minute), "Could you send me the signed contract by Friday?"))
	waitUntil(t, "the rules' suggestion", func() bool { return strings.Contains(out.String(), "Reply to Sophie") })
	time.Sleep(300 * time.Millisecond)
	if ds.srv.Calls() != 0 || len(draftFiles(t, ds.root)) != 0 {
		t.Fatalf("send never: %d calls, %d drafts", ds.srv.Calls(), len(draftFiles(t, ds.root)))
	}
}

func suggestionRecord(t *testing.T, cfg *config.Config, match func(suggestions.Record) bool) suggestions.Record {
	t.Helper()
	b, err := bus.Open(t.Context(), busConfig(cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	store, err := b.Store(t.Context(), bus.BucketSuggestions)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := suggestions.New(store, nil, nil).List(t.Context(), suggestions.Filter{All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if match(r) {
			return r
		}
	}
	t.Fatalf("no matching suggestion among %d", len(recs))
	return suggestions.Record{}
}
