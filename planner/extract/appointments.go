package extract

import (
	"strings"
	"time"

	"github.com/agentd/agentd/internal/lazyre"
)

// Appointment is a timed appointment a mail confirms: at the doctor's,
// the dentist's, the town hall, a garage, a delivery slot.
type Appointment struct {
	// Start is when it begins, in loc.
	Start time.Time
	// What names the place or kind in the mail's language ("Dentist",
	// "Zahnarzt", "Mairie"); "Appointment", "Termin" or "Rendez-vous"
	// when only the subject says it is one.
	What string
	// Early is how long before Start the mail asks you to arrive ("please
	// arrive 10 minutes early"); 0 when it does not say.
	Early time.Duration
	// Phrase is the date as written.
	Phrase string
}

// appointmentKind is one kind of appointment and the words that name it.
type appointmentKind struct {
	re    *lazyre.Regexp
	label map[string]string // language → label; "" for any
}

func kindRe(words string) *lazyre.Regexp {
	return lazyre.New(`(?i)(?:^|[^\p{L}])(?:` + words + `)(?:[^\p{L}]|$)`)
}

// appointmentKinds, most specific first: a dentist's practice is also a
// "Praxis".
var appointmentKinds = []appointmentKind{
	{kindRe(`dentist|dentists|dental|orthodontist|dentiste|dentaire|orthodontiste|zahnarzt|zahnärztin|zahnarztpraxis|zahnärztliche|kieferorthopäde`),
		map[string]string{"en": "Dentist", "fr": "Dentiste", "de": "Zahnarzt"}},
	{kindRe(`doctor|doctor's|gp|physician|clinic|hospital|médecin|docteur|cabinet médical|clinique|hôpital|` +
		`arzt|ärztin|arztpraxis|hausarzt|hausärztin|klinik|krankenhaus`),
		map[string]string{"en": "Doctor", "fr": "Médecin", "de": "Arzt"}},
	{kindRe(`town hall|city hall|council office|mairie|hôtel de ville|préfecture`),
		map[string]string{"en": "Town hall", "fr": "Mairie", "de": "Rathaus"}},
	{kindRe(`bürgeramt|bürgerbüro|bürgerservice|rathaus|standesamt|einwohnermeldeamt|ausländerbehörde`),
		map[string]string{"en": "Town hall", "fr": "Mairie", "de": "Bürgeramt"}},
	{kindRe(`garage|car service|mot test|tyre change|tire change|your car|your vehicle|` +
		`contrôle technique|révision|vidange|votre véhicule|votre voiture|` +
		`werkstatt|autohaus|reifenwechsel|inspektion|hauptuntersuchung|ihr fahrzeug|ihr auto|ihr wagen`),
		map[string]string{"en": "Garage", "fr": "Garage", "de": "Werkstatt"}},
	{kindRe(`delivery slot|delivery window|delivery is booked|delivery booked|créneau de livraison|créneau|` +
		`lieferfenster|liefertermin|zustellfenster|lieferzeitfenster`),
		map[string]string{"en": "Delivery", "fr": "Livraison", "de": "Lieferung"}},
	{kindRe(`hairdresser|optician|physiotherapist|physiotherapy|vet|veterinary|coiffeur|opticien|kiné|kinésithérapeute|` +
		`vétérinaire|friseur|optiker|physiotherapie|tierarzt|tierärztin`),
		map[string]string{"en": "Appointment", "fr": "Rendez-vous", "de": "Termin"}},
}

var (
	// appointmentSubject: a confirmation or reminder of an appointment,
	// said by the subject alone.
	appointmentSubject = kindRe(`appointment|rendez-vous|rdv|termin|terminbestätigung|terminerinnerung`)
	confirmationWord   = kindRe(`confirm|confirmed|confirmation|reminder|booked|confirmé|confirmée|rappel|` +
		`bestätigung|bestätigt|erinnerung|terminbestätigung|terminerinnerung`)
	// yoursRe: the mail speaks of the reader's appointment ("your
	// appointment", "Ihr Termin", "votre rendez-vous"), not of the
	// writer's own ("I have a doctor's appointment").
	yoursRe = lazyre.New(`(?i)(?:^|[^\p{L}])(?:your|ihr|ihre|ihren|ihrem|dein|deine|deinen|deinem|votre|vos|ton|ta)\s+` +
		`(?:[\p{L}'’-]+\s+){0,2}?(?:appointment|booking|visit|delivery|slot|order|car|vehicle|consultation|` +
		`termin|\p{L}*termin|lieferung|bestellung|besuch|fahrzeug|wagen|auto|` +
		`rendez-vous|rdv|réservation|livraison|commande|consultation|passage|véhicule|voiture)(?:[^\p{L}]|$)`)
	// cancelledSubject and cancelledText: a cancellation is no appointment.
	cancelledSubject = lazyre.New(`(?i)cancel|annul|abgesagt|absage|storniert|stornierung`)
	// movedRe: the mail moves an appointment; its old time is not one.
	movedRe = lazyre.New(`(?i)reschedul|moved|postponed|brought forward|new time|new date|` +
		`déplacé|reporté|décalé|nouvel horaire|nouvelle date|nouvelle heure|` +
		`verschoben|verlegt|vorverlegt|neuer termin|neue uhrzeit|terminänderung|terminverschiebung`)
	// oldTimeRe ends the text before a moved appointment's old time.
	oldTimeRe = lazyre.New(`(?i)(?:^|[^\p{L}])(?:from|previously|originally|instead of|was|` +
		`du|au lieu du?|initialement(?: prévu)?|ancien|anciennement|` +
		`von|statt|anstatt|ursprünglich|bisher|alter termin)[\s:,(]+(?:(?:the|on|at|le|am|um|den)\s+)?$`)
	cancelledText = lazyre.New(`(?i)(?:has been|was|is|been) (?:cancel|called off)|a été annulé|est annulé|` +
		`sont annulés|wurde abgesagt|wurde storniert|ist abgesagt|muss leider abgesagt|findet nicht statt`)

	earlyRe = lazyre.New(`(?i)(\d{1,3}|five|ten|fifteen|twenty|thirty|cinq|dix|quinze|vingt|trente|` +
		`fünf|zehn|fünfzehn|zwanzig|dreißig)\s*(?:minutes?|mins?\.?|minuten|min\.?)\s+` +
		`(?:early|earlier|before|in advance|ahead|prior|en avance|avant|plus tôt|vorher|früher|vor|vorab|eher)`)
	arriveRe = lazyre.New(`(?i)arriv|be there|be here|come|check in|check-in|drop|present|présent|venir|rendre|déposer|` +
		`erschein|komm|da sein|seien sie|einfind|anwesend|vor ort`)
	// doctorTitle: "Dr Patel", "Dr. Weber" (a capital after it, so that
	// "Oak Dr" is no doctor).
	doctorTitle = lazyre.New(`(?:^|[^\p{L}])Dr\.?\s+\p{Lu}`)
)

var earlyWords = map[string]int{
	"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "cinq": 5, "dix": 10, "quinze": 15,
	"vingt": 20, "trente": 30, "fünf": 5, "zehn": 10, "fünfzehn": 15, "zwanzig": 20, "dreißig": 30,
}

// maxEarly bounds "arrive N minutes early".
const maxEarly = 2 * time.Hour

// maxAppointments bounds the appointments read from one mail.
const maxAppointments = 3

// Appointments returns the timed appointments a mail confirms, in order:
// a mail that names a doctor, dentist, town hall, garage or delivery slot
// (in its sender's name, subject or text; or whose subject confirms an
// appointment), speaks of the reader's, and gives a day and a time still
// to come after ref. Deadlines ("cancel by …") are not appointments;
// a cancellation confirms none. Dates resolve as in Deadlines.
func Appointments(sender, subject, text, lang string, ref time.Time, loc *time.Location) []Appointment {
	if loc == nil {
		loc = time.UTC
	}
	if cancelledSubject.MatchString(subject) {
		return nil
	}
	full := subject + "\n" + Unquoted(text)
	if len(full) > maxText {
		full = full[:maxText]
	}
	if cancelledText.MatchString(full) {
		return nil
	}
	what := appointmentWhat(subject, sender+"\n"+full, lang)
	if what == "" || !yoursRe.MatchString(full) && !confirmationWord.MatchString(full) {
		return nil
	}
	early := earlyArrival(full)
	moved := movedRe.MatchString(full)
	var out []Appointment
	seen := map[int64]bool{}
	for _, f := range grammarFor(lang).scan(full, ref.In(loc), loc) {
		if openingHours(full, f.start, f.end) {
			continue
		}
		// The phrase may begin with the word: "du jeudi 12 mars".
		if pre, _ := windowBefore(full, f.start, 40); moved && (oldTimeRe.MatchString(pre) ||
			oldTimeRe.MatchString(pre+firstWord(f.Phrase)+" ")) {
			continue
		}
		// "pour le jeudi 12 mars" is a date ("pour" is also "by").
		date := f.Kind == KindDate || strings.HasPrefix(strings.ToLower(f.Phrase), "pour ")
		if !f.hasTime || f.AllDay || !date || !f.Time.After(ref) || seen[f.Time.Unix()] {
			continue
		}
		seen[f.Time.Unix()] = true
		out = append(out, Appointment{Start: f.Time, What: what, Early: early, Phrase: f.Phrase})
		if len(out) == maxAppointments {
			break
		}
	}
	return out
}

// appointmentWhat names the appointment, or "" when the mail is about none.
func appointmentWhat(subject, full, lang string) string {
	l := strings.ToLower(lang)
	if len(l) > 2 {
		l = l[:2]
	}
	if l != "fr" && l != "de" {
		l = "en"
	}
	for _, k := range appointmentKinds {
		if k.re.MatchString(full) || k.label["en"] == "Doctor" && doctorTitle.MatchString(full) {
			return k.label[l]
		}
	}
	if appointmentSubject.MatchString(subject) && confirmationWord.MatchString(subject) {
		return map[string]string{"en": "Appointment", "fr": "Rendez-vous", "de": "Termin"}[l]
	}
	return ""
}

// earlyArrival is how long before the time the mail asks you to be there.
func earlyArrival(full string) time.Duration {
	for _, m := range earlyRe.FindAllStringSubmatchIndex(full, 8) {
		from, to := clauseStart(full, m[0]), clauseEnd(full, m[1])
		if !arriveRe.MatchString(full[from:to]) {
			continue
		}
		w := strings.ToLower(full[m[2]:m[3]])
		n, ok := earlyWords[w]
		if !ok {
			n = atoi(w)
		}
		if d := time.Duration(n) * time.Minute; d > 0 && d <= maxEarly {
			return d
		}
	}
	return 0
}

var (
	hoursWords = lazyre.New(`(?i)opening hours|office hours|open from|we are open|hours:|` +
		`horaires|heures d'ouverture|ouvert du|ouvert de|` +
		`öffnungszeiten|sprechzeiten|sprechstunden|geöffnet|erreichbar`)
	// weekdayRange: "Monday to Friday", "lundi au vendredi", "Mo-Fr",
	// "Montag bis": a weekday ending a range is no appointment.
	weekdayRange = lazyre.New(`(?i)\p{L}{2,}\.?\s*(?:to|through|thru|au|à|bis|und|and|et|-|–)\s*$`)
)

// openingHours reports whether text[start:end] reads as opening hours:
// its line names them, or a weekday range ends with it.
func openingHours(text string, start, end int) bool {
	ls := strings.LastIndexByte(text[:start], '\n') + 1
	le := strings.IndexByte(text[end:], '\n')
	if le < 0 {
		le = len(text)
	} else {
		le += end
	}
	if hoursWords.MatchString(text[ls:le]) {
		return true
	}
	pre, _ := windowBefore(text, start, 24)
	if m := weekdayRange.FindStringSubmatchIndex(pre); m != nil {
		w := strings.ToLower(strings.TrimRight(strings.Fields(pre[m[0]:])[0], ".-–"))
		for _, l := range []lexicon{english, french, german} {
			if _, ok := l.weekdays[w]; ok || contains(l.wdAbbr, w) {
				return true
			}
		}
	}
	return false
}
