package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatalf("load Europe/Paris: %v", err)
	}
	return loc
}

type want struct {
	phrase string
	at     string // "2006-01-02 15:04" in Europe/Paris
	allDay bool
	kind   string
}

func TestDeadlines(t *testing.T) {
	loc := paris(t)
	// The mails are dated Wednesday 9 December 2026, 10:30 in Paris unless
	// a case says otherwise.
	wed := time.Date(2026, 12, 9, 10, 30, 0, 0, loc)
	springSat := time.Date(2026, 3, 28, 10, 0, 0, 0, loc)  // clocks go forward on Sunday 29 March 02:00
	autumnFri := time.Date(2026, 10, 23, 16, 0, 0, 0, loc) // and back on Sunday 25 October 03:00
	lateEvening := time.Date(2026, 12, 9, 21, 15, 0, 0, loc)

	tests := map[string]struct {
		text string
		lang string
		ref  time.Time
		want []want
	}{
		// English.
		"en/by friday eod": {"Can you send the figures by Friday EOD?", "en", wed,
			[]want{{"by Friday EOD", "2026-12-11 18:00", false, KindDeadline}}},
		"en/before date": {"Please submit the form before 15 December.", "en", wed,
			[]want{{"before 15 December", "2026-12-15 18:00", true, KindDeadline}}},
		"en/no later than with weekday and time": {"We need it no later than Monday 14 December at 9am.", "en", wed,
			[]want{{"no later than Monday 14 December at 9am", "2026-12-14 09:00", false, KindDeadline}}},
		"en/plain mention with time": {"The flight leaves on 14 Dec 2026 at 07:35.", "en", wed,
			[]want{{"on 14 Dec 2026 at 07:35", "2026-12-14 07:35", false, KindDate}}},
		"en/month day ordinal rolls to next year": {"The party was planned for Dec 3rd.", "en", wed,
			[]want{{"for Dec 3rd", "2027-12-03 18:00", true, KindDate}}},
		"en/ordinal of month": {"Let's meet on the 3rd of January 2027.", "en", wed,
			[]want{{"on the 3rd of January 2027", "2027-01-03 18:00", true, KindDate}}},
		"en/date of the mail's day counts": {"The office closes on 9 December.", "en", wed,
			[]want{{"on 9 December", "2026-12-09 18:00", true, KindDate}}},
		"en/tomorrow at time": {"Let's talk tomorrow at 9am.", "en", wed,
			[]want{{"tomorrow at 9am", "2026-12-10 09:00", false, KindDate}}},
		"en/next monday": {"Shall we do it next Monday?", "en", wed,
			[]want{{"next Monday", "2026-12-14 18:00", true, KindDate}}},
		"en/weekday of the mail is next week": {"Same time on Wednesday then.", "en", wed,
			[]want{{"on Wednesday", "2026-12-16 18:00", true, KindDate}}},
		"en/today eod is a deadline": {"I need this today EOD.", "en", wed,
			[]want{{"today EOD", "2026-12-09 18:00", false, KindDeadline}}},
		"en/in two days": {"I'll be back in 2 days.", "en", wed,
			[]want{{"in 2 days", "2026-12-11 18:00", true, KindDate}}},
		"en/within business days skips the weekend": {"Please reply within 3 business days.", "en", wed,
			[]want{{"within 3 business days", "2026-12-14 18:00", true, KindDeadline}}},
		"en/by 5pm today": {"Could you call me back by 5pm?", "en", wed,
			[]want{{"by 5pm", "2026-12-09 17:00", false, KindDeadline}}},
		"en/passed time means tomorrow": {"Send it by 9am.", "en", wed,
			[]want{{"by 9am", "2026-12-10 09:00", false, KindDeadline}}},
		"en/eod alone": {"Send it EOD please.", "en", wed,
			[]want{{"EOD", "2026-12-09 18:00", false, KindDeadline}}},
		"en/cob": {"Numbers by COB tomorrow.", "en", wed,
			[]want{{"by COB tomorrow", "2026-12-10 17:00", false, KindDeadline}}},
		"en/before noon tomorrow": {"Please confirm before noon tomorrow.", "en", wed,
			[]want{{"before noon tomorrow", "2026-12-10 12:00", false, KindDeadline}}},
		"en/at time on weekday": {"The call is at 3pm on Friday.", "en", wed,
			[]want{{"at 3pm on Friday", "2026-12-11 15:00", false, KindDate}}},
		"en/iso with zone": {"Starts 2026-12-14T07:35:00Z sharp.", "en", wed,
			[]want{{"2026-12-14T07:35:00Z", "2026-12-14 08:35", false, KindDate}}},
		"en/numeric day first": {"Please pay by 12/05.", "en", wed,
			[]want{{"by 12/05", "2027-05-12 18:00", true, KindDeadline}}},
		"en/numeric month first when day first is impossible": {"Please pay by 12/25.", "en", wed,
			[]want{{"by 12/25", "2026-12-25 18:00", true, KindDeadline}}},
		"en/end of the week": {"I'll get it to you by the end of the week.", "en", wed,
			[]want{{"by the end of the week", "2026-12-11 18:00", true, KindDeadline}}},
		"en/end of month": {"Invoices are due end of month.", "en", wed,
			[]want{{"due end of month", "2026-12-31 18:00", true, KindDeadline}}},
		"en/at the latest": {"Friday at the latest, please.", "en", wed,
			[]want{{"Friday at the latest", "2026-12-11 18:00", true, KindDeadline}}},
		"en/friday next week": {"Let's aim for Friday next week.", "en", wed,
			[]want{{"for Friday next week", "2026-12-18 18:00", true, KindDate}}},
		"en/tonight": {"I need the slides by tonight.", "en", wed,
			[]want{{"by tonight", "2026-12-09 20:00", false, KindDeadline}}},
		"en/two mentions in order": {"Draft by Friday, final version before 15 December.", "en", wed,
			[]want{{"by Friday", "2026-12-11 18:00", true, KindDeadline}, {"before 15 December", "2026-12-15 18:00", true, KindDeadline}}},
		"en/repeated deadline is given once": {"The report is due Friday. See you on Friday. Again: due Friday!", "en", wed,
			[]want{{"due Friday", "2026-12-11 18:00", true, KindDeadline}, {"on Friday", "2026-12-11 18:00", true, KindDate}}},
		"fr/post trigger belongs to the next date": {"Envoyez-les d'ici vendredi, au plus tard le 18 décembre à 12h.", "", wed,
			[]want{{"d'ici vendredi", "2026-12-11 18:00", true, KindDeadline}, {"au plus tard le 18 décembre à 12h", "2026-12-18 12:00", false, KindDeadline}}},
		"en/may as a month needs a capital": {"You may 2 times retry. The launch is May 4th.", "en", wed,
			[]want{{"May 4th", "2027-05-04 18:00", true, KindDate}}},
		"en/29 february waits for a leap year": {"Renewal on 29 February.", "en", wed,
			[]want{{"on 29 February", "2028-02-29 18:00", true, KindDate}}},
		"en/in hours": {"The offer ends in 3 hours.", "en", wed,
			[]want{{"in 3 hours", "2026-12-09 13:30", false, KindDate}}},
		"en/late evening eod rolls over": {"Please send it EOD.", "en", lateEvening,
			[]want{{"EOD", "2026-12-10 18:00", false, KindDeadline}}},

		// French.
		"fr/avant le": {"Merci de répondre avant le 15 décembre.", "fr", wed,
			[]want{{"avant le 15 décembre", "2026-12-15 18:00", true, KindDeadline}}},
		"fr/d'ici vendredi": {"Tu peux me l'envoyer d'ici vendredi ?", "fr", wed,
			[]want{{"d'ici vendredi", "2026-12-11 18:00", true, KindDeadline}}},
		"fr/au plus tard with time": {"Le dossier doit arriver au plus tard le 18 décembre à 12h.", "fr", wed,
			[]want{{"au plus tard le 18 décembre à 12h", "2026-12-18 12:00", false, KindDeadline}}},
		"fr/demain midi": {"On déjeune demain midi ?", "fr", wed,
			[]want{{"demain midi", "2026-12-10 12:00", false, KindDate}}},
		"fr/lundi prochain": {"Réunion lundi prochain.", "fr", wed,
			[]want{{"lundi prochain", "2026-12-14 18:00", true, KindDate}}},
		"fr/premier du mois": {"Le loyer est payé le 1er décembre.", "fr", wed,
			[]want{{"le 1er décembre", "2027-12-01 18:00", true, KindDate}}},
		"fr/dans trois jours": {"Je reviens dans 3 jours.", "fr", wed,
			[]want{{"dans 3 jours", "2026-12-12 18:00", true, KindDate}}},
		"fr/numeric with time": {"Rendez-vous le 12/01/2027 à 14h30.", "fr", wed,
			[]want{{"le 12/01/2027 à 14h30", "2027-01-12 14:30", false, KindDate}}},
		"fr/aujourd'hui avant 18h": {"Il me le faut aujourd'hui avant 18h.", "fr", wed,
			[]want{{"aujourd'hui avant 18h", "2026-12-09 18:00", false, KindDeadline}}},
		"fr/fin de journée": {"Je te l'envoie en fin de journée.", "fr", wed,
			[]want{{"fin de journée", "2026-12-09 18:00", false, KindDeadline}}},
		"fr/sous 48 heures": {"Réponse attendue sous 48 heures.", "fr", wed,
			[]want{{"sous 48 heures", "2026-12-11 10:30", false, KindDeadline}}},
		"fr/lundi en huit": {"On se voit lundi en huit.", "fr", wed,
			[]want{{"lundi en huit", "2026-12-21 18:00", true, KindDate}}},
		"fr/weekday prefixed date": {"Livraison prévue le vendredi 18 décembre 2026.", "fr", wed,
			[]want{{"le vendredi 18 décembre 2026", "2026-12-18 18:00", true, KindDate}}},

		// German.
		"de/bis freitag 12 uhr": {"Bitte schick mir das bis Freitag, 12 Uhr.", "de", wed,
			[]want{{"bis Freitag, 12 Uhr", "2026-12-11 12:00", false, KindDeadline}}},
		"de/morgen 12 uhr": {"Treffen wir uns morgen 12 Uhr?", "de", wed,
			[]want{{"morgen 12 Uhr", "2026-12-10 12:00", false, KindDate}}},
		"de/spätestens am with trailing dot": {"Die Abgabe ist spätestens am 18.12. fällig.", "de", wed,
			[]want{{"spätestens am 18.12", "2026-12-18 18:00", true, KindDeadline}}},
		"de/am dezember": {"Die Feier ist am 12. Dezember.", "de", wed,
			[]want{{"am 12. Dezember", "2026-12-12 18:00", true, KindDate}}},
		"de/nächsten montag": {"Können wir nächsten Montag telefonieren?", "de", wed,
			[]want{{"nächsten Montag", "2026-12-14 18:00", true, KindDate}}},
		"de/in drei tagen": {"Ich melde mich in 3 Tagen.", "de", wed,
			[]want{{"in 3 Tagen", "2026-12-12 18:00", true, KindDate}}},
		"de/übermorgen": {"Das Paket kommt übermorgen.", "de", wed,
			[]want{{"übermorgen", "2026-12-11 18:00", true, KindDate}}},
		"de/heute abend": {"Wir sehen uns heute Abend.", "de", wed,
			[]want{{"heute Abend", "2026-12-09 20:00", false, KindDate}}},
		"de/numeric with year and time": {"Termin: 12.12.2026 um 15:30 Uhr.", "de", wed,
			[]want{{"12.12.2026 um 15:30 Uhr", "2026-12-12 15:30", false, KindDate}}},
		"de/innerhalb einer woche": {"Bitte zahlen Sie innerhalb einer Woche.", "de", wed,
			[]want{{"innerhalb einer Woche", "2026-12-16 18:00", true, KindDeadline}}},
		"de/um bare hour": {"Passt es am Montag um 10?", "de", wed,
			[]want{{"am Montag um 10", "2026-12-14 10:00", false, KindDate}}},
		"de/capital Morgen at sentence start": {"Alles klar. Morgen um 10 Uhr passt.", "de", wed,
			[]want{{"Morgen um 10 Uhr", "2026-12-10 10:00", false, KindDate}}},
		"de/weekday abbreviation before a date": {"Lieferung: Fr., 18.12.2026", "de", wed,
			[]want{{"Fr., 18.12.2026", "2026-12-18 18:00", true, KindDate}}},
		"de/bis zum ordinal month": {"Anmeldung bis zum 3. Januar.", "de", wed,
			[]want{{"bis zum 3. Januar", "2027-01-03 18:00", true, KindDeadline}}},

		// Any language.
		"any/german with empty lang": {"bis Freitag", "", wed,
			[]want{{"bis Freitag", "2026-12-11 18:00", true, KindDeadline}}},
		"any/region suffix": {"before Friday", "en-GB", wed,
			[]want{{"before Friday", "2026-12-11 18:00", true, KindDeadline}}},

		// Daylight saving time.
		"dst/tomorrow across spring forward": {"Let's meet tomorrow at 09:00.", "en", springSat,
			[]want{{"tomorrow at 09:00", "2026-03-29 09:00", false, KindDate}}},
		"dst/hours are elapsed time": {"The link expires in 24 hours.", "en", springSat,
			[]want{{"expires in 24 hours", "2026-03-29 11:00", false, KindDeadline}}},
		"dst/days are calendar days": {"dans 2 jours", "fr", springSat,
			[]want{{"dans 2 jours", "2026-03-30 18:00", true, KindDate}}},
		"dst/missing hour moves forward": {"demain à 2h30", "fr", springSat,
			[]want{{"demain à 2h30", "2026-03-29 03:30", false, KindDate}}},
		"dst/after fall back": {"bis Montag", "de", autumnFri,
			[]want{{"bis Montag", "2026-10-26 18:00", true, KindDeadline}}},
		"dst/on the fall back day": {"dimanche 25 octobre à 12h", "fr", autumnFri,
			[]want{{"dimanche 25 octobre à 12h", "2026-10-25 12:00", false, KindDate}}},

		// Not dates.
		"neg/version":             {"Upgrade to version 1.2.3 now.", "", wed, nil},
		"neg/version two parts":   {"Neu in Version 2.10. und mehr.", "de", wed, nil},
		"neg/phone spaces":        {"Call 06 12 34 56 78 anytime.", "", wed, nil},
		"neg/phone dots":          {"Tel. 06.12.34.56.78", "", wed, nil},
		"neg/page":                {"See page 12 of the manual.", "", wed, nil},
		"neg/people":              {"A table for 2 people.", "", wed, nil},
		"neg/ip address":          {"Server 192.168.1.10 is down.", "", wed, nil},
		"neg/fraction needs word": {"Add 3/4 cup of sugar.", "en", wed, nil},
		"neg/german article die":  {"Die Unterlagen sind da, die Rechnung auch. Mir geht es gut.", "de", wed, nil},
		"neg/guten morgen": {"Guten Morgen Anna, heute Morgen war viel los.", "de", wed,
			[]want{{"heute Morgen", "2026-12-09 18:00", true, KindDate}}},
		"neg/last friday":         {"As discussed last Friday, the plan stands.", "en", wed, nil},
		"neg/vendredi dernier":    {"Comme dit vendredi dernier.", "fr", wed, nil},
		"neg/letzten freitag":     {"Wie letzten Freitag besprochen.", "de", wed, nil},
		"neg/language restricts":  {"bis Freitag", "en", wed, nil},
		"neg/plural weekday":      {"We meet on Mondays.", "en", wed, nil},
		"neg/quoted reply":        {"Sounds good.\n\nOn Mon, 7 Dec 2026 at 09:00, Bob <bob@example.com> wrote:\n> Please send it by Friday.\n", "en", wed, nil},
		"neg/quote marks":         {"Done.\n> by Friday\n>> before 15 December\n", "en", wed, nil},
		"neg/signature":           {"Thanks!\n-- \nJohn Smith\nOffice hours Monday to Friday\n", "en", wed, nil},
		"neg/outlook original":    {"OK.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nPlease reply by Friday.\n", "en", wed, nil},
		"neg/french reply header": {"D'accord.\n\nLe lun. 7 déc. 2026 à 09:00, Marie <m@example.fr> a écrit :\n> avant vendredi\n", "fr", wed, nil},
		"neg/german reply header": {"Passt.\n\nAm 07.12.2026 um 09:00 schrieb Max Muster <max@example.de>:\n> bis Freitag\n", "de", wed, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Deadlines(tc.text, tc.lang, tc.ref, loc)
			if len(got) != len(tc.want) {
				t.Fatalf("Deadlines(%q) = %s, want %d results", tc.text, show(got), len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				at, err := time.ParseInLocation("2006-01-02 15:04", w.at, loc)
				if err != nil {
					t.Fatal(err)
				}
				if !g.Time.Equal(at) || g.AllDay != w.allDay || g.Kind != w.kind || g.Phrase != w.phrase {
					t.Errorf("result %d = %s, want {%q %s allDay=%v %s}", i, show(got[i:i+1]), w.phrase, w.at, w.allDay, w.kind)
				}
				if g.Time.Location() != loc {
					t.Errorf("result %d in %v, want %v", i, g.Time.Location(), loc)
				}
			}
		})
	}
}

func show(ds []Deadline) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("{" + d.Phrase + " | " + d.Time.Format("Mon 2006-01-02 15:04 MST") + " | ")
		if d.AllDay {
			b.WriteString("all day | ")
		}
		b.WriteString(d.Kind + "} ")
	}
	return "[" + b.String() + "]"
}

// TestDeadlinesElapsedAcrossSpringForward checks the instant, not just the
// wall clock: 09:00 on the day clocks go forward is 22 hours after 10:00
// the day before.
func TestDeadlinesElapsedAcrossSpringForward(t *testing.T) {
	loc := paris(t)
	ref := time.Date(2026, 3, 28, 10, 0, 0, 0, loc)
	got := Deadlines("tomorrow at 09:00", "en", ref, loc)
	if len(got) != 1 {
		t.Fatalf("got %s", show(got))
	}
	if d := got[0].Time.Sub(ref); d != 22*time.Hour {
		t.Errorf("tomorrow 09:00 is %v after ref, want 22h", d)
	}
}

// TestDeadlinesRefInOtherZone resolves against the user's zone, not the
// zone the mail's Date header was written in.
func TestDeadlinesRefInOtherZone(t *testing.T) {
	loc := paris(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// 20:00 Tuesday in New York is 02:00 Wednesday in Paris.
	ref := time.Date(2026, 12, 8, 20, 0, 0, 0, ny)
	got := Deadlines("tomorrow", "en", ref, loc)
	if len(got) != 1 || got[0].Time.Format("2006-01-02") != "2026-12-10" {
		t.Errorf("tomorrow = %s, want Thursday 2026-12-10 in Paris", show(got))
	}
}

func FuzzDeadlines(f *testing.F) {
	for _, s := range []string{
		"by Friday EOD", "avant le 15 décembre à 14h30", "bis Freitag, 12 Uhr", "12.12.2026", "12/05",
		"2026-12-14T07:35:00+01:00", "in 3 Tagen", "version 1.2.3", "Dec 3rd, 2026", "Morgen um 10",
		"On Mon wrote:\n> by Friday", "le 1er décembre", "29 February", "within 99 business days",
	} {
		f.Add(s, "")
	}
	loc := paris(f)
	ref := time.Date(2026, 12, 9, 10, 30, 0, 0, loc)
	f.Fuzz(func(t *testing.T, text, lang string) {
		if len(text) > 4096 {
			text = text[:4096]
		}
		for _, d := range Deadlines(text, lang, ref, loc) {
			if d.Phrase == "" || (d.Kind != KindDate && d.Kind != KindDeadline) {
				t.Fatalf("bad result %+v for %q", d, text)
			}
			if d.Time.Year() < 1 || d.Time.Year() > 10000 {
				t.Fatalf("time out of range %v for %q", d.Time, text)
			}
		}
		Bookings("", text, lang, ref, loc)
		Question(text, lang)
	})
}

func BenchmarkDeadlines(b *testing.B) {
	text, err := os.ReadFile(filepath.Join("testdata", "bench_mail.txt"))
	if err != nil {
		b.Fatal(err)
	}
	loc := paris(b)
	ref := time.Date(2026, 12, 9, 10, 30, 0, 0, loc)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Deadlines(string(text), "", ref, loc)
	}
}

func BenchmarkBookings(b *testing.B) {
	text, err := os.ReadFile(filepath.Join("testdata", "bench_mail.txt"))
	if err != nil {
		b.Fatal(err)
	}
	loc := paris(b)
	ref := time.Date(2026, 12, 9, 10, 30, 0, 0, loc)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Bookings("Re: Q1 planning", string(text), "", ref, loc)
	}
}

func BenchmarkQuestion(b *testing.B) {
	text, err := os.ReadFile(filepath.Join("testdata", "bench_mail.txt"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Question(string(text), "")
	}
}
