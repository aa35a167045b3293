package message

import (
	"strings"
	"unicode"
)

// stopWords are frequent words that are rare in the other two languages.
var stopWords = map[string]map[string]bool{
	"en": set("the", "and", "you", "is", "for", "that", "it", "with", "this", "be", "are", "we",
		"your", "have", "will", "can", "please", "thanks", "would", "from", "of", "to", "on", "at"),
	"fr": set("le", "la", "les", "et", "des", "est", "pour", "vous", "une", "que", "qui", "dans",
		"nous", "pas", "sur", "avec", "merci", "bonjour", "du", "ce", "au", "je", "votre", "sont"),
	"de": set("der", "die", "das", "und", "ist", "nicht", "sie", "ich", "mit", "für", "auf", "den",
		"ein", "eine", "wir", "bitte", "zu", "von", "es", "dem", "danke", "ihr", "sind", "auch"),
}

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// maxLanguageBytes bounds the text looked at; the start of a mail is
// enough to tell its language.
const maxLanguageBytes = 4 << 10

// guessLanguage returns "en", "fr" or "de" when the stop words of one
// language clearly dominate the subject and text, else "".
func guessLanguage(subject, text string) string {
	var counts [3]int
	langs := [3]string{"en", "fr", "de"}
	check := func(w string) {
		if len(w) > 8 {
			return // longer than any stop word
		}
		w = strings.ToLower(w)
		for k, l := range langs {
			if stopWords[l][w] {
				counts[k]++
			}
		}
	}
	count := func(s string) {
		if len(s) > maxLanguageBytes {
			s = s[:maxLanguageBytes]
		}
		start := -1
		for i, r := range s {
			switch {
			case unicode.IsLetter(r):
				if start < 0 {
					start = i
				}
			case start >= 0:
				check(s[start:i])
				start = -1
			}
		}
		if start >= 0 {
			check(s[start:])
		}
	}
	count(subject)
	count(text)
	best, second, lang := 0, 0, ""
	for k, n := range counts {
		switch {
		case n > best:
			best, second, lang = n, best, langs[k]
		case n > second:
			second = n
		}
	}
	if best < 3 || best*2 < second*3 {
		return ""
	}
	return lang
}
