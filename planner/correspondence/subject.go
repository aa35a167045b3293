package correspondence

import (
	"strings"

	"github.com/agentd/agentd/event"
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
		if rest, ok := event.CutSubjectPrefix(s, replyPrefixes); ok {
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
		if _, ok := event.CutSubjectPrefix(strings.TrimSpace(inner), replyPrefixes); ok {
			return inner, true // "[Fwd: Lunch]"
		}
		return s, false // the whole subject is a bracketed text: keep it
	}
	if strings.TrimSpace(s[j+1:]) == "" {
		return s, false
	}
	return s[j+1:], true
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
