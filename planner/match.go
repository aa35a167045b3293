package planner

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Matcher finds which of the user's interests a text mentions.
//
// Matching is on words, ignoring case and accents:
//   - "go" matches "Go 1.30" and "Go's", not "good" or "golang";
//   - "electricite" matches "Électricité", "cafe" matches "CAFÉ", and letters
//     that Unicode does not decompose are folded too ("lodz" matches "Łódź",
//     "strasse" matches "Straße");
//   - punctuation and hyphens separate words, so "home automation" matches
//     "Home-Automation" and "home automation," but not "homeautomation";
//   - word forms match: plurals ("router" matches "routers", "EV" matches
//     "EVs") and, for words of five letters or more, common English, French
//     and German endings ("cycling" matches "cyclists", "cyclisme" matches
//     "cyclistes", "Fahrrad" matches "Fahrräder"); short words stay whole
//     ("go" does not match "going");
//   - a multi-word interest matches when its words stand near each other, in
//     any order ("electric vehicles" matches "vehicles that are electric");
//   - an interest also matches the words the user adds to it
//     ({topic: electric vehicles, also: [EV]}) and a few built-in related
//     words ("cycling" matches "bike" and "vélo", see related);
//   - '+' and '#' right after a word belong to it, so "C++" and "C#" are
//     interests of their own ("c++" does not match a lone "C", and "C" does not
//     match "C++"), while a leading '#' is punctuation ("golang" matches
//     "#golang");
//   - scripts written without spaces (Chinese, Japanese) match only where the
//     interest stands between spaces or punctuation.
//
// A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	interests []string // as configured, for the result
	// byFirst maps a phrase's first word (in its base form) to the phrases
	// starting with it.
	byFirst map[string][]phrase
}

type phrase struct {
	index int      // into interests
	words []string // base forms
}

// nearBy is how many other words may stand between the words of a
// multi-word interest.
const nearBy = 3

// NewMatcher compiles interests. It returns the interests that have no
// letters or digits and so can never match, for the caller to report.
func NewMatcher(interests []string) (m *Matcher, unusable []string) {
	return NewMatcherAlso(interests, nil)
}

// NewMatcherAlso is NewMatcher with, for some interests, other words or
// phrases that count as mentioning them (user.interests' also).
func NewMatcherAlso(interests []string, also map[string][]string) (m *Matcher, unusable []string) {
	m = &Matcher{byFirst: make(map[string][]phrase, len(interests))}
	seen := make(map[string]bool, len(interests))
	for _, in := range interests {
		words := baseWords(in)
		if len(words) == 0 {
			unusable = append(unusable, in)
			continue
		}
		key := strings.Join(words, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		index := len(m.interests)
		m.interests = append(m.interests, in)
		forms := [][]string{words}
		for _, a := range also[in] {
			if w := baseWords(a); len(w) > 0 {
				forms = append(forms, w)
			}
		}
		for _, group := range related {
			if slices.ContainsFunc(group, func(r string) bool { return strings.Join(baseWords(r), " ") == key }) {
				for _, r := range group {
					forms = append(forms, baseWords(r))
				}
			}
		}
		added := map[string]bool{}
		for _, w := range forms {
			k := strings.Join(w, " ")
			if added[k] {
				continue
			}
			added[k] = true
			m.byFirst[w[0]] = append(m.byFirst[w[0]], phrase{index: index, words: w})
		}
	}
	return m, unusable
}

// related are words and phrases that mean the same to a reader, in
// English, French and German: an interest written as one of them matches
// all of them.
var related = [][]string{
	{"cycling", "cyclist", "bike", "bicycle", "biking", "cyclisme", "cycliste", "velo", "Fahrrad", "Radfahren", "Radfahrer", "Radsport"},
	{"electric vehicle", "electric car", "EV", "voiture electrique", "vehicule electrique", "Elektroauto", "E-Auto", "Elektrofahrzeug"},
	{"running", "runner", "jogging", "course a pied", "Laufen", "Läufer"},
	{"artificial intelligence", "AI", "intelligence artificielle", "künstliche Intelligenz", "KI"},
	{"photography", "photographer", "photographie", "Fotografie", "Fotograf"},
}

// baseWords are the base forms of the words of s.
func baseWords(s string) []string {
	words := tokens(fold(s), nil)
	for i, w := range words {
		words[i] = base(w)
	}
	return words
}

// Len is the number of usable interests.
func (m *Matcher) Len() int { return len(m.interests) }

// Match returns the interests that any of texts mentions, in the order they
// were configured, each once; nil if none.
func (m *Matcher) Match(texts ...string) []string {
	if len(m.interests) == 0 {
		return nil
	}
	hits := make([]bool, len(m.interests))
	n := 0
	for _, t := range texts {
		n += m.mark(t, hits)
	}
	return m.pick(hits, n)
}

// mark sets hits[i] for each interest i that text mentions and returns how
// many it newly set.
func (m *Matcher) mark(text string, hits []bool) int {
	if text == "" {
		return 0
	}
	words := baseWords(text)
	n := 0
	for i, w := range words {
		for _, p := range m.byFirst[w] {
			if !hits[p.index] && near(words, i, p.words[1:]) {
				hits[p.index] = true
				n++
			}
		}
	}
	return n
}

// near reports whether each of rest stands near words[i] (within nearBy
// other words, and more for longer phrases), in any order.
func near(words []string, i int, rest []string) bool {
	if len(rest) == 0 {
		return true
	}
	reach := nearBy + len(rest)
	lo, hi := max(0, i-reach), min(len(words), i+reach+1)
	used := map[int]bool{i: true}
	for _, r := range rest {
		found := false
		for j := lo; j < hi; j++ {
			if !used[j] && words[j] == r {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// base is the base form of a folded word: without a plural "s", and for
// words of five letters or more without a common English, French or
// German ending, keeping at least four letters. Words with digits, '+' or
// '#' and words in scripts other than Latin stay whole.
func base(w string) string {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return w
		}
	}
	if n := len(w); n >= 3 && w[n-1] == 's' && !strings.ContainsRune("su", rune(w[n-2])) && !keepS[w] {
		w = w[:n-1]
		if strings.HasSuffix(w, "ie") && len(w) > 4 {
			w = w[:len(w)-2] + "y"
		}
	}
	if len(w) < 5 {
		return w
	}
	for _, suf := range endings {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 4 {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

// endings are stripped from words of five letters or more, longest first.
var endings = []string{"ations", "ation", "ungen", "istes", "isme", "iste", "ings", "ung", "ing", "ist", "ism", "ers", "er", "en", "es", "e"}

// keepS are words whose final "s" is no plural.
var keepS = map[string]bool{"news": true, "gas": true, "bus": true, "lens": true, "chaos": true, "series": true,
	"species": true, "kubernetes": true, "postgres": true, "nats": true, "ios": true, "macos": true, "aws": true,
	"dns": true, "tls": true, "https": true, "js": true, "os": true, "cors": true, "always": true, "this": true,
	"was": true, "has": true, "its": true, "yes": true, "sans": true, "dans": true, "alors": true,
	"plus": true, "mais": true, "jamais": true, "les": true, "des": true, "mes": true, "tes": true, "ses": true, "ces": true}

func (m *Matcher) pick(hits []bool, n int) []string {
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for i, hit := range hits {
		if hit {
			out = append(out, m.interests[i])
		}
	}
	return out
}

// fold lowercases s and removes accents. ASCII text, the common case, costs
// at most one copy.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return foldUnicode(s)
		}
	}
	return strings.ToLower(s)
}

// foldUnicode decomposes s (NFKD: "é" becomes "e" and a combining mark,
// compatibility forms such as "ﬁ" or full-width letters become plain ones),
// drops the combining marks (category Mn) and lowercases what is left.
//
// Runes are decomposed one at a time: the decomposition of a string is the
// concatenation of its runes' decompositions up to the order of combining
// marks, and those are dropped anyway.
func foldUnicode(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		p := norm.NFKD.PropertiesString(s[i:])
		size := p.Size()
		if size == 0 { // invalid UTF-8: skip a byte
			size = 1
		}
		if d := p.Decomposition(); d != nil {
			for len(d) > 0 {
				r, n := utf8.DecodeRune(d)
				d = d[n:]
				foldRune(&b, r)
			}
		} else if r, _ := utf8.DecodeRuneInString(s[i:]); hangulFirst <= r && r <= hangulLast {
			decomposeHangul(&b, r)
		} else {
			foldRune(&b, r)
		}
		i += size
	}
	return b.String()
}

// Hangul syllables decompose by a formula rather than a table (Unicode
// 3.12), so norm's Properties has no decomposition for them.
const (
	hangulFirst = 0xAC00
	hangulLast  = 0xD7A3
)

func decomposeHangul(b *strings.Builder, r rune) {
	i := r - hangulFirst
	b.WriteRune(0x1100 + i/588)      // leading consonant
	b.WriteRune(0x1161 + (i%588)/28) // vowel
	if t := i % 28; t != 0 {
		b.WriteRune(0x11A7 + t) // trailing consonant
	}
}

func foldRune(b *strings.Builder, r rune) {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteByte(byte(r))
		return
	}
	if unicode.Is(unicode.Mn, r) {
		return
	}
	r = unicode.ToLower(r)
	if f := foldLetter(r); f != "" {
		b.WriteString(f)
		return
	}
	b.WriteRune(r)
}

// foldLetter spells lowercase letters that have no Unicode decomposition
// but that people write without their mark; "" for others.
func foldLetter(r rune) string {
	switch r {
	case 'ł', 'ŀ':
		return "l"
	case 'ø':
		return "o"
	case 'đ', 'ð':
		return "d"
	case 'ħ':
		return "h"
	case 'ı':
		return "i"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	case 'ß':
		return "ss"
	case 'þ':
		return "th"
	}
	return ""
}

// nextWord finds the first word in s at or after index i and returns its
// bounds, or -1, -1 if there is none. A word is a run of letters and digits
// with any '+' or '#' that directly follows it ("c++", "c#").
func nextWord(s string, i int) (start, end int) {
	start = -1
	for i < len(s) {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			break
		}
		i += size
	}
	if start < 0 {
		return -1, -1
	}
	for i < len(s) && (s[i] == '+' || s[i] == '#') {
		i++
	}
	return start, i
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// tokens appends the words of s to dst.
func tokens(s string, dst []string) []string {
	for i := 0; ; {
		start, end := nextWord(s, i)
		if start < 0 {
			return dst
		}
		dst = append(dst, s[start:end])
		i = end
	}
}
