package correspondence

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// replyPrefixes are the reply and forward markers mail clients put before
// a subject, in lower case: English, German (AW, WG), French (TR, Réf),
// Nordic (SV, VS), Dutch (Antw), Italian, Spanish, Portuguese, Polish,
// Turkish and Chinese.
var replyPrefixes = []string{
	"re", "fw", "fwd", "aw", "wg", "tr", "réf", "ref", "sv", "vs", "antw", "antwort",
	"rif", "r", "i", "rv", "enc", "res", "odp", "pd", "ynt", "ilt", "回复", "回覆", "转发", "答复",
}

// NormalizeSubject strips reply/forward prefixes ("Re:", "Fwd:", "AW:",
// "WG:", "TR:", "Réf. :", "SV:", "Antw:", "Re[2]:"), mailing-list tags
// ("[dev]") and extra whitespace, repeatedly, so the subjects of one
// thread compare equal (use strings.EqualFold). Threading is the planner's
// business: the watchers publish a subject as written, so this lives here
// rather than in the watchers' MIME parser.
func NormalizeSubject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for {
		before := s
		s = strings.TrimSpace(s)
		if rest, ok := cutReplyPrefix(s); ok {
			s = rest
			continue
		}
		if rest, ok := cutTag(s); ok {
			s = rest
			continue
		}
		if rest, ok := cutAwayPrefix(s); ok {
			s = rest
			continue
		}
		if s == before {
			return s
		}
	}
}

// cutReplyPrefix removes one "Re:"-like prefix, with an optional counter
// ("Re[2]:", "Re(2):", "Re^2:") and an optional space or dot before the
// colon ("Réf. :").
func cutReplyPrefix(s string) (string, bool) {
	end := 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if !unicode.IsLetter(r) {
			break
		}
		end += size
	}
	if end == 0 || end > 12 {
		return s, false
	}
	word := strings.ToLower(s[:end])
	known := false
	for _, p := range replyPrefixes {
		if word == p {
			known = true
			break
		}
	}
	if !known {
		return s, false
	}
	rest := s[end:]
	if len(rest) > 0 && (rest[0] == '[' || rest[0] == '(') {
		closer := byte(']')
		if rest[0] == '(' {
			closer = ')'
		}
		if j := strings.IndexByte(rest, closer); j > 1 && isDigits(rest[1:j]) {
			rest = rest[j+1:]
		}
	} else if len(rest) > 1 && rest[0] == '^' {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		rest = rest[j:]
	}
	rest = strings.TrimPrefix(rest, ".")
	rest = strings.TrimLeft(rest, " ")
	switch {
	case strings.HasPrefix(rest, ":"):
		return rest[1:], true
	case strings.HasPrefix(rest, "："):
		return rest[len("："):], true
	}
	return s, false
}

// cutTag removes a leading "[tag]" (a list name, "[EXTERNAL]") and
// unwraps a whole subject in brackets ("[Fwd: Lunch]").
func cutTag(s string) (string, bool) {
	if !strings.HasPrefix(s, "[") {
		return s, false
	}
	j := strings.IndexByte(s, ']')
	if j < 0 {
		return s, false
	}
	inner := s[1:j]
	if j == len(s)-1 {
		if _, ok := cutReplyPrefix(strings.TrimSpace(inner)); ok {
			return inner, true // "[Fwd: Lunch]"
		}
		return s, false // the whole subject is a bracketed text: keep it
	}
	if strings.TrimSpace(s[j+1:]) == "" {
		return s, false
	}
	return s[j+1:], true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// cutAwayPrefix removes an out-of-office reply's prefix ("Automatic reply:",
// "Réponse automatique :", "Abwesend:"), so the reply joins the thread of
// the mail it answers even without In-Reply-To.
func cutAwayPrefix(s string) (string, bool) {
	for _, p := range awaySubjects {
		p = strings.TrimSuffix(p, ":")
		if len(s) <= len(p) || !strings.EqualFold(s[:len(p)], p) {
			continue
		}
		rest := strings.TrimLeft(s[len(p):], " \u00a0")
		if strings.HasPrefix(rest, ":") {
			return strings.TrimSpace(rest[1:]), true
		}
	}
	return s, false
}
