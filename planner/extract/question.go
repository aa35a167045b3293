package extract

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/agentd/agentd/internal/lazyre"
)

// maxSentence bounds the sentence Question returns.
const maxSentence = 300

var (
	// sentenceEnd splits a paragraph after ., ! or ? (and closing quotes)
	// followed by a blank: a "?" inside a URL does not end a sentence.
	sentenceEnd = lazyre.New(`[.!?…]+["'»”’)\]]*(?:\s+|$)`)
	// greeting is a short salutation or closing line ending with a comma:
	// "Hi Bob,", "Bonjour Marie,", "Viele Grüße,".
	greeting = lazyre.New(`^\S+(?:\s+\S+){0,4},$`)

	requestPhrases = map[string]string{
		"en": `(?:could|can|would|will)\s+you|please\s+(?:send|confirm|review|let|advise|check|sign|reply|respond|approve|provide|share|update|call|get\s+back|forward|complete|fill|submit|return|book|schedule|arrange|pay|transfer|remind|tell|give|look|have\s+a\s+look|take\s+a\s+look|add|remove|fix|prepare|make\s+sure|ensure|verify|acknowledge|read|ping|contact|email|e-mail|come|bring|join|sort|handle|organi[sz]e)|let\s+me\s+know|i\s+need\s+you\s+to|(?:i|we)(?:'d|’d|\s+would)\s+(?:appreciate|be\s+grateful)|kindly\s+\p{L}+`,
		"fr": `pourriez[- ]vous|pouvez[- ]vous|peux[- ]tu|pourrais[- ]tu|tu\s+pourrais|vous\s+pourriez|est[- ]ce\s+que\s+(?:tu|vous)\s+(?:peux|pouvez|pourrais|pourriez)|dites[- ]moi|dis[- ]moi|tiens[- ]moi\s+au\s+courant|tenez[- ]moi\s+au\s+courant|j['’]attends\s+(?:ton|votre)\s+retour|je\s+vous\s+prie\s+de|merci\s+de\s+(?:bien\s+|me\s+|m['’]|nous\s+|lui\s+|leur\s+|ne\s+|n['’]|le\s+|la\s+|les\s+|l['’])*\p{L}+(?:er|ir|re|oir)(?:[^\p{L}]|$)|veuillez\s+\p{L}+`,
		"de": `könnten\s+sie|können\s+sie|kannst\s+du|könntest\s+du|würden\s+sie|würdest\s+du|wären\s+sie\s+so|könnt\s+ihr|könntet\s+ihr|bescheid|melde\s+dich|melden\s+sie\s+sich|ich\s+bitte\s+um|bitte\s+\p{L}+`,
	}
	requests = lazyByLang(func(lang string) *regexp.Regexp {
		if p, ok := requestPhrases[lang]; ok {
			return requestRe(p)
		}
		return requestRe(requestPhrases["en"] + "|" + requestPhrases["fr"] + "|" + requestPhrases["de"])
	})
	// notRequests are polite formulas that look like requests.
	notRequests = lazyre.New(`(?i)please\s+let\s+me\s+know\s+if\s+you\s+have\s+any\s+questions|let\s+me\s+know\s+if\s+(?:you\s+have\s+any|there\s+are\s+any|you\s+need\s+any)|merci\s+de\s+(?:votre|vos|ta|ton|tes|notre|cette|ce)\s|veuillez\s+(?:trouver|noter|agréer|recevoir)|bitte\s+(?:beachten|beachte|beachtet|finden|anbei|entnehmen|sehr|schön|gern|gerne|keine)(?:[^\p{L}]|$)`)
)

func requestRe(phrases string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:` + phrases + `)`)
}

// Question reports whether the sender of text asks the reader something or
// requests something, and returns the first such sentence. Quoted text,
// everything below a reply header or "-----Original Message-----" and the
// signature are ignored (see Unquoted). Telling automated mail apart is the
// caller's job. lang ("en", "fr", "de", "" for all) chooses the request
// phrases; a "?" ends a question in any language.
func Question(text, lang string) (bool, string) {
	lang = strings.ToLower(lang)
	if len(lang) > 2 {
		lang = lang[:2]
	}
	req := requests.get(lang)
	body := Unquoted(text)
	for _, para := range paragraphs(body) {
		for _, s := range sentences(para) {
			t := strings.TrimRight(s, " \t\"'»”’)]")
			if strings.HasSuffix(t, "?") || strings.HasSuffix(t, "？") {
				return true, clip(s)
			}
			if req.MatchString(s) && !onlyPolite(req, s) {
				return true, clip(s)
			}
		}
	}
	return false, ""
}

// onlyPolite reports whether every request phrase in s is a polite formula.
func onlyPolite(req *regexp.Regexp, s string) bool {
	return !req.MatchString(notRequests.ReplaceAllString(s, " "))
}

// paragraphs splits text at blank lines and after salutation lines, and
// joins the wrapped lines of each paragraph.
func paragraphs(text string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			flush()
		case greeting.MatchString(line):
			flush()
		default:
			cur = append(cur, line)
		}
	}
	flush()
	return out
}

func sentences(para string) []string {
	var out []string
	last := 0
	for _, m := range sentenceEnd.FindAllStringIndex(para, -1) {
		if s := strings.TrimSpace(para[last:m[1]]); s != "" {
			out = append(out, s)
		}
		last = m[1]
	}
	if s := strings.TrimSpace(para[last:]); s != "" {
		out = append(out, s)
	}
	return out
}

func clip(s string) string {
	if len(s) <= maxSentence {
		return s
	}
	s = s[:maxSentence]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
