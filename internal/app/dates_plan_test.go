package app

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
)

// planAt runs Plan over mails at the instant at and returns what it shows.
func planAt(t *testing.T, mails map[string]string, at time.Time, horizon time.Duration) []event.Suggestion {
	t.Helper()
	ss, failed, err := Plan(t.Context(), maildirConfig(t, mails), PlanOptions{At: at, Horizon: horizon})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	return ss
}

func showPlan(ss []event.Suggestion) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.Kind + " " + s.Due.Format("Mon 2 Jan 15:04 MST") + ": " + s.Title + "\n")
	}
	return b.String()
}

// appointmentReminders are the reminders about an appointment at start:
// the one on the day before and the one shortly before it (before the
// early arrival the mail asks for).
func appointmentReminders(t *testing.T, ss []event.Suggestion, start time.Time, early time.Duration) {
	t.Helper()
	var dayBefore, soon int
	for _, s := range ss {
		if s.Kind != event.KindReminder || !strings.Contains(s.Title, start.Format("15:04")) {
			continue
		}
		d := s.Due
		switch {
		case d.Before(start.Add(-early)) && d.After(start.Add(-early-3*time.Hour)):
			soon++
		case sameDay(d, start.AddDate(0, 0, -1)):
			dayBefore++
		}
	}
	if dayBefore != 1 || soon != 1 {
		t.Fatalf("want one reminder the day before and one before %s (arrive %v early), got:\n%s",
			start.Format("Mon 2 Jan 15:04"), early, showPlan(ss))
	}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.In(a.Location()).Date()
	return ay == by && am == bm && ad == bd
}

// TestAppointmentInHTMLMail: an HTML-only confirmation (base64, a table)
// from a practice's robot gets a reminder the day before and one before the
// time, early arrival honoured.
func TestAppointmentInHTMLMail(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	html := `<html><body><p>Sehr geehrte Patientin, sehr geehrter Patient,</p>
<p>hiermit bestätigen wir Ihren Termin in unserer Zahnarztpraxis:</p>
<table><tr><td>Datum</td><td>12.03.2026</td></tr><tr><td>Uhrzeit</td><td>08:40 Uhr</td></tr>
<tr><td>Behandler</td><td>Dr. med. dent. Weber</td></tr></table>
<p>Bitte kommen Sie 10 Minuten vor Ihrem Termin.</p><p>Ihr Praxisteam</p></body></html>`
	mail := "From: Zahnarztpraxis Dr. Weber <noreply@praxis-weber.de>\r\nTo: me@example.com\r\n" +
		"Subject: =?utf-8?q?Terminbest=C3=A4tigung?=\r\nDate: Mon, 02 Mar 2026 10:00:00 +0100\r\n" +
		"Message-ID: <termin-1@praxis-weber.de>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		wrap76(base64.StdEncoding.EncodeToString([]byte(html)))
	start := time.Date(2026, 3, 12, 8, 40, 0, 0, paris)
	ss := planAt(t, map[string]string{"1.termin": mail}, time.Date(2026, 3, 11, 8, 0, 0, 0, paris), 2*24*time.Hour)
	appointmentReminders(t, ss, start, 10*time.Minute)
}

// TestAppointmentInLatin1Mail: the same in French, quoted-printable
// Latin-1 HTML, the date written "jeudi 12 mars à 8h40".
func TestAppointmentInLatin1Mail(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	mail := "From: Cabinet dentaire du Parc <rdv@cabinet-du-parc.fr>\r\nTo: me@example.com\r\n" +
		"Subject: Confirmation de votre rendez-vous\r\nDate: Mon, 02 Mar 2026 10:00:00 +0100\r\n" +
		"Message-ID: <rdv-1@cabinet-du-parc.fr>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<html><body><p>Bonjour,</p><p>Votre rendez-vous chez le dentiste est confirm=E9 pour le <b>jeudi 12 mars =E0 8h40</b>=\r\n" +
		".</p><p>Merci d'arriver 10 minutes en avance.</p><p>Le secr=E9tariat</p></body></html>\r\n"
	start := time.Date(2026, 3, 12, 8, 40, 0, 0, paris)
	ss := planAt(t, map[string]string{"1.rdv": mail}, time.Date(2026, 3, 11, 8, 0, 0, 0, paris), 2*24*time.Hour)
	appointmentReminders(t, ss, start, 10*time.Minute)
}

// TestAppointmentCancelledQuiet: a cancellation is no appointment.
func TestAppointmentCancelledQuiet(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	mail := "From: Garage Martin <service@garage-martin.example>\r\nTo: me@example.com\r\n" +
		"Subject: Your appointment has been cancelled\r\nDate: Mon, 02 Mar 2026 10:00:00 +0100\r\n" +
		"Message-ID: <cxl-1@garage-martin.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Your car service at our garage on 12 March at 09:00 has been cancelled.\r\n"
	ss := planAt(t, map[string]string{"1.cxl": mail}, time.Date(2026, 3, 11, 8, 0, 0, 0, paris), 2*24*time.Hour)
	for _, s := range ss {
		if s.Kind == event.KindReminder {
			t.Errorf("reminder for a cancelled appointment: %s", s.Title)
		}
	}
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

// TestDeadlineSaysWhatIsDue: "send me the slides by tomorrow 12:00" is due
// at that hour, reminded before it, and its title names what is due and
// for whom, not the subject; in English, German and French. The question
// that sets it is not a second nudge ("Reply to Jürgen").
func TestDeadlineSaysWhatIsDue(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		text, title string
		due         time.Time
	}{
		"en": {"Hi,\r\n\r\nCould you send me the slides by tomorrow 12:00?\r\n\r\nThanks,\r\nJürgen\r\n",
			"Slides for Jürgen, due Thu 12:00", time.Date(2026, 12, 3, 12, 0, 0, 0, paris)},
		"en/noon friday": {"Hi,\r\n\r\nPlease send me the signed contract by noon Friday.\r\n\r\nJürgen\r\n",
			"Signed contract for Jürgen, due Fri 12:00", time.Date(2026, 12, 4, 12, 0, 0, 0, paris)},
		"de": {"Hallo,\r\n\r\nkannst du mir bitte die Folien bis morgen 12 Uhr schicken?\r\n\r\nDanke\r\nJürgen\r\n",
			"Folien for Jürgen, due Thu 12:00", time.Date(2026, 12, 3, 12, 0, 0, 0, paris)},
		"fr": {"Bonjour,\r\n\r\npourrais-tu m'envoyer les slides d'ici demain midi ?\r\n\r\nMerci\r\nJürgen\r\n",
			"Slides for Jürgen, due Thu 12:00", time.Date(2026, 12, 3, 12, 0, 0, 0, paris)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			mail := "From: Jürgen Weber <juergen@example.com>\r\nTo: Me <me@example.com>\r\nSubject: Board meeting\r\n" +
				"Date: Wed, 02 Dec 2026 15:00:00 +0100\r\nMessage-ID: <slides-1@example.com>\r\n" +
				"Content-Type: text/plain; charset=utf-8\r\n\r\n" + tc.text
			ss := planAt(t, map[string]string{"1.slides": mail}, time.Date(2026, 12, 2, 16, 0, 0, 0, paris), 3*24*time.Hour)
			found := false
			for _, s := range ss {
				if s.Rule == "mail-backfill-summary" && !strings.Contains(s.Body, strings.Split(tc.title, ",")[0]+", due") {
					t.Errorf("the look-back summary does not say what is due:\n%s", s.Body)
				}
				if s.Rule == "mail-awaiting-my-reply" {
					t.Errorf("one story, two nudges: %s beside the deadline", s.Title)
				}
				if s.Rule != "mail-deadline" {
					continue
				}
				if strings.Contains(s.Title, "Board meeting") {
					t.Errorf("deadline titled by the subject: %s", s.Title)
				}
				if s.Title == tc.title && s.Due.Before(tc.due) && !s.Due.Before(tc.due.Add(-48*time.Hour)) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want reminder %q before %s, got:\n%s", tc.title, tc.due.Format("Mon 15:04"), showPlan(ss))
			}
		})
	}
}

// TestAppointmentsInEnglish: a delivery slot in an HTML table and a garage
// named only by its sender, asking to drop the car off early.
func TestAppointmentsInEnglish(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	slot := "From: FreshGrocer <no-reply@freshgrocer.example>\r\nTo: me@example.com\r\nSubject: Your delivery slot is confirmed\r\n" +
		"Date: Mon, 09 Mar 2026 10:00:00 +0100\r\nMessage-ID: <slot-1@freshgrocer.example>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<table><tr><td>Order</td><td>#48213</td></tr><tr><td>Delivery slot</td><td>Thursday 12 March 2026, 8:00am - 10:00am</td></tr></table>" +
		"<p>Someone needs to be at home to receive your order.</p>\r\n--x--\r\n"
	garage := "From: Main Street Garage <service@mainstreetgarage.example>\r\nTo: me@example.com\r\nSubject: Booking confirmation\r\n" +
		"Date: Mon, 09 Mar 2026 11:00:00 +0100\r\nMessage-ID: <gar-1@mainstreetgarage.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Dear customer,\r\n\r\nyour vehicle is booked in for its annual service on Friday 13 March at 8:30.\r\nPlease drop the car off 15 minutes early so we can check it in.\r\n\r\nOpening hours: Monday to Friday 7:30 - 18:00\r\n"
	ss := planAt(t, map[string]string{"1.slot": slot, "2.garage": garage}, time.Date(2026, 3, 11, 8, 0, 0, 0, paris), 3*24*time.Hour)
	appointmentReminders(t, ss, time.Date(2026, 3, 12, 8, 0, 0, 0, paris), 0)
	appointmentReminders(t, ss, time.Date(2026, 3, 13, 8, 30, 0, 0, paris), 15*time.Minute)
}
