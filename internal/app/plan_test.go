package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/watchers"
)

// invitationMail is a meeting request (or cancellation) as mail clients
// send it: a text/calendar part beside the text.
func invitationMail(method, msgID, date string, seq int) string {
	status := ""
	if method == "CANCEL" {
		status = "STATUS:CANCELLED\r\n"
	}
	return fmt.Sprintf("From: Bob Martin <bob@example.com>\r\nTo: me@example.com\r\nSubject: Invitation: Budget review\r\n"+
		"Date: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBudget review on Thursday.\r\n"+
		"--b\r\nContent-Type: text/calendar; charset=utf-8; method=%s\r\n\r\n"+
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nMETHOD:%s\r\nBEGIN:VEVENT\r\nUID:budget-42@example.com\r\nSEQUENCE:%d\r\n"+
		"DTSTAMP:20261120T090000Z\r\nDTSTART;TZID=Europe/Paris:20261126T100000\r\nDTEND;TZID=Europe/Paris:20261126T110000\r\n"+
		"SUMMARY:Budget review\r\nORGANIZER;CN=Bob Martin:mailto:bob@example.com\r\n"+
		"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:me@example.com\r\n%sEND:VEVENT\r\nEND:VCALENDAR\r\n--b--\r\n",
		date, msgID, method, method, seq, status)
}

func maildirConfig(t *testing.T, mails map[string]string, extraSources ...string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	md := filepath.Join(dir, "mail")
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(md, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range mails {
		if err := os.WriteFile(filepath.Join(md, "cur", name+":2,S"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	yaml := fmt.Sprintf("user: {name: Me, email: me@example.com, timezone: Europe/Paris}\nbus: {data_dir: %s}\n"+
		"sources:\n  mail:\n    - {name: work, maildir: %s, lookback: 30d}\n%snotify: {terminal: {}}\n", filepath.Join(dir, "data"), md, strings.Join(extraSources, ""))
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestInvitationByMail: a meeting request that arrives by mail asks for an
// answer and reminds before the meeting, like one on a calendar server; its
// cancellation by mail withdraws both.
func TestInvitationByMail(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	request := invitationMail("REQUEST", "req@example.com", "Fri, 20 Nov 2026 10:00:00 +0100", 0)
	cancel := invitationMail("CANCEL", "cancel@example.com", "Sun, 22 Nov 2026 10:00:00 +0100", 1)

	titles := func(cfg *config.Config, horizon time.Duration) []string {
		t.Helper()
		ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: horizon})
		if err != nil || len(failed) > 0 {
			t.Fatalf("plan: %v %v", err, failed)
		}
		var out []string
		for _, s := range ss {
			out = append(out, s.Kind+": "+s.Title)
			if strings.Contains(s.Title, "Budget review") && s.About[0].Type != event.TypeCalendarChanged && s.About[0].Type != event.TypeCalendarCanceled {
				t.Errorf("invitation suggestion is not about a calendar event: %+v", s.About)
			}
		}
		return out
	}

	got := strings.Join(titles(maildirConfig(t, map[string]string{"1.req": request}), 4*24*time.Hour), "\n")
	if !strings.Contains(got, "suggestion: Answer the invitation from Bob Martin: Budget review") {
		t.Fatalf("no invitation to answer:\n%s", got)
	}
	if !strings.Contains(got, "reminder: In 10 min: Budget review") {
		t.Fatalf("no reminder before the invited meeting:\n%s", got)
	}

	got = strings.Join(titles(maildirConfig(t, map[string]string{"1.req": request, "2.cancel": cancel}), 4*24*time.Hour), "\n")
	if strings.Contains(got, "Answer the invitation") || strings.Contains(got, "In 10 min: Budget review") {
		t.Fatalf("cancelled by mail, still suggested:\n%s", got)
	}
}

// TestInvitationByMailAndOnTheServer: the same meeting arriving by mail and
// in a calendar is one meeting: one reminder, one question.
func TestInvitationByMailAndOnTheServer(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	request := invitationMail("REQUEST", "req@example.com", "Fri, 20 Nov 2026 10:00:00 +0100", 0)
	body := request[strings.Index(request, "BEGIN:VCALENDAR"):strings.Index(request, "--b--")]
	ics := filepath.Join(t.TempDir(), "work.ics")
	if err := os.WriteFile(ics, []byte(strings.Replace(body, "METHOD:REQUEST\r\n", "", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := maildirConfig(t, map[string]string{"1.req": request}, "  calendars:\n    - {name: work, path: "+ics+"}\n")
	ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: 4 * 24 * time.Hour})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	counts := map[string]int{}
	for _, s := range ss {
		switch {
		case strings.HasPrefix(s.Title, "Answer the invitation from Bob Martin: Budget review"):
			counts["answer"]++
		case strings.HasPrefix(s.Title, "In 10 min: Budget review"):
			counts["reminder"]++
		case strings.Contains(s.Title, "Conflict"):
			t.Errorf("one meeting from two sources is not a conflict: %s", s.Title)
		}
	}
	if counts["answer"] != 1 || counts["reminder"] != 1 {
		t.Fatalf("counts = %v, want one question and one reminder", counts)
	}
}

// TestLockedPasswordManager: a password command that fails (a password
// manager still locked at login) fails that source's connect, which is
// retried, and leaves the other sources working.
func TestLockedPasswordManager(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "f.xml")
	os.WriteFile(feed, []byte(`<rss version="2.0"><channel><title>t</title><item><title>golang news</title><guid>1</guid></item></channel></rss>`), 0o600)
	yaml := fmt.Sprintf(`user: {email: me@example.com, timezone: UTC, interests: [golang]}
bus: {data_dir: %s}
sources:
  feeds: [{name: f, url: "file:f.xml"}]
  mail:
    - name: work
      imap: {host: imap.example.com, username: me, password_command: "echo 'gpg: decryption failed' >&2; exit 2"}
  calendars:
    - {name: team, caldav: {url: "https://dav.example.com/", username: me, password_command: "exit 3"}}
notify: {terminal: {}}
`, filepath.Join(dir, "data"))
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	res := Check(t.Context(), cfg, nil, nil)
	byName := map[string]CheckResult{}
	for _, r := range res {
		byName[r.Component] = r
	}
	if r := byName["feed:f"]; !r.OK {
		t.Errorf("the feed must still work: %+v", r)
	}
	for _, name := range []string{"mail:work", "calendar:team"} {
		r := byName[name]
		if r.OK || !strings.Contains(r.Detail, "password") {
			t.Errorf("%s: %+v, want a failure about the password", name, r)
		}
	}

	// The daemon starts anyway; the feed's suggestion arrives.
	var out syncBuffer
	a, err := New(Options{Config: cfg, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatalf("a locked password manager must not stop agentd: %v", err)
	}
	defer a.Stop(t.Context())
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "golang news") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "golang news") {
		t.Fatalf("feed suggestion missing; terminal:\n%s", out.String())
	}
	// The mail watcher records its failure when its first try ends, which
	// may be after the feed's suggestion: wait for it.
	locked := func() (watchers.Health, bool) {
		for _, h := range a.Health() {
			if h.Name == "mail:work" {
				return h, !h.OK && strings.Contains(h.LastError, "password")
			}
		}
		return watchers.Health{}, false
	}
	for _, ok := locked(); !ok && time.Now().Before(deadline); _, ok = locked() {
		time.Sleep(20 * time.Millisecond)
	}
	if h, ok := locked(); !ok {
		t.Errorf("health of the locked account: %+v", h)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDeclinedOneOccurrence: declining one occurrence of an accepted series
// drops that day's reminder only.
func TestDeclinedOneOccurrence(t *testing.T) {
	dir := t.TempDir()
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n" +
		"BEGIN:VEVENT\r\nUID:daily@test\r\nDTSTAMP:20270301T000000Z\r\nDTSTART;TZID=Europe/Paris:20270310T110000\r\n" +
		"DTEND;TZID=Europe/Paris:20270310T113000\r\nRRULE:FREQ=DAILY;COUNT=10\r\nSUMMARY:Daily sync\r\n" +
		"ORGANIZER:mailto:boss@example.com\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.com\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:daily@test\r\nDTSTAMP:20270301T000000Z\r\nRECURRENCE-ID;TZID=Europe/Paris:20270313T110000\r\n" +
		"DTSTART;TZID=Europe/Paris:20270313T110000\r\nDTEND;TZID=Europe/Paris:20270313T113000\r\nSUMMARY:Daily sync\r\n" +
		"ORGANIZER:mailto:boss@example.com\r\nATTENDEE;PARTSTAT=DECLINED:mailto:me@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	file := filepath.Join(dir, "work.ics")
	if err := os.WriteFile(file, []byte(ics), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf("user: {email: me@example.com, timezone: Europe/Paris}\nbus: {data_dir: %s}\n"+
		"sources:\n  calendars:\n    - {name: work, path: %s}\nnotify: {terminal: {}}\n", filepath.Join(dir, "data"), file)
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2027, 3, 12, 8, 0, 0, 0, time.UTC)
	ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: 4 * 24 * time.Hour})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	var days []string
	for _, s := range ss {
		if strings.HasPrefix(s.Title, "In 10 min: Daily sync") {
			days = append(days, s.Due.In(cfg.User.Location).Format("02 15:04"))
		}
	}
	if strings.Join(days, " ") != "12 10:50 14 10:50 15 10:50" {
		t.Fatalf("reminders on %q, want the 12th, 14th and 15th at 10:50 (the 13th declined)", days)
	}
}
