package extract

import (
	"strings"
	"time"

	"github.com/agentd/agentd/internal/lazyre"
)

var (
	// tripDuration is a duration as people write it: "45 min", "1h30",
	// "1 h 15", "an hour", "une demi-heure", "eine Stunde", "40 Minuten".
	tripDuration = lazyre.New(`(?i)(?:^|[^\p{L}\p{N}])(?:` +
		`(\d{1,2})\s?(?:h|hrs?|hours?|heures?|std\.?|stunden?)\s?(?:(\d{2})(?:\s?(?:min(?:utes?|uten)?\.?))?)?` +
		`|(\d{1,3})\s?(?:min(?:ute)?s?|minuten|min\.)` +
		`|(an hour|one hour|une heure|eine stunde|half an hour|une demi-heure|eine halbe stunde)` +
		`)(?:[^\p{L}\p{N}]|$)`)
	// tripWords say a duration is the way there (before or after it).
	tripWords = lazyre.New(`(?i)door[- ]to[- ]door|porte[- ]à[- ]porte|tür zu tür|\bdrive\b|driving|\bwalk|by (?:car|train|bus|taxi|bike|tram|metro|tube|subway|public transport)|to get (?:there|here)|to the (?:airport|station|venue|office)|\baway\b|\btrip\b|journey|commute|\bride\b|trajet|\broute\b|en voiture|à pied|en train|en métro|en tram|en bus|en vélo|en transports?|de la gare|\bfahrt|fahrzeit|anfahrt|anreise|zu fuß|mit dem (?:auto|rad|zug|bus|taxi)|mit der (?:bahn|s-bahn|u-bahn|tram)|wegzeit|entfernt|unterwegs`)
	// notTrip are durations that are something else: arriving early, how
	// long a meeting lasts.
	notTrip = lazyre.New(`(?i)\bearly\b|\bearlier\b|\bbefore\b|\blasts?\b|\bduration\b|en avance|\bavant\b|\bdure\b|durée de la|früher|vorher|\bvor\b|dauert der|der termin dauert|die sitzung dauert`)
)

// tripWindow is how far before or after a duration its travel words may
// stand, in bytes.
const tripWindow = 40

// TripTime is how long the way to an appointment takes, when text says it:
// "45 min door to door", "the drive takes about an hour", "comptez 35
// minutes de trajet", "Anfahrt ca. 40 Minuten". A duration told as arriving
// early or as the length of the meeting is not a trip. ok is false when
// text gives none between 5 minutes and 6 hours.
func TripTime(text string) (d time.Duration, ok bool) {
	if len(text) > maxText {
		text = text[:maxText]
	}
	for _, m := range tripDuration.FindAllStringSubmatchIndex(text, -1) {
		var v time.Duration
		switch {
		case m[2] >= 0:
			v = time.Duration(atoi(text[m[2]:m[3]])) * time.Hour
			if m[4] >= 0 {
				v += time.Duration(atoi(text[m[4]:m[5]])) * time.Minute
			}
		case m[6] >= 0:
			v = time.Duration(atoi(text[m[6]:m[7]])) * time.Minute
		case m[8] >= 0:
			v = time.Hour
			if w := strings.ToLower(text[m[8]:m[9]]); strings.Contains(w, "half") || strings.Contains(w, "demi") || strings.Contains(w, "halbe") {
				v = 30 * time.Minute
			}
		}
		if v < 5*time.Minute || v > 6*time.Hour {
			continue
		}
		// The words around the duration, within its sentence.
		lo, hi := max(0, m[0]-tripWindow), min(len(text), m[1]+tripWindow)
		before, after := sentenceTail(text[lo:m[0]]), sentenceHead(text[m[1]:hi])
		around := before + " … " + after
		if notTrip.MatchString(around) || !tripWords.MatchString(around) {
			continue
		}
		return v, true
	}
	return 0, false
}

// sentenceTail is s after its last sentence end; sentenceHead is s up to
// its first one.
func sentenceTail(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ';', '!', '?', '\n':
			return s[i+1:]
		case '.':
			if !abbreviation(s[:i]) {
				return s[i+1:]
			}
		}
	}
	return s
}

// abbreviation reports whether s ends in a word that takes a dot ("ca",
// "approx", "env", "Min").
func abbreviation(s string) bool {
	w := s[strings.LastIndexAny(s, " \t(")+1:]
	switch strings.ToLower(w) {
	case "ca", "approx", "env", "min", "mins", "std", "etc", "z.b", "bzw", "st":
		return true
	}
	return false
}

func sentenceHead(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ';', '!', '?', '\n':
			return s[:i]
		case '.':
			// "Min." and "ca." are abbreviations, not the end.
			if !abbreviation(s[:i]) {
				return s[:i]
			}
		}
	}
	return s
}
