package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
)

// itip is one meeting as a text/calendar body: method "" for a calendar
// server's copy, REQUEST, CANCEL or REPLY for a mail's.
type itip struct {
	method, uid, summary, zone string
	seq                        int
	start, end                 string // local, 20261126T100000
	partStat                   string // the user's
	rrule, recurrenceID        string // RRULE value; RECURRENCE-ID (local) of one occurrence
}

func (m itip) ics() string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n")
	if m.method != "" {
		b.WriteString("METHOD:" + m.method + "\r\n")
	}
	fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:%s\r\nSEQUENCE:%d\r\nDTSTAMP:20261120T090000Z\r\n"+
		"DTSTART;TZID=%s:%s\r\nDTEND;TZID=%s:%s\r\nSUMMARY:%s\r\nORGANIZER;CN=Bob Martin:mailto:bob@example.com\r\n",
		m.uid, m.seq, m.zone, m.start, m.zone, m.end, m.summary)
	if m.rrule != "" {
		b.WriteString("RRULE:" + m.rrule + "\r\n")
	}
	if m.recurrenceID != "" {
		fmt.Fprintf(&b, "RECURRENCE-ID;TZID=%s:%s\r\n", m.zone, m.recurrenceID)
	}
	if m.method == "CANCEL" {
		b.WriteString("STATUS:CANCELLED\r\n")
	}
	if m.method != "REPLY" {
		b.WriteString("ATTENDEE;CN=Bob Martin;PARTSTAT=ACCEPTED:mailto:bob@example.com\r\n")
	}
	fmt.Fprintf(&b, "ATTENDEE;CN=Me;PARTSTAT=%s:mailto:me@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", m.partStat)
	return b.String()
}

// mail wraps the meeting in a mail as clients send it; a REPLY goes from
// the user to the organizer.
func (m itip) mail(msgID, date, subject, text string) string {
	from, to := "Bob Martin <bob@example.com>", "me@example.com"
	if m.method == "REPLY" {
		from, to = "Me <me@example.com>", "Bob Martin <bob@example.com>"
	}
	return fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"+
		"--b\r\nContent-Type: text/calendar; charset=utf-8; method=%s\r\n\r\n%s--b--\r\n",
		from, to, subject, date, msgID, text, m.method, m.ics())
}

// calSetup is a Maildir (INBOX and a Sent folder under its German or
// French name) and a calendar file, for a user in zone.
type calSetup struct {
	zone     string
	sentName string
	inbox    map[string]string
	sent     map[string]string
	calendar []itip
}

func (c calSetup) config(t *testing.T) *config.Config {
	t.Helper()
	dir := t.TempDir()
	md := filepath.Join(dir, "mail")
	write := func(box string, mails map[string]string) {
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(md, box, sub), 0o700); err != nil {
				t.Fatal(err)
			}
		}
		for name, body := range mails {
			if err := os.WriteFile(filepath.Join(md, box, "cur", name+":2,S"), []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("", c.inbox)
	write("."+c.sentName, c.sent)
	var sources strings.Builder
	if len(c.calendar) > 0 {
		var ics strings.Builder
		ics.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n")
		for _, m := range c.calendar {
			body := m.ics()
			ics.WriteString(body[strings.Index(body, "BEGIN:VEVENT"):strings.LastIndex(body, "END:VCALENDAR")])
		}
		ics.WriteString("END:VCALENDAR\r\n")
		file := filepath.Join(dir, "work.ics")
		if err := os.WriteFile(file, []byte(ics.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		sources.WriteString("  calendars:\n    - {name: work, path: " + file + "}\n")
	}
	yaml := fmt.Sprintf("user: {name: Me, email: me@example.com, timezone: %s}\nbus: {data_dir: %s}\n"+
		"sources:\n  mail:\n    - {name: work, maildir: %s, lookback: 30d}\n%snotify: {terminal: {}}\n",
		c.zone, filepath.Join(dir, "data"), md, sources.String())
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func planLines(t *testing.T, cfg *config.Config, at time.Time) []event.Suggestion {
	t.Helper()
	ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: 4 * 24 * time.Hour})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	return ss
}

func dump(ss []event.Suggestion, loc *time.Location) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "%s %s: %s\n", s.Due.In(loc).Format("02 15:04"), s.Kind, s.Title)
	}
	return b.String()
}

// TestMailIsTheTruth: the calendar server still has the meeting as it was
// (agentd syncs it now, after the mail came); the update or cancellation by
// mail, with a higher SEQUENCE, is what the user is told about.
func TestMailIsTheTruth(t *testing.T) {
	cases := []struct {
		lang, zone, summary, subject string
		at                           time.Time
	}{
		{"en", "Europe/London", "Budget review", "Updated invitation: Budget review", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)},
		{"fr", "Europe/Paris", "Revue budgétaire", "Invitation mise à jour : Revue budgétaire", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)},
		{"de", "America/New_York", "Budgetbesprechung", "Aktualisierte Einladung: Budgetbesprechung", time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		server := itip{uid: "budget-" + tc.lang + "@example.com", summary: tc.summary, zone: tc.zone,
			start: "20261126T100000", end: "20261126T110000", partStat: "ACCEPTED"}
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(tc.lang+" cancelled", func(t *testing.T) {
			cancel := server
			cancel.method, cancel.seq, cancel.partStat = "CANCEL", 1, "NEEDS-ACTION"
			cfg := calSetup{zone: tc.zone, sentName: "Sent", calendar: []itip{server},
				inbox: map[string]string{"1.cancel": cancel.mail("cancel-"+tc.lang+"@example.com", "Sun, 22 Nov 2026 10:00:00 +0000", "Cancelled: "+tc.summary, tc.summary)}}.config(t)
			ss := planLines(t, cfg, tc.at)
			got := dump(ss, loc)
			if strings.Contains(got, "In 10 min: "+tc.summary) {
				t.Errorf("a cancelled meeting is reminded:\n%s", got)
			}
			if !strings.Contains(got, tc.summary+" on Thu 26 Nov was cancelled") {
				t.Errorf("no cancellation note:\n%s", got)
			}
			if strings.Contains(got, "Today: ") {
				t.Errorf("a cancelled meeting on the agenda:\n%s", got)
			}
		})
		t.Run(tc.lang+" moved", func(t *testing.T) {
			update := server
			update.method, update.seq, update.start, update.end, update.partStat = "REQUEST", 2, "20261126T150000", "20261126T160000", "NEEDS-ACTION"
			cfg := calSetup{zone: tc.zone, sentName: "Sent", calendar: []itip{server},
				inbox: map[string]string{"1.update": update.mail("update-"+tc.lang+"@example.com", "Sun, 22 Nov 2026 10:00:00 +0000", tc.subject, tc.summary)}}.config(t)
			ss := planLines(t, cfg, tc.at)
			var reminders []string
			for _, s := range ss {
				if strings.HasPrefix(s.Title, "In 10 min: "+tc.summary) {
					reminders = append(reminders, s.Due.In(loc).Format("02 15:04"))
				}
				if strings.HasPrefix(s.Title, "Today: ") && !strings.Contains(s.Body, "15:00–16:00 "+tc.summary) {
					t.Errorf("agenda at the old time: %s", s.Body)
				}
			}
			if strings.Join(reminders, " ") != "26 14:50" {
				t.Errorf("reminders at %v, want at the new time only (26 14:50):\n%s", reminders, dump(ss, loc))
			}
		})
	}
}

// TestOwnAnswerByMail: an invitation the user answered (a REPLY in their
// Sent folder, German or French, or their PARTSTAT on the server's copy)
// is not asked about again; declined, it is not reminded either.
func TestOwnAnswerByMail(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	request := itip{method: "REQUEST", uid: "jour-fixe@example.com", summary: "Jour fixe", zone: "Europe/Berlin",
		start: "20261126T100000", end: "20261126T110000", partStat: "NEEDS-ACTION"}
	inbox := map[string]string{"1.req": request.mail("req@example.com", "Fri, 20 Nov 2026 10:00:00 +0100", "Einladung: Jour fixe", "Bitte um Zusage.")}
	answered := func(ps string) map[string]string {
		r := request
		r.method, r.partStat = "REPLY", ps
		return map[string]string{"1.reply": r.mail("reply@example.com", "Fri, 20 Nov 2026 11:00:00 +0100", "Angenommen: Jour fixe", "")}
	}
	onServer := request
	onServer.method, onServer.partStat = "", "ACCEPTED"
	cases := []struct {
		name     string
		setup    calSetup
		reminded bool
	}{
		{"accepted in Gesendet", calSetup{sentName: "Gesendet", inbox: inbox, sent: answered("ACCEPTED")}, true},
		{"tentative in Envoyés", calSetup{sentName: "Envoyés", inbox: inbox, sent: answered("TENTATIVE")}, true},
		{"declined in Sent", calSetup{sentName: "Sent", inbox: inbox, sent: answered("DECLINED")}, false},
		{"accepted on the server", calSetup{sentName: "Sent", inbox: inbox, calendar: []itip{onServer}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup.zone = "Europe/Berlin"
			cfg := tc.setup.config(t)
			got := dump(planLines(t, cfg, at), cfg.User.Location)
			if strings.Contains(got, "Answer the invitation") {
				t.Errorf("answered, asked again:\n%s", got)
			}
			if reminded := strings.Contains(got, "In 10 min: Jour fixe"); reminded != tc.reminded {
				t.Errorf("reminded = %v, want %v:\n%s", reminded, tc.reminded, got)
			}
		})
	}
	// Unanswered, it is asked about.
	cfg := calSetup{zone: "Europe/Berlin", sentName: "Sent", inbox: inbox}.config(t)
	if got := dump(planLines(t, cfg, at), cfg.User.Location); !strings.Contains(got, "Answer the invitation from Bob Martin: Jour fixe") {
		t.Errorf("unanswered invitation not asked about:\n%s", got)
	}
}

// TestInvitationClash: the question about an invitation names the accepted
// meeting it overlaps, in the user's time zone.
func TestInvitationClash(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	sync := itip{uid: "sync@example.com", summary: "Team sync", zone: "Europe/Paris",
		start: "20261126T100000", end: "20261126T110000", partStat: "ACCEPTED"}
	request := itip{method: "REQUEST", uid: "budget@example.com", summary: "Réunion budget", zone: "Europe/Paris",
		start: "20261126T103000", end: "20261126T113000", partStat: "NEEDS-ACTION"}
	for _, tc := range []struct{ zone, want string }{
		{"Europe/Paris", "overlaps Team sync 10:00–11:00"},
		{"Asia/Tokyo", "overlaps Team sync 18:00–19:00"},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			cfg := calSetup{zone: tc.zone, sentName: "Sent", calendar: []itip{sync},
				inbox: map[string]string{"1.req": request.mail("req@example.com", "Fri, 20 Nov 2026 10:00:00 +0100", "Invitation : Réunion budget", "Merci de confirmer.")}}.config(t)
			got := dump(planLines(t, cfg, at), cfg.User.Location)
			if !strings.Contains(got, "Answer the invitation from Bob Martin: Réunion budget on Thu 26 Nov, "+tc.want+"\n") {
				t.Errorf("want the clash named (%s):\n%s", tc.want, got)
			}
		})
	}
}

// TestMailAboutOneOccurrence: a cancellation by mail of one occurrence of
// a weekly meeting drops that day's reminder only.
func TestMailAboutOneOccurrence(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	series := itip{uid: "weekly@example.com", summary: "Wochenrunde", zone: "Europe/Berlin", rrule: "FREQ=WEEKLY;COUNT=3",
		start: "20261124T090000", end: "20261124T093000", partStat: "ACCEPTED"}
	cancel := series
	cancel.method, cancel.seq, cancel.rrule, cancel.recurrenceID, cancel.partStat = "CANCEL", 1, "", "20261201T090000", "NEEDS-ACTION"
	cancel.start, cancel.end = "20261201T090000", "20261201T093000"
	cfg := calSetup{zone: "Europe/Berlin", sentName: "Gesendet", calendar: []itip{series},
		inbox: map[string]string{"1.cancel": cancel.mail("cancel@example.com", "Sun, 22 Nov 2026 10:00:00 +0100", "Abgesagt: Wochenrunde", "Diese Woche fällt aus.")}}.config(t)
	ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: 20 * 24 * time.Hour})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	var days []string
	for _, s := range ss {
		if strings.HasPrefix(s.Title, "In 10 min: Wochenrunde") {
			days = append(days, s.Due.In(cfg.User.Location).Format("02 15:04"))
		}
	}
	if strings.Join(days, " ") != "24 08:50 08 08:50" {
		t.Errorf("reminders on %q, want the 24th and the 8th (the 1st cancelled):\n%s", days, dump(ss, cfg.User.Location))
	}
	if got := dump(ss, cfg.User.Location); !strings.Contains(got, "Wochenrunde on Tue 1 Dec was cancelled") {
		t.Errorf("no cancellation note:\n%s", got)
	}
}
