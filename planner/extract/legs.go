package extract

import (
	"strings"
	"time"

	"github.com/agentd/agentd/internal/lazyre"
)

var (
	// legLabel heads one leg of a trip: "Aller", "Return flight",
	// "Rückfahrt am 14.03.".
	legLabel = lazyre.New(`(?i)(?:^|[^\p{L}])(?:outbound|return|inbound|aller|retour|hinfahrt|rückfahrt|hinflug|rückflug|hinreise|rückreise|leg \d|segment \d|étape \d|teilstrecke \d|connection|correspondance|umstieg|anschluss)(?:[^\p{L}]|$)`)
	// gateLabel is the time a flight's gate closes, boardingLabel the time
	// boarding starts.
	gateLabel     = lazyre.New(`(?i)(?:gate clos(?:es|ing|ure)(?: time)?|boarding clos(?:es|ing|ure)|fermeture (?:de la |des )?portes?(?: d'embarquement| d’embarquement)?|fin (?:de l'|de l’|d')embarquement|gate ?schlie(?:ss|ß)t|gate-?schluss|boarding-?schluss|schließung des gates)\s*(?:at|à|um|:)?\s*:?\s*([01]?\d|2[0-3])[:h.]([0-5]\d)`)
	boardingLabel = lazyre.New(`(?i)(?:boarding(?: time| starts| begins| from)?|(?:début de l'|début de l’|heure d')?embarquement|boardingzeit|boardingbeginn|einstieg)\s*(?:at|à|um|ab|:)?\s*:?\s*([01]?\d|2[0-3])[:h.]([0-5]\d)`)
)

var (
	// gateBefore and boardingBefore are the times written relative to
	// departure, for every flight of a mail: "boarding gates close 20
	// minutes before departure", "l'embarquement commence 40 minutes avant
	// le départ", "das Gate schließt 20 Minuten vor Abflug".
	gateBefore     = lazyre.New(`(?i)(?:gates?|boarding|porte|portes|embarquement)[^.\n]{0,30}?(?:clos\w*|ferm\w*|clôtur\w*|schlie\w*|schluss)[^.\n]{0,20}?(\d{1,3}) ?min(?:utes?|uten)?\.? (?:before|avant|vor)|(?:fermeture|clôture)[^.\n]{0,40}?(\d{1,3}) ?min(?:utes?)? avant`)
	boardingBefore = lazyre.New(`(?i)(?:boarding|embarquement|einstieg)[^.\n]{0,20}?(?:starts?|begins?|commence|beginnt|opens?)[^.\n]{0,20}?(\d{1,3}) ?min(?:utes?|uten)?\.? (?:before|avant|vor)`)
)

// connectionGap is how long after a leg's departure the next one, leaving
// from where it arrived, is still a connection.
const connectionGap = 24 * time.Hour

// legEnd is where the text of the leg whose number ends at end stops, the
// next leg's number being at next: before the lines heading the next leg
// (a leg label, or a date line without a clock time), so a return's
// "Retour : vendredi 13 mars" is not read as the outbound's date.
func (b *bookingReader) legEnd(end, next int) int {
	cut := strings.LastIndexByte(b.text[:next], '\n') + 1
	firstLineEnd := end + max(0, strings.IndexByte(b.text[end:], '\n'))
	if strings.IndexByte(b.text[end:], '\n') < 0 {
		return next
	}
	for cut > firstLineEnd+1 {
		ls := strings.LastIndexByte(b.text[:cut-1], '\n') + 1
		line := b.text[ls : cut-1]
		switch {
		case strings.TrimSpace(line) == "":
		case legLabel.MatchString(line),
			firstDate(b.dates, ls, cut) != nil && !clockTime.MatchString(line) && !arrivalLabel.MatchString(line):
			if ls <= firstLineEnd {
				return cut
			}
			cut = ls
			continue
		default:
			return max(cut, end)
		}
		if ls <= firstLineEnd {
			return cut
		}
		// A blank line: the heading, if any, is above it.
		above := strings.LastIndexByte(b.text[:max(ls-1, 0)], '\n') + 1
		if ls == 0 || above <= firstLineEnd {
			return cut
		}
		aline := b.text[above : ls-1]
		if !legLabel.MatchString(aline) && (firstDate(b.dates, above, ls) == nil || clockTime.MatchString(aline)) {
			return cut
		}
		cut = ls
	}
	return max(cut, end)
}

// boarding reads the boarding and gate-closing times in [pos, end), on the
// day of the departure start (the day before when the time is later), and
// keeps them only within four hours before it.
func (b *bookingReader) boarding(pos, end int, start time.Time) (boarding, gate time.Time) {
	seg := b.text[pos:end]
	at := func(m []string) time.Time {
		y, mo, d := start.Date()
		t := time.Date(y, mo, d, atoi(m[1]), atoi(m[2]), 0, 0, start.Location())
		if t.After(start) {
			t = t.AddDate(0, 0, -1)
		}
		if start.Sub(t) > 4*time.Hour {
			return time.Time{}
		}
		return t
	}
	if m := gateLabel.FindStringSubmatch(seg); m != nil {
		gate = at(m)
		seg = strings.Replace(seg, m[0], "", 1)
	}
	if m := boardingLabel.FindStringSubmatch(seg); m != nil {
		boarding = at(m)
	}
	relative := func(re *lazyre.Regexp) time.Time {
		m := re.FindStringSubmatch(b.text)
		if m == nil {
			return time.Time{}
		}
		n := atoi(m[1])
		if len(m) > 2 && m[1] == "" {
			n = atoi(m[2])
		}
		if n < 5 || n > 180 {
			return time.Time{}
		}
		return start.Add(-time.Duration(n) * time.Minute)
	}
	if gate.IsZero() {
		gate = relative(gateBefore)
	}
	if boarding.IsZero() {
		boarding = relative(boardingBefore)
	}
	return boarding, gate
}

// markConnections marks the legs that leave from where the previous leg
// arrived, soon after it left.
func markConnections(legs []Booking) {
	for i := 1; i < len(legs); i++ {
		prev, cur := legs[i-1], &legs[i]
		if prev.To == "" || prev.Start.IsZero() || cur.Start.IsZero() || !samePlace(prev.To, cur.Location) {
			continue
		}
		if gap := cur.Start.Sub(prev.Start); gap > 0 && gap <= connectionGap {
			cur.Connection = true
		}
	}
}

// samePlace compares two places as written: "Frankfurt FRA" and "FRA" are
// the same airport.
func samePlace(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	fa, fb := strings.Fields(a), strings.Fields(b)
	if len(fa) == 0 || len(fb) == 0 {
		return false
	}
	la, lb := fa[len(fa)-1], fb[len(fb)-1]
	return len(la) == 3 && la == lb && strings.ToUpper(la) == la
}
