package extract

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Deadline is a date or deadline mentioned in a text, resolved to an
// instant in the user's time zone.
type Deadline struct {
	// Time is the resolved instant in loc. A bare date means 18:00 that day
	// (the end of the business day), "EOD" 18:00, "COB" 17:00, "noon"
	// 12:00; an explicit time is honoured.
	Time time.Time
	// AllDay is set when only a date was given.
	AllDay bool
	// Phrase is the matched text, e.g. "by Friday EOD".
	Phrase string
	// Kind is "deadline" (by, before, until, avant le, d'ici, bis,
	// spätestens, ...) or "date" (a plain mention: "on 14 Dec").
	Kind string
	// What is what is due, for a deadline whose sentence asks for
	// something: "Slides" in "Could you send me the slides by tomorrow
	// 12:00?"; "" when the sentence does not say. It is the mail's words,
	// untrusted text.
	What string
}

// Kinds of Deadline.
const (
	KindDeadline = "deadline"
	KindDate     = "date"
)

// Clock times the words stand for.
const (
	endOfBusinessHour = 18 // a bare date, "EOD"
	closeOfBusiness   = 17 // "COB"
	eveningHour       = 20 // "tonight", "ce soir", "heute Abend"
)

// Deadlines returns the dates and deadlines mentioned in text, in order of
// appearance; a phrase that repeats an earlier one (same instant, same
// kind) is left out. lang is "en", "fr", "de" (a region suffix
// such as "en-GB" is ignored) or "" to try all three. Relative phrases
// resolve against ref, the mail's Date, in loc.
//
// Quoted replies, forwarded originals below "-----Original Message-----"
// and signatures are not read: a "Friday" in the quoted mail is the other
// side's old deadline. Only the first maxText bytes are read.
func Deadlines(text, lang string, ref time.Time, loc *time.Location) []Deadline {
	if loc == nil {
		loc = time.UTC
	}
	text = Unquoted(text)
	all := grammarFor(lang).scanAll(text, ref.In(loc), loc)
	for i, f := range all {
		if f.Kind == KindDeadline && f.end <= len(text) {
			all[i].What = dueWhat(text, f.start, f.end, lang)
		}
	}
	// A deadline said twice (the subject, then the sentence that asks)
	// keeps the first phrase and the first What either gives.
	found := dedupe(append([]found(nil), all...))
	out := make([]Deadline, len(found))
	for i, f := range found {
		out[i] = f.Deadline
		for _, o := range all {
			if out[i].What != "" {
				break
			}
			if o.Time.Equal(f.Time) && o.AllDay == f.AllDay && o.Kind == f.Kind {
				out[i].What = o.What
			}
		}
	}
	return out
}

// found is a Deadline and where its phrase is in the text.
type found struct {
	Deadline
	start, end int
	hasTime    bool
}

// civil is a calendar day without a zone.
type civil struct {
	y int
	m time.Month
	d int
}

func civilOf(t time.Time) civil { y, m, d := t.Date(); return civil{y, m, d} }

func (c civil) add(days int) civil {
	return civilOf(time.Date(c.y, c.m, c.d+days, 12, 0, 0, 0, time.UTC))
}

func (c civil) before(o civil) bool {
	if c.y != o.y {
		return c.y < o.y
	}
	if c.m != o.m {
		return c.m < o.m
	}
	return c.d < o.d
}

func (c civil) weekday() time.Weekday {
	return time.Date(c.y, c.m, c.d, 12, 0, 0, 0, time.UTC).Weekday()
}

func valid(y int, m time.Month, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1 || y > 9999 {
		return false
	}
	return civilOf(time.Date(y, m, d, 12, 0, 0, 0, time.UTC)) == civil{y, m, d}
}

// upcoming is the first day on or after from with month m and day d.
func upcoming(from civil, m time.Month, d int) (civil, bool) {
	for y := from.y; y <= from.y+8; y++ { // 29 February waits for a leap year
		if c := (civil{y, m, d}); valid(y, m, d) && !c.before(from) {
			return c, true
		}
	}
	return civil{}, false
}

// spec is what a date phrase says before triggers and times around it.
type spec struct {
	day      civil
	abs      time.Time // an instant given outright (ISO with zone, "in 3 hours")
	isAbs    bool
	h, mi    int
	hasTime  bool
	deadline bool
	// needsWord: a numeric date without year counts only after a trigger or
	// preposition ("by 12/05").
	needsWord bool
}

// cand is a date phrase found by one of the forms.
type cand struct {
	ds, de int
	spec
}

type grammar struct {
	lex                          lexicon
	dayFirstOnly                 bool
	dmy, mdy, iso, num           *regexp.Regexp
	rel, wd, dur, endp           *regexp.Regexp
	trig, prep, past, timeBefore *regexp.Regexp // anchored at the end of the text before a date
	timeAfter, umHour, post      *regexp.Regexp // anchored at the start of the text after it
	pastAfter, timeOnly          *regexp.Regexp
	version                      *regexp.Regexp
	trigWord                     *regexp.Regexp
	// The forms are anchored and tried only at word starts whose first
	// word can begin them: unanchored, Go's regexp engine would run every
	// alternation at every byte, about 200 times slower.
	starts map[*regexp.Regexp]starters
}

// starters are the first words a form can begin with; digits says whether
// it can begin with a number.
type starters struct {
	words  map[string]bool
	digits bool
	// after, when set, must accept the text behind a leading number of one
	// or two digits: a cheap test that spares most regexp runs.
	after func(rest string) bool
}

// numberThen returns a test for what follows a day number.
func numberThen(ok func(rest string) bool) func(string) bool {
	return func(s string) bool {
		i := 0
		for i < len(s) && i < 4 && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return ok(s[i:])
	}
}

// letterSoon: "12 Dec", "3rd of", "1er", "3. Dezember".
func letterSoon(rest string) bool {
	return strings.IndexFunc(rest[:min(len(rest), 6)], unicode.IsLetter) >= 0
}

// dateSeparator: "12.12.", "12/05", "2026-12-14".
func dateSeparator(rest string) bool {
	return rest != "" && (rest[0] == '.' || rest[0] == '/' || rest[0] == '-')
}

func startersOf(digits bool, phrases ...[]string) starters {
	st := starters{words: map[string]bool{}, digits: digits}
	for _, ps := range phrases {
		for _, p := range ps {
			if w := firstWord(p); w != "" {
				st.words[w] = true
			}
		}
	}
	return st
}

func (st starters) then(ok func(rest string) bool) starters {
	st.after = numberThen(ok)
	return st
}

// firstWord is the leading run of letters of s, lower-cased.
func firstWord(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		end = len(s)
	}
	return strings.ToLower(s[:end])
}

// grammars are compiled per language on first use: each is about 300 KB
// of regexp programs, and most users read one or two languages.
var grammars = lazyByLang(func(lang string) *grammar {
	switch lang {
	case "en":
		return newGrammar(english, false)
	case "fr":
		return newGrammar(french, true)
	case "de":
		return newGrammar(german, true)
	}
	return newGrammar(allLanguages, false)
})

func grammarFor(lang string) *grammar { return grammars.get(lang) }

// timeWords are the clock times said in words.
var timeWords = map[string][2]int{
	"noon": {12, 0}, "midday": {12, 0}, "midi": {12, 0}, "mittag": {12, 0}, "mittags": {12, 0},
	"midnight": {23, 59}, "minuit": {23, 59}, "mitternacht": {23, 59},
	"eod": {endOfBusinessHour, 0}, "e.o.d": {endOfBusinessHour, 0}, "end of day": {endOfBusinessHour, 0},
	"end of the day": {endOfBusinessHour, 0}, "end of business": {endOfBusinessHour, 0},
	"end of business day": {endOfBusinessHour, 0}, "fin de journée": {endOfBusinessHour, 0},
	"fin de la journée": {endOfBusinessHour, 0}, "fin de journee": {endOfBusinessHour, 0},
	"feierabend": {endOfBusinessHour, 0}, "tagesende": {endOfBusinessHour, 0},
	"ende des tages": {endOfBusinessHour, 0}, "dienstschluss": {endOfBusinessHour, 0},
	"cob": {closeOfBusiness, 0}, "c.o.b": {closeOfBusiness, 0}, "close of business": {closeOfBusiness, 0},
	"close of play": {closeOfBusiness, 0}, "geschäftsschluss": {closeOfBusiness, 0},
}

// endOfDayWords stand for a deadline even without "by".
var endOfDayWords = map[string]bool{
	"eod": true, "e.o.d": true, "end of day": true, "end of the day": true, "end of business": true,
	"end of business day": true, "cob": true, "c.o.b": true, "close of business": true, "close of play": true,
	"fin de journée": true, "fin de la journée": true, "fin de journee": true, "tagesende": true,
	"geschäftsschluss": true,
}

// timeGroups is the number of groups in timeExpr.
const timeGroups = 10

func timeExpr() string {
	words := keys(timeWords)
	for i, w := range words {
		words[i] = strings.ReplaceAll(w, ".", "") // "e.o.d" is written with optional dots below
	}
	w := alt(words)
	w = strings.ReplaceAll(w, "eod", `e\.?o\.?d\.?`)
	w = strings.ReplaceAll(w, "cob", `c\.?o\.?b\.?`)
	// Blanks, not line breaks, before a suffix: "12:00\nHi" is no "12:00 h".
	return `(?:(\d{1,2}):(\d{2})(?:[ \t]*(am\b|pm\b|a\.m\.|p\.m\.))?(?:[ \t]*(?:uhr|h)\b)?` +
		`|(\d{1,2})\.(\d{2})[ \t]*uhr\b` +
		`|(\d{1,2})[ \t]*(?:h|heures?|uhr)(?:[ \t]*(\d{2})|\b)` +
		`|(\d{1,2})[ \t]*(am\b|pm\b|a\.m\.|p\.m\.)` +
		`|(` + w + `))`
}

// parseTime reads the groups of timeExpr.
func parseTime(g []string) (h, mi int, word string, ok bool) {
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	ampm := func(h int, s string) (int, bool) {
		if s == "" {
			return h, true
		}
		if h < 1 || h > 12 {
			return 0, false
		}
		pm := strings.HasPrefix(strings.ToLower(s), "p")
		switch {
		case pm && h != 12:
			h += 12
		case !pm && h == 12:
			h = 0
		}
		return h, true
	}
	switch {
	case g[0] != "":
		h, mi = num(g[0]), num(g[1])
		if h, ok = ampm(h, g[2]); !ok {
			return 0, 0, "", false
		}
	case g[3] != "":
		h, mi = num(g[3]), num(g[4])
	case g[5] != "":
		h = num(g[5])
		if g[6] != "" {
			mi = num(g[6])
		}
	case g[7] != "":
		if h, ok = ampm(num(g[7]), g[8]); !ok {
			return 0, 0, "", false
		}
	case g[9] != "":
		word = strings.ReplaceAll(norm(g[9]), ".", "")
		for k, v := range timeWords {
			if strings.ReplaceAll(k, ".", "") == word {
				return v[0], v[1], k, true
			}
		}
		return 0, 0, "", false
	default:
		return 0, 0, "", false
	}
	if h > 23 || mi > 59 {
		return 0, 0, "", false
	}
	return h, mi, "", true
}

func newGrammar(l lexicon, dayFirstOnly bool) *grammar {
	const ci = `(?i)`
	wdPre := `(?:` + alt(keys(l.weekdays), l.wdAbbr) + `\.?,?\s+(?:the\s+)?)?`
	months := alt(keys(l.months))
	tm := timeExpr()
	g := &grammar{lex: l, dayFirstOnly: dayFirstOnly, starts: map[*regexp.Regexp]starters{}}
	wdWords := [][]string{keys(l.weekdays), l.wdAbbr}
	g.dmy = regexp.MustCompile(`^` + ci + wdPre + `(\d{1,2})` + alt(l.ordinals) + `?\s*(?:of\s+)?(` + months + `)\.?(?:,?\s+(\d{4}))?`)
	g.starts[g.dmy] = startersOf(true, wdWords...).then(letterSoon)
	g.mdy = regexp.MustCompile(`^` + ci + wdPre + `(` + months + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?`)
	g.starts[g.mdy] = startersOf(false, append(wdWords, keys(l.months))...)
	g.iso = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?`)
	g.starts[g.iso] = startersOf(true).then(dateSeparator)
	g.num = regexp.MustCompile(`^` + ci + wdPre + `(\d{1,2})([./])(\d{1,2})(?:([./])(\d{4}|\d{2}))?(\.)?`)
	g.starts[g.num] = startersOf(true, wdWords...).then(dateSeparator)
	g.rel = regexp.MustCompile(`^` + ci + `(` + alt(keys(l.days)) + `)`)
	g.starts[g.rel] = startersOf(false, keys(l.days))
	wd := `^` + ci
	if len(l.nextBefore) > 0 {
		wd += `(?:(` + alt(l.nextBefore) + `)\s+)?`
	} else {
		wd += `()`
	}
	wd += `(` + alt(keys(l.weekdays)) + `)`
	if after := append(append(append([]string{}, l.nextAfter...), l.weekAfter...), l.plusWeek...); len(after) > 0 {
		wd += `(?:\s+(` + alt(after) + `))?`
	} else {
		wd += `()`
	}
	g.wd = regexp.MustCompile(wd)
	g.starts[g.wd] = startersOf(false, l.nextBefore, keys(l.weekdays))
	g.dur = regexp.MustCompile(`^` + ci + `(` + alt(l.durIn, l.durWithin) + `)\s+(\d{1,3}|` + alt(keys(l.numbers)) + `)\s+(` + alt(keys(l.units)) + `)`)
	g.starts[g.dur] = startersOf(false, l.durIn, l.durWithin)
	g.endp = regexp.MustCompile(`^` + ci + `(?:(` + alt(l.endWeek) + `)|(` + alt(l.endMonth) + `))`)
	g.starts[g.endp] = startersOf(false, l.endWeek, l.endMonth)
	g.trig = regexp.MustCompile(`^` + ci + `(` + alt(l.triggers) + `\s*:?(?:\s+` + alt(l.fillers) + `){0,2})\s*$`)
	g.starts[g.trig] = startersOf(false, l.triggers)
	g.trigWord = regexp.MustCompile(ci + `^` + alt(l.triggers) + `$`)
	g.prep = regexp.MustCompile(`^` + ci + `(` + alt(l.preps) + `(?:\s+` + alt(l.preps) + `)?)\s+$`)
	g.starts[g.prep] = startersOf(false, l.preps)
	g.past = regexp.MustCompile(`^` + ci + `(` + alt(l.past) + `)(?:\s+` + alt(l.fillers) + `)?\s+$`)
	g.starts[g.past] = startersOf(false, l.past)
	if len(l.pastAfter) > 0 {
		g.pastAfter = regexp.MustCompile(ci + `^\s+(` + alt(l.pastAfter) + `)(?:[^\p{L}\p{N}]|$)`)
	}
	g.post = regexp.MustCompile(ci + `^\s*,?\s*(` + alt(l.postTriggers) + `)(?:[^\p{L}\p{N}]|$)`)
	g.timeAfter = regexp.MustCompile(ci + `^[ \t]*(?:[,–-][ \t]*)?(?:(` + alt(l.timeConn) + `)[ \t]+)?` + tm)
	g.umHour = regexp.MustCompile(ci + `^[ \t]*,?[ \t]*(?:um|gegen)[ \t]+(\d{1,2})`)
	g.timeBefore = regexp.MustCompile(`^` + ci + `((?:(?:at|à|um|vers|gegen)\s+)?` + tm + `)\s*,?\s*$`)
	g.starts[g.timeBefore] = startersOf(true, []string{"at", "à", "um", "vers", "gegen"}, keys(timeWords))
	g.timeOnly = regexp.MustCompile(`^` + ci + `((?:(` + alt(l.triggers) + `)\s+)?` + tm + `)`)
	g.starts[g.timeOnly] = startersOf(true, l.triggers, keys(timeWords))
	g.version = regexp.MustCompile(ci + `(?:^|[^\p{L}\p{N}])(?:v|ver|vers|version|release|build|rev|revision|no|nr|n°|page|seite|p)\.?\s*$`)
	return g
}

func runeBefore(s string, i int) rune {
	if i <= 0 {
		return 0
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r
}

func runeAt(s string, i int) rune {
	if i >= len(s) {
		return 0
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// bounded reports whether s[i:j] is a whole word or number: no letter or
// digit touches it, nor a number continues it ("1.2.3", "12:30").
func bounded(s string, i, j int) bool {
	if isWord(runeBefore(s, i)) || isWord(runeAt(s, j)) {
		return false
	}
	if b := runeBefore(s, i); strings.ContainsRune(".,/:-", b) && unicode.IsDigit(runeBefore(s, i-1)) {
		return false
	}
	if a := runeAt(s, j); strings.ContainsRune(".:/-", a) && j+1 < len(s) && unicode.IsDigit(runeAt(s, j+1)) {
		return false
	}
	return true
}

// wordStart is where a word or number begins, with its first word
// lower-cased.
type wordStart struct {
	pos   int
	word  string
	digit bool
}

func wordStarts(s string) []wordStart {
	var out []wordStart
	prev := rune(0)
	for i, r := range s {
		if isWord(r) && !isWord(prev) {
			ws := wordStart{pos: i, digit: unicode.IsDigit(r)}
			if !ws.digit {
				ws.word = firstWord(s[i:])
			}
			out = append(out, ws)
		}
		prev = r
	}
	return out
}

// maxPhrase bounds the text one form is tried on: no date phrase is
// longer, and a short input lets the regexp engine backtrack instead of
// simulating its automaton.
const maxPhrase = 96

// each calls fn for every match of the anchored form re at a word start
// of s that can begin it; after an accepted match it goes on behind it.
func (g *grammar) each(re *regexp.Regexp, s string, starts []wordStart, fn func(m []int) bool) {
	st := g.starts[re]
	next := 0
	for _, w := range starts {
		if w.pos < next || (w.digit && !st.digits) || (!w.digit && !st.words[w.word]) {
			continue
		}
		if w.digit && st.after != nil && !st.after(s[w.pos:]) {
			continue
		}
		m := re.FindStringSubmatchIndex(s[w.pos:min(len(s), w.pos+maxPhrase)])
		if m == nil {
			continue
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += w.pos
			}
		}
		if fn(m) && m[1] > w.pos {
			next = m[1]
		}
	}
}

// suffix matches the form re, anchored at both ends, at the leftmost word
// start of w that can begin it: the longest phrase of that form ending w.
// The indexes are into w, as FindStringSubmatchIndex gives them.
func (g *grammar) suffix(re *regexp.Regexp, w string) []int {
	st := g.starts[re]
	for i := 0; i < len(w); {
		r, size := utf8.DecodeRuneInString(w[i:])
		if isWord(r) && !isWord(runeBefore(w, i)) && (unicode.IsDigit(r) && st.digits || st.words[firstWord(w[i:])]) {
			if m := re.FindStringSubmatchIndex(w[i:]); m != nil {
				for k := range m {
					if m[k] >= 0 {
						m[k] += i
					}
				}
				return m
			}
		}
		i += size
	}
	return nil
}

func group(s string, m []int, i int) string {
	if m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// window is s[from:to] with from moved back to a rune start.
func windowBefore(s string, to, size int) (string, int) {
	from := max(0, to-size)
	for from > 0 && !utf8.RuneStart(s[from]) {
		from++
	}
	return s[from:to], from
}

func (g *grammar) scan(text string, ref time.Time, loc *time.Location) []found {
	return dedupe(g.scanAll(text, ref, loc))
}

// scanAll is scan with phrases that repeat an earlier one kept.
func (g *grammar) scanAll(text string, ref time.Time, loc *time.Location) []found {
	if len(text) > maxText {
		text = text[:maxText]
		for len(text) > 0 && !utf8.RuneStart(text[len(text)-1]) {
			text = text[:len(text)-1]
		}
	}
	today := civilOf(ref)
	starts := wordStarts(text)
	cands := g.candidates(text, starts, ref, today)
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].ds != cands[j].ds {
			return cands[i].ds < cands[j].ds
		}
		return cands[i].de > cands[j].de
	})
	var out []found
	lastEnd := 0
	for i, c := range cands {
		if c.ds < lastEnd {
			continue
		}
		next := len(text)
		for _, o := range cands[i+1:] {
			if o.ds >= c.de {
				next = o.ds
				break
			}
		}
		f, ok := g.extend(text, c, lastEnd, next, loc)
		if !ok {
			continue
		}
		out = append(out, f)
		lastEnd = f.end
	}
	return g.timesAlone(text, starts, out, ref, today, loc)
}

// candidates runs every date form over text.
func (g *grammar) candidates(text string, starts []wordStart, ref time.Time, today civil) []cand {
	var cs []cand
	add := func(ds, de int, sp spec) { cs = append(cs, cand{ds, de, sp}) }

	g.each(g.iso, text, starts, func(m []int) bool {
		if !bounded(text, m[0], m[1]) {
			return false
		}
		y, mo, d := atoi(group(text, m, 1)), time.Month(atoi(group(text, m, 2))), atoi(group(text, m, 3))
		if !valid(y, mo, d) {
			return false
		}
		sp := spec{day: civil{y, mo, d}}
		if hh := group(text, m, 4); hh != "" {
			h, mi, sec := atoi(hh), atoi(group(text, m, 5)), atoi(group(text, m, 6))
			if h > 23 || mi > 59 || sec > 59 {
				return false
			}
			sp.h, sp.mi, sp.hasTime = h, mi, true
			if z := group(text, m, 7); z != "" {
				zone := time.UTC
				if z != "Z" && z != "z" {
					z = strings.ReplaceAll(z, ":", "")
					off := atoi(z[1:3])*3600 + atoi(z[3:5])*60
					if z[0] == '-' {
						off = -off
					}
					zone = time.FixedZone("", off)
				}
				sp.abs, sp.isAbs = time.Date(y, mo, d, h, mi, sec, 0, zone), true
			}
		}
		add(m[0], m[1], sp)
		return true
	})

	g.each(g.dmy, text, starts, func(m []int) bool {
		if !bounded(text, m[0], m[1]) {
			return false
		}
		mo, ok := g.lex.months[norm(group(text, m, 2))]
		if !ok {
			return false
		}
		c, ok := g.dateOf(today, group(text, m, 3), mo, atoi(group(text, m, 1)))
		if !ok {
			return false
		}
		add(m[0], m[1], spec{day: c})
		return true
	})

	g.each(g.mdy, text, starts, func(m []int) bool {
		if !bounded(text, m[0], m[1]) {
			return false
		}
		word := group(text, m, 1)
		key := norm(word)
		mo, ok := g.lex.months[key]
		if !ok {
			return false
		}
		// "may" and "march" are verbs too: as a month they are written
		// with a capital.
		if (key == "may" || key == "march" || key == "mar") && !unicode.IsUpper(runeAt(word, 0)) {
			return false
		}
		c, ok := g.dateOf(today, group(text, m, 3), mo, atoi(group(text, m, 2)))
		if !ok {
			return false
		}
		add(m[0], m[1], spec{day: c})
		return true
	})

	g.each(g.num, text, starts, func(m []int) bool {
		end := m[1]
		if m[12] >= 0 { // the trailing dot is not part of the number
			end = m[12]
		}
		if !bounded(text, m[0], end) {
			return false
		}
		sep, sep2, year := group(text, m, 2), group(text, m, 4), group(text, m, 5)
		if sep2 != "" && sep2 != sep {
			return false
		}
		if pre, _ := windowBefore(text, m[0], 20); g.version.MatchString(pre) {
			return false
		}
		// "15.10 Uhr" is a time.
		if rest := strings.ToLower(strings.TrimLeft(text[end:], " ")); strings.HasPrefix(rest, "uhr") && !unicode.IsLetter(runeAt(rest, 3)) || strings.HasPrefix(rest, "h ") || rest == "h" {
			return false
		}
		d, mo := atoi(group(text, m, 1)), atoi(group(text, m, 3))
		if mo > 12 && !g.dayFirstOnly {
			d, mo = mo, d
		}
		if year != "" && len(year) == 2 {
			year = "20" + year
		}
		c, ok := g.dateOf(today, year, time.Month(mo), d)
		if !ok {
			return false
		}
		sp := spec{day: c}
		if year == "" && !(sep == "." && m[12] >= 0) {
			sp.needsWord = true
		}
		de := m[1]
		if year != "" {
			de = end
		}
		add(m[0], de, sp)
		return true
	})

	g.each(g.rel, text, starts, func(m []int) bool {
		if !bounded(text, m[0], m[1]) {
			return false
		}
		word := group(text, m, 1)
		key := norm(word)
		off, ok := g.lex.days[key]
		if !ok {
			return false
		}
		if key == "morgen" && !g.tomorrowMorgen(text, m[0], word) {
			return false
		}
		sp := spec{day: today.add(off)}
		if g.lex.evening[key] {
			sp.h, sp.hasTime = eveningHour, true
		}
		add(m[0], m[1], sp)
		return true
	})

	g.each(g.wd, text, starts, func(m []int) bool {
		if !bounded(text, m[0], m[1]) {
			return false
		}
		wd, ok := g.lex.weekdays[norm(group(text, m, 2))]
		if !ok {
			return false
		}
		delta := (int(wd) - int(today.weekday()) + 7) % 7
		if delta == 0 {
			delta = 7
		}
		c := today.add(delta)
		after := norm(group(text, m, 3))
		switch {
		case contains(g.lex.weekAfter, after):
			monday := today.add(-((int(today.weekday()) + 6) % 7))
			c = monday.add(7 + (int(wd)+6)%7)
		case contains(g.lex.plusWeek, after):
			c = c.add(7)
		}
		add(m[0], m[1], spec{day: c})
		return true
	})

	g.each(g.dur, text, starts, func(m []int) bool {
		if !bounded(text, m[0], m[1]) {
			return false
		}
		word := norm(group(text, m, 1))
		nword := norm(group(text, m, 2))
		n, ok := g.lex.numbers[nword]
		if !ok {
			n = atoi(nword)
		}
		u, ok := g.lex.units[norm(group(text, m, 3))]
		if !ok || n <= 0 {
			return false
		}
		sp := spec{deadline: contains(g.lex.durWithin, word)}
		switch u {
		case unitHour:
			sp.abs, sp.isAbs, sp.hasTime = ref.Add(time.Duration(n)*time.Hour), true, true
		case unitDay:
			sp.day = today.add(n)
		case unitWeek:
			sp.day = today.add(7 * n)
		case unitBusinessDay:
			c := today
			for k := 0; k < n; {
				c = c.add(1)
				if wd := c.weekday(); wd != time.Saturday && wd != time.Sunday {
					k++
				}
			}
			sp.day = c
		}
		add(m[0], m[1], sp)
		return true
	})

	g.each(g.endp, text, starts, func(m []int) bool {
		if !bounded(text, m[0], m[1]) {
			return false
		}
		var c civil
		if m[2] >= 0 {
			c = today.add((int(time.Friday) - int(today.weekday()) + 7) % 7)
		} else {
			c = civil{today.y, today.m + 1, 1}.add(0).add(-1)
		}
		add(m[0], m[1], spec{day: c})
		return true
	})
	return cs
}

// dateOf resolves a day and month with an optional year; without one it is
// the next occurrence on or after today.
func (g *grammar) dateOf(today civil, year string, m time.Month, d int) (civil, bool) {
	if year == "" {
		return upcoming(today, m, d)
	}
	y := atoi(year)
	if !valid(y, m, d) {
		return civil{}, false
	}
	return civil{y, m, d}, true
}

// tomorrowMorgen tells "morgen" (tomorrow) from "Morgen" (morning):
// "Guten Morgen", "am Morgen", "heute Morgen" are mornings, and a capital
// M means tomorrow only at the start of a sentence or after "bis".
func (g *grammar) tomorrowMorgen(text string, at int, word string) bool {
	pre, _ := windowBefore(text, at, 24)
	fields := strings.Fields(pre)
	prev := ""
	if len(fields) > 0 {
		prev = strings.ToLower(fields[len(fields)-1])
	}
	switch prev {
	case "guten", "am", "jeden", "heute", "den", "einen", "diesen", "schönen", "gestern", "morgen":
		return false
	}
	if unicode.IsLower(runeAt(word, 0)) {
		return true
	}
	trimmed := strings.TrimRight(pre, " \t")
	if trimmed == "" || strings.ContainsRune(".!?:\n", runeBefore(trimmed, len(trimmed))) || strings.HasSuffix(pre, "\n") {
		return true
	}
	return g.trigWord.MatchString(prev)
}

func contains(list []string, s string) bool {
	for _, w := range list {
		if norm(w) == s {
			return true
		}
	}
	return false
}

// extend grows a date phrase over the words around it that change its
// meaning: a trigger ("by"), a preposition ("on"), a time before or after
// it, "at the latest" after it. It drops past references. The phrase stays
// within [lo, hi).
func (g *grammar) extend(text string, c cand, lo, hi int, loc *time.Location) (found, bool) {
	sp := c.spec
	ps, pe := c.ds, c.de
	pre, from := windowBefore(text, ps, 60)
	if from < lo {
		pre, from = text[lo:ps], lo
	}
	if g.suffix(g.past, pre) != nil {
		return found{}, false
	}
	if g.pastAfter != nil && g.pastAfter.MatchString(text[pe:hi]) {
		return found{}, false
	}
	hadWord := false
	if m := g.suffix(g.trig, pre); m != nil {
		ps, sp.deadline, hadWord = from+m[2], true, true
	} else {
		if m := g.suffix(g.prep, pre); m != nil {
			ps, hadWord = from+m[2], true
		}
		if !sp.hasTime {
			if m := g.suffix(g.timeBefore, text[from:ps]); m != nil {
				gs := make([]string, timeGroups)
				for i := range gs {
					gs[i] = group(text[from:ps], m, i+2)
				}
				if h, mi, word, ok := parseTime(gs); ok {
					ps, sp.h, sp.mi, sp.hasTime = from+m[2], h, mi, true
					sp.deadline = sp.deadline || endOfDayWords[word]
				}
			}
		}
		if m := g.suffix(g.trig, text[from:ps]); m != nil {
			ps, sp.deadline, hadWord = from+m[2], true, true
		}
	}
	if sp.needsWord && !hadWord {
		return found{}, false
	}
	if !sp.hasTime {
		rest := text[pe:hi]
		if m := g.timeAfter.FindStringSubmatchIndex(rest); m != nil && !isWord(runeAt(rest, m[1])) {
			gs := make([]string, timeGroups)
			for i := range gs {
				gs[i] = group(rest, m, i+2)
			}
			if h, mi, word, ok := parseTime(gs); ok {
				pe, sp.h, sp.mi, sp.hasTime = pe+m[1], h, mi, true
				// "Friday EOD", "heute bis 18 Uhr" are deadlines.
				if endOfDayWords[word] || g.trigWord.MatchString(norm(group(rest, m, 1))) {
					sp.deadline = true
				}
			}
		} else if m := g.umHour.FindStringSubmatchIndex(rest); m != nil && !isWord(runeAt(rest, m[1])) && !strings.ContainsRune(":.", runeAt(rest, m[1])) {
			if h := atoi(group(rest, m, 1)); h <= 23 {
				pe, sp.h, sp.hasTime = pe+m[1], h, true
			}
		} else if n, h, mi, ok := timeApart(rest); ok {
			// "Datum 12.03.2026 Uhrzeit 08:40", "Time: 8:40 am" on the next
			// line, "zwischen 8 und 12 Uhr": the time written apart.
			pe, sp.h, sp.mi, sp.hasTime = pe+n, h, mi, true
		}
	}
	// "vendredi, au plus tard le 18" : the trigger belongs to the next date.
	if m := g.post.FindStringSubmatchIndex(text[pe:hi]); m != nil && (hi == len(text) || g.suffix(g.trig, text[pe:hi]) == nil) {
		pe, sp.deadline = pe+m[3], true
	}
	f := found{start: ps, end: pe, hasTime: sp.hasTime}
	f.Phrase = phrase(text[ps:pe])
	f.Kind = KindDate
	if sp.deadline {
		f.Kind = KindDeadline
	}
	switch {
	case sp.isAbs:
		f.Time = sp.abs.In(loc)
	case sp.hasTime:
		f.Time = time.Date(sp.day.y, sp.day.m, sp.day.d, sp.h, sp.mi, 0, 0, loc)
	default:
		f.Time = time.Date(sp.day.y, sp.day.m, sp.day.d, endOfBusinessHour, 0, 0, 0, loc)
		f.AllDay = true
	}
	return f, true
}

// timesAlone finds deadlines given as a time only: "by 5pm", "EOD",
// "avant midi", "bis 12 Uhr". They fall on ref's day, or the next day when
// that time has passed.
func (g *grammar) timesAlone(text string, starts []wordStart, have []found, ref time.Time, today civil, loc *time.Location) []found {
	covered := func(i, j int) bool {
		for _, f := range have {
			if i < f.end && j > f.start {
				return true
			}
		}
		return false
	}
	var add []found
	g.each(g.timeOnly, text, starts, func(m []int) bool {
		s, e := m[2], m[3]
		if isWord(runeAt(text, e)) || covered(s, e) {
			return false
		}
		gs := make([]string, timeGroups)
		for i := range gs {
			gs[i] = group(text, m, i+3)
		}
		h, mi, word, ok := parseTime(gs)
		if !ok || (m[4] < 0 && !endOfDayWords[word]) {
			return false
		}
		t := time.Date(today.y, today.m, today.d, h, mi, 0, 0, loc)
		if t.Before(ref) {
			c := today.add(1)
			t = time.Date(c.y, c.m, c.d, h, mi, 0, 0, loc)
		}
		add = append(add, found{
			Deadline: Deadline{Time: t, Phrase: phrase(text[s:e]), Kind: KindDeadline},
			start:    s, end: e, hasTime: true,
		})
		return true
	})
	if len(add) == 0 {
		return have
	}
	out := append(have, add...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// dedupe keeps the first of the phrases that say the same thing: same
// instant, same precision, same kind.
func dedupe(fs []found) []found {
	type key struct {
		at     int64
		allDay bool
		kind   string
	}
	out := fs[:0]
	seen := map[key]bool{}
	for _, f := range fs {
		k := key{f.Time.Unix(), f.AllDay, f.Kind}
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// phrase is the matched text on one line, without trailing punctuation.
func phrase(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimRight(s, " ,;:.")
}
