package correspondence

import (
	"regexp"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/planner/extract"
)

// Out-of-office replies are not answers: the user's question is still
// open, and asking again makes sense once the person is back.

// awaySubjects are subject prefixes (lower case) of out-of-office replies;
// those ending in ':' need the colon ("Out of office next week" is a
// colleague's subject, "Out of Office: Contract" an auto-reply's), the
// others are a machine's words as they stand.
var awaySubjects = []string{
	"automatic reply", "auto reply:", "autoreply:", "auto-reply:", "out of office:", "ooo:",
	"réponse automatique", "reponse automatique", "absent:", "absente:", "absence du bureau:",
	"automatische antwort", "abwesenheitsnotiz", "abwesend:",
}

// awayText finds an out-of-office message: "I am out of the office", "on
// annual leave", "je suis absent", "en congés", "ich bin nicht im Büro",
// "im Urlaub".
var awayText = regexp.MustCompile(`(?i)\b(out of (the )?office|on (annual |parental |sick |maternity |paternity )?leave|on (vacation|holiday)|away from (the office|my desk)|limited access to (my )?e-?mails?|je suis (actuellement |en ce moment )?(absente?|en congés?|en vacances|en déplacement)|absente? du bureau|en congés?\b|ich bin (derzeit |zurzeit |aktuell |momentan )?(nicht im büro|abwesend|im urlaub|außer haus|nicht erreichbar)|abwesenheit|im urlaub)`)

// awayNow is awayText said of the writer now ("I am out of the office",
// "je suis en congés", "ich bin im Urlaub"), not "I was on vacation" nor
// "I will be on leave next week".
var awayNow = regexp.MustCompile(`(?i)\b(i am|i'm|je suis|ich bin|bin ich)\b(?:[^.!?\n]|\d\.){0,40}(out of (the )?office|on (\w+ )?leave|on (vacation|holiday)|away\b|absente?\b|en congés?|en vacances|nicht im büro|abwesend|im urlaub|außer haus)`)

// maxAwayText: an out-of-office reply is short; a long mail that mentions
// a holiday is a person writing.
const maxAwayText = 1200

// awayReply reports whether the mail is an out-of-office reply: its subject
// says so, or it is a reply whose short text says so (with the auto-reply
// headers, or opening with it).
func awayReply(m event.Mail) bool {
	subj := strings.ToLower(strings.TrimSpace(m.Subject))
	for _, p := range awaySubjects {
		if strings.HasPrefix(subj, p) {
			return true
		}
		if strings.HasSuffix(p, ":") && strings.HasPrefix(subj, strings.TrimSuffix(p, ":")+" :") {
			return true // French spacing: "Absent :"
		}
	}
	text := extract.Unquoted(m.Text)
	if len(text) > maxAwayText {
		return false
	}
	now := awayNow.FindStringIndex(text)
	if m.Automated && autoReplyReason(m.AutomatedReason) && (now != nil || awayText.MatchString(text)) {
		return true
	}
	// Without the headers: a reply that opens saying so.
	replying := len(m.InReplyTo) > 0 || len(m.References) > 0
	return replying && now != nil && now[0] < 200
}

// autoReplyReason: the watcher's reason says a machine answered.
func autoReplyReason(reason string) bool {
	r := strings.ToLower(reason)
	return strings.Contains(r, "auto-repl") || strings.Contains(r, "autoreply") || strings.Contains(r, "auto_reply") ||
		strings.Contains(r, "return-path") || strings.Contains(r, "auto-submitted")
}

// maxAway bounds a return date: further than this is not a holiday.
const maxAway = 180 * 24 * time.Hour

// backOn is the last date an out-of-office reply gives ("until 14
// December", "de retour le 15/12", "ab dem 14.12."), or zero.
func backOn(m event.Mail, written time.Time, loc *time.Location) time.Time {
	var back time.Time
	for _, d := range extract.Deadlines(extract.Unquoted(m.Text), m.Language, written, loc) {
		if d.Time.After(written) && d.Time.Sub(written) <= maxAway && d.Time.After(back) {
			back = d.Time
		}
	}
	return back
}

// afterReturn is when to follow up with someone back on back: 09:00 the
// day after, so they have a day to catch up.
func afterReturn(back time.Time, loc *time.Location) time.Time {
	b := back.In(loc)
	return time.Date(b.Year(), b.Month(), b.Day()+1, remindHour, 0, 0, 0, loc)
}
