package planner

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Matcher finds which of the user's interests a text mentions.
//
// Matching is on whole words, ignoring case and accents:
//   - "go" matches "Go 1.30" and "Go's", not "good" or "golang";
//   - "electricite" matches "Électricité", "cafe" matches "CAFÉ", and letters
//     that Unicode does not decompose are folded too ("lodz" matches "Łódź",
//     "strasse" matches "Straße");
//   - punctuation and hyphens separate words, so "home automation" matches
//     "Home-Automation" and "home automation," but not "homeautomation";
//   - a multi-word interest matches only as a phrase, words in that order;
//   - '+' and '#' right after a word belong to it, so "C++" and "C#" are
//     interests of their own ("c++" does not match a lone "C", and "C" does not
//     match "C++"), while a leading '#' is punctuation ("golang" matches
//     "#golang");
//   - no stemming: "router" does not match "routers" (list both);
//   - scripts written without spaces (Chinese, Japanese) match only where the
//     interest stands between spaces or punctuation.
//
// A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	interests []string // as configured, for the result
	// byFirst maps an interest's first word to the interests starting with it.
	byFirst map[string][]phrase
}

type phrase struct {
	index int      // into interests
	words []string // normalized
}

// NewMatcher compiles interests. It returns the interests that have no
// letters or digits and so can never match, for the caller to report.
func NewMatcher(interests []string) (m *Matcher, unusable []string) {
	m = &Matcher{byFirst: make(map[string][]phrase, len(interests))}
	seen := make(map[string]bool, len(interests))
	for _, in := range interests {
		words := tokens(fold(in), nil)
		if len(words) == 0 {
			unusable = append(unusable, in)
			continue
		}
		key := strings.Join(words, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		m.byFirst[words[0]] = append(m.byFirst[words[0]], phrase{index: len(m.interests), words: words})
		m.interests = append(m.interests, in)
	}
	return m, unusable
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
	s := fold(text)
	n := 0
	for i := 0; ; {
		start, end := nextWord(s, i)
		if start < 0 {
			return n
		}
		for _, p := range m.byFirst[s[start:end]] {
			if !hits[p.index] && phraseAt(s, end, p.words[1:]) {
				hits[p.index] = true
				n++
			}
		}
		i = end
	}
}

// phraseAt reports whether the words of s from index i on begin with words.
func phraseAt(s string, i int, words []string) bool {
	for _, w := range words {
		start, end := nextWord(s, i)
		if start < 0 || s[start:end] != w {
			return false
		}
		i = end
	}
	return true
}

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
