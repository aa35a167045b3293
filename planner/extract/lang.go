package extract

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxText bounds the text any function here reads: the facts of a mail are
// in its first pages, and the bound keeps the cost of untrusted input fixed.
const maxText = 64 << 10

// lexicon holds the words of one language. Multi-word entries use single
// spaces (matched as any whitespace) and ' for both apostrophes.
type lexicon struct {
	months   map[string]time.Month
	weekdays map[string]time.Weekday // full names: standalone mentions
	wdAbbr   []string                // only before an explicit date ("Fr., 12.12.")
	ordinals []string                // after a day number: "3rd", "1er", "3."

	// relative days: offset from ref's day; evening ones carry 20:00.
	days    map[string]int
	evening map[string]bool

	triggers     []string // deadline words before a date or time
	postTriggers []string // deadline words after it ("Friday at the latest")
	fillers      []string // articles and prepositions between a trigger and the date
	preps        []string // plain mentions: "on 14 Dec", "le 15", "am 12."
	past         []string // "last Friday": not a coming date
	pastAfter    []string // "vendredi dernier"
	nextBefore   []string // "next Monday": same as "Monday"
	nextAfter    []string // "lundi prochain"
	weekAfter    []string // "Friday next week"
	plusWeek     []string // "lundi en huit": a week later

	durIn     []string // "in 2 days": a date
	durWithin []string // "within 2 days": a deadline
	units     map[string]unit
	numbers   map[string]int

	endWeek  []string
	endMonth []string

	timeConn []string // before a time: "at", "à", "um"
}

type unit int

const (
	unitHour unit = iota
	unitDay
	unitBusinessDay
	unitWeek
)

var english = lexicon{
	months: map[string]time.Month{
		"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
		"may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
		"sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
	},
	weekdays: map[string]time.Weekday{
		"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday, "thursday": time.Thursday,
		"friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
	},
	wdAbbr:   []string{"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"},
	ordinals: []string{"st", "nd", "rd", "th"},
	days: map[string]int{
		"today": 0, "tonight": 0, "this evening": 0, "tomorrow": 1, "day after tomorrow": 2,
		"the day after tomorrow": 2,
	},
	evening: map[string]bool{"tonight": true, "this evening": true},
	triggers: []string{"by", "before", "until", "till", "no later than", "not later than", "latest by",
		"at the latest by", "due", "due date", "deadline", "deadline is", "prior to", "ahead of", "payable by",
		"expires", "expiring", "valid until"},
	postTriggers: []string{"at the latest", "at the very latest", "latest"},
	fillers:      []string{"the", "on", "this"},
	preps:        []string{"on", "the", "for"},
	past:         []string{"last", "past", "previous", "since"},
	pastAfter:    []string{"ago"},
	nextBefore:   []string{"next", "this", "coming", "this coming"},
	weekAfter:    []string{"next week", "of next week"},
	durIn:        []string{"in"},
	durWithin:    []string{"within"},
	units: map[string]unit{
		"hour": unitHour, "hours": unitHour, "day": unitDay, "days": unitDay, "business day": unitBusinessDay,
		"business days": unitBusinessDay, "working day": unitBusinessDay, "working days": unitBusinessDay,
		"week": unitWeek, "weeks": unitWeek,
	},
	numbers: map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
		"seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2},
	endWeek:  []string{"end of the week", "end of week", "the end of the week", "eow"},
	endMonth: []string{"end of the month", "end of month", "the end of the month", "eom"},
	timeConn: []string{"at", "@", "from", "by", "before", "until"},
}

var french = lexicon{
	months: map[string]time.Month{
		"janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "mars": 3, "avril": 4,
		"avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8, "septembre": 9,
		"sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "décembre": 12, "decembre": 12,
		"déc": 12, "dec": 12,
	},
	weekdays: map[string]time.Weekday{
		"lundi": time.Monday, "mardi": time.Tuesday, "mercredi": time.Wednesday, "jeudi": time.Thursday,
		"vendredi": time.Friday, "samedi": time.Saturday, "dimanche": time.Sunday,
	},
	wdAbbr:   []string{"lun", "mar", "mer", "jeu", "ven", "sam", "dim"},
	ordinals: []string{"er", "re", "ème", "eme", "e"},
	days: map[string]int{
		"aujourd'hui": 0, "ce soir": 0, "demain": 1, "après-demain": 2, "apres-demain": 2, "après demain": 2,
	},
	evening: map[string]bool{"ce soir": true},
	triggers: []string{"avant", "d'ici", "au plus tard", "jusqu'au", "jusqu'à", "jusqu'a", "pour", "date limite",
		"échéance", "date d'échéance", "délai", "dernier délai", "à régler avant", "payable avant", "expire",
		"valable jusqu'au"},
	postTriggers: []string{"au plus tard", "dernier délai", "dernier delai"},
	fillers:      []string{"le", "la", "l'", "au", "ce", "cette", "du"},
	preps:        []string{"le", "ce", "du", "pour le"},
	past:         []string{"depuis"},
	pastAfter:    []string{"dernier", "dernière", "passé", "passée"},
	nextBefore:   []string{"ce", "cette"},
	nextAfter:    []string{"prochain", "qui vient"},
	weekAfter:    []string{"de la semaine prochaine", "la semaine prochaine"},
	plusWeek:     []string{"en huit"},
	durIn:        []string{"dans"},
	durWithin:    []string{"sous", "d'ici", "dans les", "dans un délai de"},
	units: map[string]unit{
		"heure": unitHour, "heures": unitHour, "jour": unitDay, "jours": unitDay, "jour ouvré": unitBusinessDay,
		"jours ouvrés": unitBusinessDay, "jours ouvrables": unitBusinessDay, "semaine": unitWeek, "semaines": unitWeek,
	},
	numbers: map[string]int{"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
		"sept": 7, "huit": 8, "dix": 10, "quinze": 15},
	endWeek:  []string{"fin de semaine", "fin de la semaine", "la fin de la semaine"},
	endMonth: []string{"fin du mois", "fin de mois", "la fin du mois"},
	timeConn: []string{"à", "a", "vers", "dès", "de", "avant", "jusqu'à"},
}

var german = lexicon{
	months: map[string]time.Month{
		"januar": 1, "jänner": 1, "jan": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3,
		"april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
		"september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
		"dezember": 12, "dez": 12,
	},
	weekdays: map[string]time.Weekday{
		"montag": time.Monday, "dienstag": time.Tuesday, "mittwoch": time.Wednesday, "donnerstag": time.Thursday,
		"freitag": time.Friday, "samstag": time.Saturday, "sonnabend": time.Saturday, "sonntag": time.Sunday,
	},
	// Two-letter abbreviations ("Di", "Mi") are only read before a date so
	// that articles and pronouns ("die", "mir") never become weekdays.
	wdAbbr:   []string{"mo", "di", "mi", "do", "fr", "sa", "so"},
	ordinals: []string{"."},
	days: map[string]int{
		"heute": 0, "heute abend": 0, "heute morgen": 0, "heute nachmittag": 0, "morgen": 1, "übermorgen": 2,
		"uebermorgen": 2,
	},
	evening: map[string]bool{"heute abend": true},
	triggers: []string{"bis", "spätestens", "spaetestens", "vor", "fällig", "faellig", "frist", "deadline",
		"abgabe", "zahlbar bis", "fälligkeitsdatum", "gültig bis", "läuft ab"},
	postTriggers: []string{"spätestens", "spaetestens"},
	fillers:      []string{"zum", "zur", "am", "dem", "den", "spätestens"},
	preps:        []string{"am", "den", "ab"},
	past:         []string{"letzten", "letzter", "letztes", "vergangenen", "vergangener", "vorigen", "seit"},
	nextBefore:   []string{"nächsten", "nächster", "naechsten", "kommenden", "kommender", "diesen", "dieser"},
	weekAfter:    []string{"nächste woche", "nächster woche", "kommende woche"},
	durIn:        []string{"in"},
	durWithin:    []string{"innerhalb von", "innerhalb", "binnen", "in den nächsten"},
	units: map[string]unit{
		"stunde": unitHour, "stunden": unitHour, "tag": unitDay, "tagen": unitDay, "tage": unitDay,
		"werktag": unitBusinessDay, "werktagen": unitBusinessDay, "werktage": unitBusinessDay,
		"arbeitstagen": unitBusinessDay, "woche": unitWeek, "wochen": unitWeek,
	},
	numbers: map[string]int{"einem": 1, "einer": 1, "ein": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4,
		"fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "vierzehn": 14},
	endWeek:  []string{"ende der woche", "ende dieser woche", "wochenende"},
	endMonth: []string{"ende des monats", "ende dieses monats", "monatsende"},
	timeConn: []string{"um", "gegen", "ab", "bis", "vor"},
}

// merge joins lexicons for mail of unknown language.
func merge(ls ...lexicon) lexicon {
	var out lexicon
	out.months = map[string]time.Month{}
	out.weekdays = map[string]time.Weekday{}
	out.days = map[string]int{}
	out.evening = map[string]bool{}
	out.units = map[string]unit{}
	out.numbers = map[string]int{}
	for _, l := range ls {
		for k, v := range l.months {
			out.months[k] = v
		}
		for k, v := range l.weekdays {
			out.weekdays[k] = v
		}
		for k, v := range l.days {
			out.days[k] = v
		}
		for k, v := range l.evening {
			out.evening[k] = v
		}
		for k, v := range l.units {
			out.units[k] = v
		}
		for k, v := range l.numbers {
			out.numbers[k] = v
		}
		out.wdAbbr = append(out.wdAbbr, l.wdAbbr...)
		out.ordinals = append(out.ordinals, l.ordinals...)
		out.triggers = append(out.triggers, l.triggers...)
		out.postTriggers = append(out.postTriggers, l.postTriggers...)
		out.fillers = append(out.fillers, l.fillers...)
		out.preps = append(out.preps, l.preps...)
		out.past = append(out.past, l.past...)
		out.pastAfter = append(out.pastAfter, l.pastAfter...)
		out.nextBefore = append(out.nextBefore, l.nextBefore...)
		out.nextAfter = append(out.nextAfter, l.nextAfter...)
		out.weekAfter = append(out.weekAfter, l.weekAfter...)
		out.plusWeek = append(out.plusWeek, l.plusWeek...)
		out.durIn = append(out.durIn, l.durIn...)
		out.durWithin = append(out.durWithin, l.durWithin...)
		out.endWeek = append(out.endWeek, l.endWeek...)
		out.endMonth = append(out.endMonth, l.endMonth...)
		out.timeConn = append(out.timeConn, l.timeConn...)
	}
	return out
}

// alt turns words into a regexp alternation, longest first so that "mars"
// is tried before "mar"; spaces match any run of blanks and ' either
// apostrophe.
func alt(words ...[]string) string {
	seen := map[string]bool{}
	var all []string
	for _, ws := range words {
		for _, w := range ws {
			if !seen[w] {
				seen[w] = true
				all = append(all, w)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if len(all[i]) != len(all[j]) {
			return len(all[i]) > len(all[j])
		}
		return all[i] < all[j]
	})
	for i, w := range all {
		q := regexp.QuoteMeta(w)
		q = strings.ReplaceAll(q, " ", `\s+`)
		q = strings.ReplaceAll(q, "'", `['’]`)
		all[i] = q
	}
	return "(?:" + strings.Join(all, "|") + ")"
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// norm makes a matched word a table key.
func norm(s string) string {
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	s = strings.ReplaceAll(s, "’", "'")
	return strings.Join(strings.Fields(s), " ")
}

// allLanguages is every lexicon in one, for text of unknown language.
var allLanguages = merge(english, french, german)

// byLang holds a value per language the extractors read ("en", "fr",
// "de", and "" for any other or unknown), each built on first use: the
// compiled regexps of a language nobody writes to the user cost nothing.
type byLang[T any] map[string]func() T

func lazyByLang[T any](build func(lang string) T) byLang[T] {
	m := byLang[T]{}
	for _, lang := range []string{"en", "fr", "de", ""} {
		m[lang] = sync.OnceValue(func() T { return build(lang) })
	}
	return m
}

// get returns the value for lang ("de-AT" counts as "de").
func (b byLang[T]) get(lang string) T {
	lang = strings.ToLower(lang)
	if len(lang) > 2 {
		lang = lang[:2]
	}
	if f, ok := b[lang]; ok {
		return f()
	}
	return b[""]()
}
