package extract

import (
	"testing"
	"time"
)

// TestDatesWhereverWritten: a time written apart from its date (a table
// cell, a "Time:" line, a delivery window) belongs to that date.
func TestDatesWhereverWritten(t *testing.T) {
	loc := paris(t)
	ref := time.Date(2026, 3, 2, 10, 0, 0, 0, loc) // Monday 2 March 2026
	tests := map[string]struct {
		text, lang string
		at         string
	}{
		"de/um uhr":            {"Ihr Termin: 12.03.2026 um 08:40 Uhr", "de", "2026-03-12 08:40"},
		"de/table cells":       {"Datum 12.03.2026 Uhrzeit 08:40", "de", "2026-03-12 08:40"},
		"de/table rows":        {"Datum: Donnerstag, 12.03.2026\nUhrzeit: 08:40 Uhr\nPraxis Dr. Weber", "de", "2026-03-12 08:40"},
		"de/window":            {"Lieferung am 12.03.2026 zwischen 8 und 12 Uhr", "de", "2026-03-12 08:00"},
		"en/time line":         {"Date: Thursday 12 March 2026\nTime: 8:40 am", "en", "2026-03-12 08:40"},
		"en/table cells":       {"Date 12/03/2026 Time 08:40", "", "2026-03-12 08:40"},
		"en/slot":              {"Your delivery slot: Thursday 12 March, 8:00 - 10:00", "en", "2026-03-12 08:00"},
		"en/between":           {"We will deliver on 12 March between 8am and 10am.", "en", "2026-03-12 08:00"},
		"fr/à 8h40":            {"Rendez-vous le jeudi 12 mars à 8h40", "fr", "2026-03-12 08:40"},
		"fr/heure line":        {"Date : jeudi 12 mars 2026\nHeure : 08h40", "fr", "2026-03-12 08:40"},
		"fr/créneau":           {"Livraison le 12/03/2026 entre 8h et 12h", "fr", "2026-03-12 08:00"},
		"unknown/jeudi à 8h40": {"Rendez-vous le jeudi 12 mars à 8h40", "", "2026-03-12 08:40"},
		"en/th td rows":        {"Date Thursday, March 12, 2026\nTime 8:40 AM\nLocation Main Street", "en", "2026-03-12 08:40"},
		"fr/heure du rdv":      {"Date du rendez-vous : 12/03/2026\nHeure du rendez-vous : 08:40", "fr", "2026-03-12 08:40"},
		"de/beginn":            {"Termin am Do, 12.03.2026, Beginn: 8.40 Uhr", "de", "2026-03-12 08:40"},
		"de/lieferfenster":     {"Ihr Lieferfenster: Do, 12.03.2026, 08:00–10:00 Uhr", "de", "2026-03-12 08:00"},
		"de/von bis":           {"Zustellung am 12.03.2026 von 14 bis 18 Uhr", "de", "2026-03-12 14:00"},
		"en/pm window":         {"Delivery on Thursday 12 March between 2 and 4pm", "en", "2026-03-12 14:00"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Deadlines(tc.text, tc.lang, ref, loc)
			if len(got) == 0 {
				t.Fatalf("Deadlines(%q) found nothing", tc.text)
			}
			at, _ := time.ParseInLocation("2006-01-02 15:04", tc.at, loc)
			if !got[0].Time.Equal(at) || got[0].AllDay {
				t.Errorf("Deadlines(%q) = %s, want %s", tc.text, show(got), tc.at)
			}
		})
	}
}

func TestAppointments(t *testing.T) {
	loc := paris(t)
	ref := time.Date(2026, 3, 2, 10, 0, 0, 0, loc) // Monday 2 March 2026
	tests := map[string]struct {
		subject, text, lang string
		at                  string // "" for none
		early               time.Duration
		what                string
	}{
		"en/dentist early": {"Appointment confirmation", "Dear patient,\nyour appointment at Smile Dental Care is on Thursday 12 March 2026 at 8:40 am.\nPlease arrive 10 minutes early to fill in the forms.",
			"en", "2026-03-12 08:40", 10 * time.Minute, "Dentist"},
		"de/zahnarzt table": {"Terminbestätigung", "Praxis Dr. Weber, Zahnarzt\nDatum 12.03.2026 Uhrzeit 08:40\nBitte kommen Sie 15 Minuten vor Ihrem Termin.",
			"de", "2026-03-12 08:40", 15 * time.Minute, "Zahnarzt"},
		"de/um uhr": {"Ihr Termin im Bürgeramt", "Ihr Termin: 12.03.2026 um 08:40 Uhr. Bitte erscheinen Sie 10 Minuten früher.",
			"de", "2026-03-12 08:40", 10 * time.Minute, "Bürgeramt"},
		"fr/médecin": {"Confirmation de votre rendez-vous", "Votre rendez-vous avec le Dr Martin (médecin généraliste) est confirmé pour le jeudi 12 mars à 8h40. Merci de vous présenter 10 minutes en avance.",
			"fr", "2026-03-12 08:40", 10 * time.Minute, "Médecin"},
		"fr/mairie": {"Mairie de Lyon 3e", "Votre rendez-vous pour le passeport : jeudi 12 mars 2026 à 14h30.",
			"fr", "2026-03-12 14:30", 0, "Mairie"},
		"en/garage": {"Your car service", "Your car is booked in at Main Street Garage on 12 March at 09:00.",
			"en", "2026-03-12 09:00", 0, "Garage"},
		"en/delivery slot": {"Your delivery slot", "Your grocery delivery is booked: Thursday 12 March, 8:00 - 10:00. Someone must be at home.",
			"en", "2026-03-12 08:00", 0, "Delivery"},
		"en/no appointment words": {"Lunch", "Lunch on 12 March at 12:30?", "en", "", 0, ""},
		"en/cancelled":            {"Appointment cancelled", "Your dentist appointment on 12 March at 8:40 has been cancelled.", "en", "", 0, ""},
		"de/abgesagt":             {"Termin abgesagt", "Ihr Termin beim Zahnarzt am 12.03.2026 um 08:40 Uhr wurde abgesagt.", "de", "", 0, ""},
		"en/past":                 {"Your appointment", "Thank you for visiting the dentist on 1 March 2026 at 8:40.", "en", "", 0, ""},
		"en/no time":              {"Dentist", "Time for your yearly check-up at the dentist: book before 31 March.", "en", "", 0, ""},
		"de/seien da": {"Ihr Termin beim Hausarzt", "Ihr Termin: Do, 12.03.2026, 08:40 Uhr. Bitte seien Sie 10 Minuten vorher da.",
			"de", "2026-03-12 08:40", 10 * time.Minute, "Arzt"},
		"en/at least": {"Your appointment is confirmed", "Thursday 12 March 2026 at 8:40am with Dr Patel. Please arrive at least 15 minutes early.",
			"en", "2026-03-12 08:40", 15 * time.Minute, "Doctor"},
		"en/cancellation policy stays": {"Appointment reminder: dentist", "See you on 12 March at 8:40. Cancellation is free until 24 hours before.",
			"en", "2026-03-12 08:40", 0, "Dentist"},
		"en/a colleague's doctor":  {"Stand-up", "Hi team, I have a doctor's appointment on 12 March at 10:00, so I'll miss the stand-up.", "en", "", 0, ""},
		"de/ein Kollege beim Arzt": {"Morgen", "Ich habe am 12.03.2026 um 10 Uhr einen Arzttermin und bin erst mittags da.", "de", "", 0, ""},
		"de/sprechzeiten": {"Terminbestätigung", "Ihr Termin beim Zahnarzt: Donnerstag, 12.03.2026, 08:40 Uhr.\n\nPraxis Dr. Weber\nSprechzeiten: Montag bis Freitag 8:00–12:00 Uhr",
			"de", "2026-03-12 08:40", 0, "Zahnarzt"},
		"en/opening hours": {"Your car service", "Your car is booked in at Main Street Garage on 12 March at 09:00.\nWe are open Monday to Friday 8:00 - 18:00, Saturday 9:00 - 12:00.",
			"en", "2026-03-12 09:00", 0, "Garage"},
		"en/sender names it": {"Booking confirmation", "Your vehicle is booked in for its annual service on Friday 13 March at 8:30.\nPlease drop the car off 15 minutes early.",
			"en", "2026-03-13 08:30", 15 * time.Minute, "Garage"},
		"en/moved": {"Your appointment has been rescheduled", "Your dentist appointment has been moved from Thursday 12 March at 8:40 to Friday 13 March at 10:15.",
			"en", "2026-03-13 10:15", 0, "Dentist"},
		"de/verschoben": {"Terminverschiebung", "Ihr Termin beim Zahnarzt wurde verschoben: neuer Termin am 13.03.2026 um 10:15 Uhr (statt 12.03.2026 um 08:40 Uhr).",
			"de", "2026-03-13 10:15", 0, "Zahnarzt"},
		"fr/déplacé": {"Rendez-vous déplacé", "Votre rendez-vous chez le dentiste est déplacé du jeudi 12 mars à 8h40 au vendredi 13 mars à 10h15.",
			"fr", "2026-03-13 10:15", 0, "Dentiste"},
		"en/meeting is not an appointment": {"Project sync", "Can we meet on 12 March at 10:00 to review the plan?", "en", "", 0, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Appointments("", tc.subject, tc.text, tc.lang, ref, loc)
			if tc.at == "" {
				if len(got) != 0 {
					t.Fatalf("Appointments = %+v, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("Appointments = %+v, want one", got)
			}
			at, _ := time.ParseInLocation("2006-01-02 15:04", tc.at, loc)
			a := got[0]
			if !a.Start.Equal(at) || a.Early != tc.early || a.What != tc.what {
				t.Errorf("Appointments = {%s early %v %q}, want {%s early %v %q}", a.Start.Format("2006-01-02 15:04"), a.Early, a.What, tc.at, tc.early, tc.what)
			}
		})
	}
}

// TestDeadlineWhat: a deadline says what is due when the sentence asks for
// something.
func TestDeadlineWhat(t *testing.T) {
	loc := paris(t)
	wed := time.Date(2026, 12, 9, 10, 30, 0, 0, loc)
	tests := map[string]struct {
		text, lang string
		at         string
		what       string
	}{
		"en/slides":        {"Hi,\nCould you send me the slides by tomorrow 12:00?\nThanks", "en", "2026-12-10 12:00", "Slides"},
		"en/noon friday":   {"Please send the signed contract by noon Friday.", "en", "2026-12-11 12:00", "Signed contract"},
		"en/need":          {"I need your expense report before 15 December.", "en", "2026-12-15 18:00", "Expense report"},
		"de/folien":        {"Kannst du mir bitte die Folien bis morgen 12 Uhr schicken?", "de", "2026-12-10 12:00", "Folien"},
		"de/verb first":    {"Schick mir bitte den Bericht bis Freitag 10 Uhr.", "de", "2026-12-11 10:00", "Bericht"},
		"fr/slides":        {"Pourrais-tu m'envoyer les slides d'ici demain midi ?", "fr", "2026-12-10 12:00", "Slides"},
		"fr/rapport":       {"Merci de me transmettre le rapport avant vendredi 17h.", "fr", "2026-12-11 17:00", "Rapport"},
		"en/subject first": {"Slides by tomorrow 12:00\nHi,\ncould you send me the slides by tomorrow 12:00?", "en", "2026-12-10 12:00", "Slides"},
		"en/long object":   {"please could you return the signed consent form for Mia's museum excursion by noon Friday?", "en", "2026-12-11 12:00", "Signed consent form"},
		"en/wrapped":       {"Thanks again for the call yesterday. Could you send me the signed contract\nby Friday? The landlord wants it before the board meets on Monday.", "en", "2026-12-11 18:00", "Signed contract"},
		"de/fertig machen": {"Kannst du bis Freitag 10 Uhr die Präsentation fertig machen?", "de", "2026-12-11 10:00", "Präsentation"},
		"en/let me know":   {"Let me know by Friday if you can come.", "en", "2026-12-11 18:00", ""},
		"en/nothing due":   {"The office is closed until Friday.", "en", "2026-12-11 18:00", ""},
		"en/eod":           {"Can you get me the numbers by end of day?", "en", "2026-12-09 18:00", "Numbers"},
		"en/back":          {"I need the signed form back by Friday.", "en", "2026-12-11 18:00", "Signed form"},
		"en/and send":      {"Please review the draft and send comments by Monday.", "en", "2026-12-14 18:00", "Comments"},
		"en/after":         {"By Friday noon, please send me the budget.", "en", "2026-12-11 12:00", "Budget"},
		"de/object after":  {"Könnten Sie mir bis Freitag 12 Uhr das Angebot schicken?", "de", "2026-12-11 12:00", "Angebot"},
		"de/mittag":        {"Schick mir die Zahlen bitte bis morgen Mittag.", "de", "2026-12-10 12:00", "Zahlen"},
		"fr/cv":            {"Merci de m'envoyer ton CV avant vendredi.", "fr", "2026-12-11 18:00", "CV"},
		"fr/14h":           {"Tu peux me transmettre la présentation d'ici demain 14h ?", "fr", "2026-12-10 14:00", "Présentation"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Deadlines(tc.text, tc.lang, wed, loc)
			if len(got) == 0 {
				t.Fatalf("Deadlines(%q) found nothing", tc.text)
			}
			at, _ := time.ParseInLocation("2006-01-02 15:04", tc.at, loc)
			if !got[0].Time.Equal(at) || got[0].Kind != KindDeadline || got[0].What != tc.what {
				t.Errorf("Deadlines(%q) = %s what %q, want %s %q", tc.text, show(got), got[0].What, tc.at, tc.what)
			}
		})
	}
}
