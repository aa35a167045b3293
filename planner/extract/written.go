package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agentd/agentd/internal/lazyre"
)

// Times written apart from their date: a table cell or a line of their
// own labelled "Time", "Heure", "Uhrzeit", or a window "between 8 and 10".
var (
	timeLabelled = lazyre.New(`(?i)^[ \t]*[,;|]?[ \t]*(?:\r?\n[ \t]*)?` +
		`(?:time|start|starts|heure|horaire|début|debut|uhrzeit|zeit|beginn)` +
		`(?:(?:[ \t]+[\p{L}'’-]+){1,3}[ \t]*:|[ \t]*:?)[ \t]*` + timeExpr())
	timeWindow = lazyre.New(`(?i)^[ \t]*[,;]?[ \t]*(?:between|from|entre|zwischen|von)[ \t]+` +
		`(\d{1,2})(?:[:.h](\d{2}))?[ \t]*(am|pm|a\.m\.|p\.m\.|h|uhr)?[ \t]*` +
		`(?:and|to|et|à|und|bis|-|–)[ \t]*` + timeExpr())
)

// timeApart reads a time written apart from the date just before rest:
// the length of rest it covers and the time of day.
func timeApart(rest string) (n, h, mi int, ok bool) {
	if m := timeLabelled.FindStringSubmatchIndex(rest); m != nil && !isWord(runeAt(rest, m[1])) {
		gs := make([]string, timeGroups)
		for i := range gs {
			gs[i] = group(rest, m, i+1)
		}
		if h, mi, _, ok := parseTime(gs); ok {
			return m[1], h, mi, true
		}
	}
	if m := timeWindow.FindStringSubmatchIndex(rest); m != nil && !isWord(runeAt(rest, m[1])) {
		gs := make([]string, timeGroups)
		for i := range gs {
			gs[i] = group(rest, m, i+4)
		}
		endH, _, _, ok := parseTime(gs)
		if !ok {
			return 0, 0, 0, false
		}
		h, mi = atoi(group(rest, m, 1)), atoi(group(rest, m, 2))
		switch suffix := strings.ToLower(group(rest, m, 3)); {
		case strings.HasPrefix(suffix, "p") && h < 12:
			h += 12
		case strings.HasPrefix(suffix, "a") && h == 12:
			h = 0
		case suffix == "" && h < 12 && endH > 12 && h+12 < endH:
			h += 12 // "between 2 and 4pm"
		}
		if h > 23 || mi > 59 {
			return 0, 0, 0, false
		}
		return m[1], h, mi, true
	}
	return 0, 0, 0, false
}

// What is due: a request verb in the deadline's sentence and the thing it
// asks for, written with an article before the deadline ("send me the
// slides by …", "die Folien bis … schicken", "m'envoyer les slides
// d'ici …") or after it ("by Friday, please send me the report").
const (
	dueVerbs = `send|sending|email|e-mail|mail|share|submit|provide|return|deliver|finish|prepare|forward|upload|` +
		`complete|sign|get|give|need|want|review|update|finali[sz]e|draft|write|fill|make|fix|check|proofread|` +
		`envoyer|envoie|envoies|envoyez|transmettre|transmets|transmettez|faire parvenir|renvoyer|remettre|` +
		`rendre|préparer|prépare|préparez|finir|finaliser|terminer|signer|fournir|partager|compléter|remplir|` +
		`retourner|besoin|avoir|faire|relire|corriger|vérifier|` +
		`schick|schicke|schicken|schickst|sende|senden|zusenden|zuschicken|liefern|abgeben|einreichen|` +
		`fertigstellen|vorbereiten|unterschreiben|zurückschicken|übermitteln|geben|gib|hochladen|ausfüllen|` +
		`brauche|brauchen|benötige|benötigen|bräuchte|mailen|teilen|weiterleiten|machen|erledigen|erstellen|` +
		`prüfen|korrigieren|überarbeiten|zukommen`
	dueArticlesEN = `the|your|a|an|this|that|these|those|our|my`
	dueArticlesFR = `le|la|les|vos|votre|ton|ta|tes|ce|cet|cette|ces|un|une|des|du|mon|ma|mes|notre|nos`
	dueArticlesDE = `der|die|das|den|dem|des|ein|eine|einen|dein|deine|deinen|ihre|ihren|eure|euren|unsere|unseren|meine|meinen`
	dueWord       = `[\p{L}\p{N}][\p{L}\p{N}'’-]*`
)

// dueObject finds the thing asked for, before or after the deadline.
type dueObject struct{ before, verbObj, next, after *regexp.Regexp }

const duePronouns = `me|us|him|her|them|mir|uns|ihm|ihr|moi|nous|lui|leur`

func newDueObject(articles string) dueObject {
	art := `(?:(?:^|[^\p{L}])(?:` + articles + `)\s+|(?:^|[^\p{L}])l['’])`
	return dueObject{
		// "send me the slides [by …]"
		before: regexp.MustCompile(`(?i)` + art + `((?:` + dueWord + `\s+){0,6}` + dueWord + `)[\s,]*$`),
		// "send me slides [by …]"
		verbObj: regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:` + dueVerbs + `)\s+(?:(?:` + duePronouns + `)\s+)?` +
			`((?:` + dueWord + `\s+){0,6}` + dueWord + `)[\s,]*$`),
		// "[bis Freitag] das Angebot schicken"
		next: regexp.MustCompile(`(?i)^[\s,]*(?:(?:bitte|please|noch|auch|svp|stp)\s+)?` + art +
			`((?:` + dueWord + `\s+){0,2}` + dueWord + `)`),
		// "[by Friday], please send me the budget"
		after: regexp.MustCompile(`(?i)^[^.!?]*?(?:^|[^\p{L}])(?:` + dueVerbs + `)\s+(?:[\p{L}'’-]+\s+){0,2}?` +
			`(?:(?:` + articles + `)\s+|l['’])((?:` + dueWord + `\s*){1,3})`),
	}
}

var (
	dueVerb = lazyre.New(`(?i)(?:^|[^\p{L}])(?:` + dueVerbs + `)(?:[^\p{L}]|$)`)
	// dueObjects are compiled per language on first use (about 250 KB
	// each).
	dueObjects = lazyByLang(func(lang string) dueObject {
		switch lang {
		case "en":
			return newDueObject(dueArticlesEN)
		case "fr":
			return newDueObject(dueArticlesFR)
		case "de":
			return newDueObject(dueArticlesDE)
		}
		return newDueObject(dueArticlesEN + "|" + dueArticlesFR + "|" + dueArticlesDE)
	})
	// dueLeading are words an object does not begin with.
	dueLeading = wordSet(dueArticlesEN, dueArticlesFR, dueArticlesDE, duePronouns, "please|bitte|noch|auch|svp|stp")
	dueAnd     = wordSet("and|et|und|or|ou|oder")
	// duePreps end the thing itself: "the signed consent form for Mia's
	// excursion" is a "signed consent form".
	duePreps = wordSet("for|of|to|from|about|on|with|in|by|before|until|pour|de|du|des|à|au|aux|sur|avec|avant|" +
		"für|von|vom|zu|zum|zur|über|mit|an|auf|im|bis|vor")
)

func wordSet(lists ...string) map[string]bool {
	out := map[string]bool{}
	for _, l := range lists {
		for _, w := range strings.Split(l, "|") {
			out[w] = true
		}
	}
	return out
}

// dueTrailing are words that end an object without belonging to it.
var dueTrailing = map[string]bool{
	"to": true, "me": true, "us": true, "over": true, "back": true, "please": true, "asap": true, "for": true,
	"bitte": true, "mir": true, "uns": true, "zu": true, "zurück": true, "noch": true, "doch": true,
	"moi": true, "nous": true, "svp": true, "stp": true, "à": true,
	"ready": true, "done": true, "fertig": true, "prêt": true, "prête": true, "prêts": true, "prêtes": true,
}

// dueWhat is what the sentence around text[start:end] asks to be done or
// sent, capitalized, or "".
func dueWhat(text string, start, end int, lang string) string {
	obj := dueObjects.get(lang)
	from := clauseStart(text, start)
	to := clauseEnd(text, end)
	if !dueVerb.MatchString(text[from:start]) && !dueVerb.MatchString(text[end:to]) {
		return ""
	}
	pre, post := text[from:start], text[end:to]
	var cands []string
	for _, m := range [][]string{obj.before.FindStringSubmatch(pre), obj.verbObj.FindStringSubmatch(pre),
		obj.next.FindStringSubmatch(post), obj.after.FindStringSubmatch(post)} {
		if m != nil {
			cands = append(cands, m[1])
		}
	}
	for _, c := range cands {
		if what := dueObjectWords(strings.Fields(c)); what != "" {
			r, size := utf8.DecodeRuneInString(what)
			return string(unicode.ToUpper(r)) + what[size:]
		}
	}
	return ""
}

// dueObjectWords trims an object to the thing itself: "draft and send
// comments" is "comments", "Angebot schicken" is "Angebot", "signed form
// back" is "signed form".
func dueObjectWords(words []string) string {
	for {
		for len(words) > 0 && dueLeading[strings.ToLower(words[0])] {
			words = words[1:]
		}
		i := -1
		for k, w := range words {
			if dueVerb.MatchString(w) {
				i = k
				break
			}
		}
		if i < 0 {
			break
		}
		if i == 0 || dueAnd[strings.ToLower(words[i-1])] {
			words = words[i+1:]
			continue
		}
		words = words[:i]
	}
	for k := 1; k < len(words); k++ {
		if duePreps[strings.ToLower(words[k])] {
			words = words[:k]
			break
		}
	}
	if len(words) > 4 {
		return ""
	}
	for len(words) > 0 && (dueTrailing[strings.ToLower(words[len(words)-1])] || dueAnd[strings.ToLower(words[len(words)-1])]) {
		words = words[:len(words)-1]
	}
	return strings.Join(words, " ")
}

// clauseStart is where the sentence holding text[i] begins: after a blank
// line, or after ".", "!" or "?" followed by a blank; a single line break
// is a wrapped line ("Could you send me the signed contract\nby Friday?").
// A line that starts a list item or a table row starts a sentence too.
func clauseStart(text string, i int) int {
	for j := i - 1; j >= 0 && i-j < 300; j-- {
		switch text[j] {
		case '\n':
			if !wrapped(text, j) {
				return j + 1
			}
		case ' ', '\t':
			if j > 0 && strings.ContainsRune(".!?", rune(text[j-1])) && !unicode.IsDigit(runeBefore(text, j-1)) {
				return j + 1
			}
		}
	}
	return max(0, i-300)
}

// clauseEnd is where the sentence holding text[i-1] ends.
func clauseEnd(text string, i int) int {
	for j := i; j < len(text) && j-i < 300; j++ {
		switch text[j] {
		case '!', '?':
			return j
		case '\n':
			if !wrapped(text, j) {
				return j
			}
		case '.':
			if j+1 == len(text) || text[j+1] == ' ' || text[j+1] == '\n' {
				return j
			}
		}
	}
	return min(len(text), i+300)
}

// wrapped reports whether the line break at text[j] wraps a sentence: the
// next line goes on in lower case, or the line before is long and ends
// without a full stop. A blank line, a list item or a short line (a
// subject, a greeting, a table row) ends the sentence.
func wrapped(text string, j int) bool {
	next := text[j+1:]
	if strings.HasPrefix(next, "\n") || strings.HasPrefix(strings.TrimLeft(next, " \t"), "- ") {
		return false
	}
	if unicode.IsLower(runeAt(next, 0)) {
		return true
	}
	ls := strings.LastIndexByte(text[:j], '\n') + 1
	line := strings.TrimRight(text[ls:j], " \t")
	return utf8.RuneCountInString(line) >= 40 && !strings.ContainsRune(".!?:", runeBefore(line, len(line)))
}
