package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hourlyMail is a 676-byte mail whose calendar part holds two endless
// HOURLY events: expanded, its event was over the bus's 1 MB limit, the
// watcher retried it for ever and no later mail was announced (issue 9).
const hourlyMail = "From: Mallory <m@example.org>\r\nTo: alice@example.com\r\nSubject: Every hour\r\n" +
	"Date: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <hourly@example.org>\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
	"--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VEVENT\r\nUID:h1@example.org\r\nDTSTAMP:20261120T090000Z\r\nDTSTART:20261120T090000Z\r\nDTEND:20261120T091500Z\r\n" +
	"RRULE:FREQ=HOURLY\r\nSUMMARY:Ping\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:h2@example.org\r\nDTSTAMP:20261120T090000Z\r\nDTSTART:20261120T093000Z\r\nDTEND:20261120T094500Z\r\n" +
	"RRULE:FREQ=HOURLY\r\nSUMMARY:Pong\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--b--\r\n"

const icsStamp = "20060102T150405Z"

// invitationMail is an ordinary meeting request from organizer to Alice,
// an hour long from start.
func invitationMail(uid, organizer, summary string, start time.Time) string {
	return "From: " + organizer + " <" + strings.ToLower(organizer) + "@example.org>\r\nTo: alice@example.com\r\n" +
		"Subject: Invitation: " + summary + "\r\nDate: " + time.Now().Add(-time.Minute).Format(time.RFC1123Z) + "\r\n" +
		"Message-ID: <" + uid + ">\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nPlease join.\r\n--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n" +
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\n" +
		"DTSTAMP:" + time.Now().UTC().Format(icsStamp) + "\r\nDTSTART:" + start.UTC().Format(icsStamp) + "\r\n" +
		"DTEND:" + start.Add(time.Hour).UTC().Format(icsStamp) + "\r\nSUMMARY:" + summary + "\r\n" +
		"ORGANIZER;CN=" + organizer + ":mailto:" + strings.ToLower(organizer) + "@example.org\r\n" +
		"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:alice@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--b--\r\n"
}

// suggested matches the planner's record of a suggestion whose title
// contains s.
func suggested(s string) func(map[string]any) bool {
	return func(r map[string]any) bool {
		title, _ := r["title"].(string)
		return r["msg"] == "suggestion" && strings.Contains(title, s)
	}
}

// sourceFailed matches the runner's "source failed" records of source.
func sourceFailed(source string) func(map[string]any) bool {
	return func(r map[string]any) bool {
		return r["msg"] == "source failed" && r["source"] == source
	}
}

// TestPoisonMailThenNormal runs the real binary against a real Dovecot: the
// hourly-events mail arrives in INBOX, and the invitations after it are
// still announced, also after a restart; the source never fails.
func TestPoisonMailThenNormal(t *testing.T) {
	if os.Getenv("AGENTD_INTEGRATION") != "1" {
		t.Skip("integration test: set AGENTD_INTEGRATION=1 (needs Debian's dovecot-imapd)")
	}
	bin := buildAgentd(t)
	dc := startDovecot(t)
	const passwordEnv = "AGENTD_TEST_IMAP_PASSWORD"
	t.Setenv(passwordEnv, dc.password) // the daemon inherits it
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf(`user:
  name: Alice Martin
  email: alice@example.com
  timezone: UTC
bus:
  data_dir: %s
sources:
  mail:
    - {name: home, imap: {host: 127.0.0.1, port: %d, tls: none, username: %s, password_env: %s}}
notify:
  terminal: {}
`, filepath.Join(dir, "data"), dc.port, dc.user, passwordEnv)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	d, logPath := startDebugDaemon(t, bin, cfg)
	waitLog(t, logPath, "the first sync of INBOX", 1, time.Now().Add(30*time.Second), func(r map[string]any) bool {
		return r["msg"] == "mailbox synced" && r["mailbox"] == "INBOX"
	})
	c := dc.client(t)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	appendMail(t, c, "INBOX", hourlyMail)
	appendMail(t, c, "INBOX", invitationMail("budget@example.org", "Carol", "Budget review", start))
	appendMail(t, c, "INBOX", invitationMail("retro@example.org", "Dave", "Sprint retro", start.Add(2*time.Hour)))
	deadline := time.Now().Add(30 * time.Second)
	waitLog(t, logPath, "the invitation after the hourly mail", 1, deadline, suggested("Budget review"))
	waitLog(t, logPath, "the second invitation after the hourly mail", 1, deadline, suggested("Sprint retro"))
	// The hourly mail itself is announced, bounded.
	waitLog(t, logPath, "the hourly invitation", 1, deadline, suggested("Ping"))
	d.stop(t)

	// After a restart, the next mail is announced too.
	d, _ = startDebugDaemon(t, bin, cfg)
	appendMail(t, c, "INBOX", invitationMail("plan@example.org", "Erin", "Planning", start.Add(4*time.Hour)))
	waitLog(t, logPath, "the invitation after a restart", 1, time.Now().Add(30*time.Second), suggested("Planning"))
	d.stop(t)
	if n := logCount(t, logPath, sourceFailed("mail:home")); n != 0 {
		data, _ := os.ReadFile(logPath)
		t.Errorf("mail:home failed %d times; log:\n%s", n, data)
	}
}

// hugeEvent is a VEVENT of about 6 MB: 50,000 ATTENDEE lines and a 2 MB
// SUMMARY. Its event used to be refused by the bus on every poll, which
// blocked every reminder of its calendar.
func hugeEvent(start time.Time) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//agentd//integration test//EN\r\nBEGIN:VEVENT\r\nUID:huge@test\r\n" +
		"DTSTAMP:" + time.Now().UTC().Format(icsStamp) + "\r\nDTSTART:" + start.UTC().Format(icsStamp) + "\r\n" +
		"DTEND:" + start.Add(time.Hour).UTC().Format(icsStamp) + "\r\nSUMMARY:All hands " + strings.Repeat("x", 2<<20) + "\r\n")
	for i := range 50000 {
		fmt.Fprintf(&b, "ATTENDEE;CN=Person number %d;PARTSTAT=ACCEPTED:mailto:person%d@example.org\r\n", i, i)
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	return b.String()
}

// writeEvent writes one event, an hour long from start, as a file of the
// vdir.
func writeEvent(t *testing.T, vdir, uid, summary string, start time.Time) {
	t.Helper()
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//agentd//integration test//EN\r\nBEGIN:VEVENT\r\n" +
		"UID:" + uid + "\r\nDTSTAMP:" + time.Now().UTC().Format(icsStamp) + "\r\n" +
		"DTSTART:" + start.UTC().Format(icsStamp) + "\r\nDTEND:" + start.Add(time.Hour).UTC().Format(icsStamp) + "\r\n" +
		"SUMMARY:" + summary + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if err := os.WriteFile(filepath.Join(vdir, uid+".ics"), []byte(ics), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestPoisonCalendarEventThenNormal runs the real binary on a vdir holding
// a huge VEVENT beside ordinary ones: the huge one is announced bounded,
// the ordinary ones get their reminders, so does one added later and one added after a restart, and
// the source never fails.
func TestPoisonCalendarEventThenNormal(t *testing.T) {
	if os.Getenv("AGENTD_INTEGRATION") != "1" {
		t.Skip("integration test: set AGENTD_INTEGRATION=1")
	}
	bin := buildAgentd(t)
	dir := t.TempDir()
	vdir := filepath.Join(dir, "work")
	if err := os.Mkdir(vdir, 0o700); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(3 * time.Hour).Truncate(time.Minute)
	if err := os.WriteFile(filepath.Join(vdir, "a-huge.ics"), []byte(hugeEvent(start)), 0o600); err != nil {
		t.Fatal(err)
	}
	writeEvent(t, vdir, "standup", "Standup", start.Add(time.Hour))
	cfg := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf(`user:
  name: Test
  email: test@example.com
  timezone: UTC
bus:
  data_dir: %s
sources:
  calendars:
    - {name: work, path: %q, every: 1h, remind_before: 1m}
notify:
  terminal: {}
`, filepath.Join(dir, "data"), vdir)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	d, logPath := startDebugDaemon(t, bin, cfg)
	waitLog(t, logPath, "a start", 1, time.Now().Add(30*time.Second), msgIs("agentd started"))
	waitLog(t, logPath, "the reminder of the event beside the huge one", 1, time.Now().Add(30*time.Second), scheduled("Standup"))
	// The huge one itself is announced, bounded.
	waitLog(t, logPath, "the reminder of the huge event", 1, time.Now().Add(30*time.Second), scheduled("All hands"))
	writeEvent(t, vdir, "review", "Review", start.Add(2*time.Hour))
	hup(t, d)
	waitLog(t, logPath, "the reminder of an event added later", 1, time.Now().Add(30*time.Second), scheduled("Review"))
	d.stop(t)

	d, _ = startDebugDaemon(t, bin, cfg)
	// A SIGHUP before the daemon handles it would end it.
	waitLog(t, logPath, "a second start", 2, time.Now().Add(30*time.Second), msgIs("agentd started"))
	writeEvent(t, vdir, "lunch", "Lunch", start.Add(3*time.Hour))
	hup(t, d)
	waitLog(t, logPath, "the reminder of an event added after a restart", 1, time.Now().Add(30*time.Second), scheduled("Lunch"))
	d.stop(t)
	if n := logCount(t, logPath, sourceFailed("calendar:work")); n != 0 {
		t.Errorf("calendar:work failed %d times", n)
	}
}
