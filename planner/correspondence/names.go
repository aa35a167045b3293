package correspondence

import (
	"regexp"
	"strings"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/planner/extract"
)

// ListMail reports a mailing-list mail (List-Id, List-Post, Precedence:
// list), as opposed to a newsletter or a robot: people write to lists, and
// may ask one member something.
func ListMail(m event.Mail) bool {
	if !m.Automated {
		return false
	}
	r := strings.ToLower(m.AutomatedReason)
	return strings.Contains(r, "list-id") || strings.Contains(r, "list-post") || strings.Contains(r, "precedence: list") || strings.Contains(r, "mailing list")
}

// bulkLocalParts are sender local parts (lower case prefixes) of
// newsletters and shops, which may carry a List-Id too: "Alice, ready for
// winter?" from news@shop.example is marketing, not a list member asking.
var bulkLocalParts = []string{
	"noreply", "no-reply", "no_reply", "donotreply", "newsletter", "news", "marketing", "info", "hello",
	"team", "offers", "promo", "deals", "contact", "mailer", "bounce", "notification", "notify",
}

// bulkSender reports a sender address of a newsletter or a shop.
func bulkSender(addr string) bool {
	local, _, _ := strings.Cut(strings.ToLower(addr), "@")
	for _, p := range bulkLocalParts {
		if strings.HasPrefix(local, p) {
			return true
		}
	}
	return false
}

// Names recognizes the user in text: their full name, first name (of
// three letters or more) or one of their addresses, as a word.
type Names struct {
	res []*regexp.Regexp
}

// NewNames compiles the user's name and addresses.
func NewNames(name string, addrs []string) Names {
	var n Names
	word := func(prefix, s string, fold bool) {
		flags := ""
		if fold {
			flags = "(?i)"
		}
		if re, err := regexp.Compile(flags + `(^|` + prefix + `)` + regexp.QuoteMeta(s) + `($|[^\p{L}\p{N}@])`); err == nil {
			n.res = append(n.res, re)
		}
	}
	// A name shorter than three letters ("Al", "Li") is only itself with
	// its capital: "al" and "li" are words too.
	long := func(s string) bool { return len([]rune(s)) >= 3 }
	if name = strings.Join(strings.Fields(name), " "); name != "" {
		word(`[^\p{L}\p{N}]`, name, long(name)) // "@Alice Martin" names her too
		if first, _, ok := strings.Cut(name, " "); ok && long(first) {
			word(`[^\p{L}\p{N}]`, first, true)
		}
	}
	for _, a := range addrs {
		if a = strings.TrimSpace(a); a != "" {
			word(`[^\p{L}\p{N}@.]`, a, true)
		}
	}
	return n
}

// Asks returns the first sentence of text that names the user and asks
// something (a "?" ends it), outside the greeting and the quoted mail:
// "Alice, could you review patch v2?" does, "Hello Alice," atop a
// newsletter does not.
func (n Names) Asks(text string) (string, bool) {
	if len(n.res) == 0 {
		return "", false
	}
	greeting := true
	for _, line := range strings.Split(extract.Unquoted(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, ">") {
			continue
		}
		if greeting {
			greeting = false
			if len([]rune(line)) <= 40 && strings.ContainsAny(line[len(line)-1:], ",!:") {
				continue // "Hello Alice," "Bonjour Alice !" "Liebe Alice,"
			}
		}
		for _, sentence := range strings.SplitAfter(line, "?") {
			if !strings.HasSuffix(sentence, "?") {
				continue
			}
			for _, re := range n.res {
				if !re.MatchString(sentence) {
					continue
				}
				// "The patch is out. Alice, could you review it?": the
				// question is the last sentence, when it names her.
				if i := strings.LastIndexAny(sentence, ".!"); i >= 0 && re.MatchString(sentence[i+1:]) {
					sentence = sentence[i+1:]
				}
				return strings.TrimSpace(sentence), true
			}
		}
	}
	return "", false
}
