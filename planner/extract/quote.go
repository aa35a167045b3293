package extract

import (
	"strings"

	"github.com/agentd/agentd/internal/lazyre"
)

var (
	// originalMarker starts the copy of the mail being answered or
	// forwarded by Outlook and similar clients.
	originalMarker = lazyre.New(`(?i)^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|urspr\S*ngliche nachricht|message d'origine|message d’origine|message original)\s*-{2,}\s*$`)
	// replyHeader is "On <date>, <who> wrote:" and its French and German
	// forms, which clients may wrap over up to three lines.
	replyHeader = lazyre.New(`(?s)^\s*(?:On|Le|Am)\s.{0,300}(?:wrote|a écrit|a ecrit|schrieb[^\n]{0,200}?)\s*:\s*$`)
	// outlookHeader is the "From: … Sent: …" block Outlook puts above the
	// quoted mail, often after a line of underscores.
	outlookFrom = lazyre.New(`^\s*\*?(?:From|De|Von)\s?:\*?\s`)
	outlookSent = lazyre.New(`^\s*\*?(?:Sent|Date|Envoyé|Gesendet|Datum)\s?:\*?\s`)
	underscores = lazyre.New(`^\s*_{10,}\s*$`)
)

// Unquoted is the text the sender wrote in this mail: it stops at the
// signature separator ("-- "), at a reply header ("On … wrote:", "Le … a
// écrit :", "Am … schrieb …:"), at "-----Original Message-----" and its
// French and German forms and at an Outlook "From:/Sent:" block, and leaves
// out lines quoted with ">". Only the first maxText bytes are read.
func Unquoted(text string) string {
	if len(text) > maxText {
		text = text[:maxText]
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	var kept []string
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "-- " || line == "--" || originalMarker.MatchString(line) {
			break
		}
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), ">") {
			continue
		}
		if isReplyHeader(lines[i:]) {
			break
		}
		if underscores.MatchString(line) && i+1 < len(lines) && outlookFrom.MatchString(lines[i+1]) {
			break
		}
		if outlookFrom.MatchString(line) && isOutlookBlock(lines[i+1:]) {
			break
		}
		kept = append(kept, line)
	}
	return strings.Join(kept, "\n")
}

func isReplyHeader(lines []string) bool {
	first := strings.TrimLeft(lines[0], " \t")
	if !strings.HasPrefix(first, "On ") && !strings.HasPrefix(first, "Le ") && !strings.HasPrefix(first, "Am ") {
		return false
	}
	for n := 1; n <= 3 && n <= len(lines); n++ {
		if replyHeader.MatchString(strings.Join(lines[:n], "\n")) {
			return true
		}
	}
	return false
}

func isOutlookBlock(next []string) bool {
	for i := 0; i < len(next) && i < 3; i++ {
		if outlookSent.MatchString(next[i]) {
			return true
		}
	}
	return false
}
