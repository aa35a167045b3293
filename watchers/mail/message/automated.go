package message

import (
	"strings"
	"unicode/utf8"
)

// bulkHeaderPrefixes are header names (lower-case prefixes) that bulk-mail
// services add; a person's mail client never does.
var bulkHeaderPrefixes = []string{
	"x-mailchimp-", "x-mc-user", "x-campaign", "x-mailgun-", "x-sg-eid",
	"x-sfmc-", "x-marketo", "x-csa-complaints", "x-newsletter", "x-msfbl",
	"x-mj-", "x-mailjet-", "x-sib-", "x-ems-", "x-rpcampaign", "x-ses-outgoing",
	"x-pm-message-id", "x-listmember", "x-hs-", "x-mailer-recptid", "x-binding",
	"x-github-reason", "x-gitlab-", "x-jira-", "x-bugzilla-",
}

// bulkMailers are X-Mailer values (lower-case substrings) of list software.
var bulkMailers = []string{"mailchimp", "phplist", "sendinblue", "mailpoet", "newsletter", "campaign", "mailerlite", "sendgrid"}

// robotLocalParts are sender local parts (lower-case, without '.', '-',
// '_' and any +tag) that no person answers; matched as prefixes.
var robotLocalParts = []string{
	"noreply", "donotreply", "dontreply", "nereply", "nepasrepondre", "nepasreponder",
	"keineantwort", "mailerdaemon", "postmaster", "bounce", "notification", "notify",
	"newsletter", "alert", "automated", "autoreply", "autoresponder", "digest",
}

// autoReplySubjects are subject prefixes (lower-case) of out-of-office
// replies and bounces whose senders forgot the Auto-Submitted header.
var autoReplySubjects = []string{
	"automatic reply:", "auto reply:", "autoreply:", "auto-reply:", "out of office",
	"automatische antwort", "abwesenheitsnotiz", "réponse automatique", "reponse automatique",
	"absence du bureau", "undeliverable:", "undelivered mail", "delivery status notification",
	"mail delivery failed", "returned mail:", "unzustellbar:", "non remis:",
}

// fill collects the bulk markers of a header.
func (l *ListInfo) fill(fs fields) {
	if id := fs.get("List-Id"); id != "" {
		ids := parseMsgIDs(id, 1)
		if i, j := strings.IndexByte(id, '<'), strings.LastIndexByte(id, '>'); i >= 0 && j > i {
			l.ID = cleanID(id[i+1 : j])
		} else if len(ids) > 0 {
			l.ID = ids[0]
		} else {
			l.ID = cleanLine(toUTF8(id))
		}
	}
	l.Unsubscribe = cleanLine(toUTF8(fs.get("List-Unsubscribe")))
	l.UnsubscribePost = cleanLine(toUTF8(fs.get("List-Unsubscribe-Post")))
	l.Precedence = strings.ToLower(cleanLine(toUTF8(fs.get("Precedence"))))
	l.AutoSubmitted = strings.ToLower(cleanLine(toUTF8(fs.get("Auto-Submitted"))))
	l.AutoResponseSuppress = cleanLine(toUTF8(fs.get("X-Auto-Response-Suppress")))
	l.FeedbackID = cleanLine(toUTF8(fs.get("Feedback-Id")))
	seen := map[string]bool{}
	for _, f := range fs {
		lk := strings.ToLower(f.key)
		if lk == "x-autoreply" || lk == "x-autorespond" {
			l.AutoReply = true
		}
		marker := ""
		for _, p := range bulkHeaderPrefixes {
			if strings.HasPrefix(lk, p) {
				marker = f.key
				break
			}
		}
		if lk == "x-mailer" {
			v := strings.ToLower(f.value)
			for _, b := range bulkMailers {
				if strings.Contains(v, b) {
					marker = "X-Mailer: " + cleanLine(toUTF8(f.value))
					break
				}
			}
		}
		if marker != "" && !seen[marker] && len(l.Markers) < 10 {
			seen[marker] = true
			l.Markers = append(l.Markers, marker)
		}
	}
}

// IsAutomated tells whether the mail was sent by a machine or to a list
// rather than written by a person to the user: newsletters, mailing lists,
// notifications, no-reply senders, marketing, bounces and auto-replies.
// reason is one line for the planner's "why", naming the evidence.
func (m *Message) IsAutomated() (automated bool, reason string) {
	switch m.Report {
	case "delivery-status":
		return true, "delivery status notification (multipart/report)"
	case "disposition-notification":
		return true, "read receipt (multipart/report)"
	case "":
	default:
		return true, "automated report (multipart/report; report-type=" + m.Report + ")"
	}
	l := m.List
	if l.AutoSubmitted != "" && !strings.HasPrefix(l.AutoSubmitted, "no") {
		return true, "Auto-Submitted: " + l.AutoSubmitted
	}
	if m.ReturnPath == "<>" {
		return true, "empty Return-Path (bounce or auto-reply)"
	}
	if l.AutoReply {
		return true, "auto-reply header (X-Autoreply)"
	}
	switch l.Precedence {
	case "bulk", "list", "junk", "auto_reply":
		return true, "Precedence: " + l.Precedence
	}
	if l.ID != "" {
		return true, "mailing list (List-Id: " + l.ID + ")"
	}
	if l.Unsubscribe != "" {
		return true, "newsletter (has List-Unsubscribe)"
	}
	if len(l.Markers) > 0 {
		return true, "bulk-mail header " + l.Markers[0]
	}
	if l.FeedbackID != "" {
		return true, "bulk sender (Feedback-ID)"
	}
	if s := strings.ToLower(l.AutoResponseSuppress); s != "" && s != "none" {
		return true, "X-Auto-Response-Suppress: " + l.AutoResponseSuppress
	}
	senders := append([]Address(nil), m.From...)
	if m.Sender != nil {
		senders = append(senders, *m.Sender)
	}
	for _, a := range senders {
		if isRobotAddress(a.Email) {
			return true, "no-reply sender " + a.Email
		}
	}
	subj := strings.ToLower(m.Subject)
	for _, p := range autoReplySubjects {
		if strings.HasPrefix(subj, p) {
			return true, "auto-reply subject " + quoteShort(m.Subject)
		}
	}
	return false, ""
}

// isRobotAddress reports addresses like no-reply@, do_not_reply@,
// mailer-daemon@, notifications@, bounces+123@.
func isRobotAddress(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return false
	}
	local := strings.ToLower(email[:at])
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	local = strings.NewReplacer(".", "", "-", "", "_", "").Replace(local)
	if local == "news" {
		return true
	}
	for _, p := range robotLocalParts {
		if strings.HasPrefix(local, p) {
			return true
		}
	}
	return false
}

func quoteShort(s string) string {
	const max = 60
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return "\"" + s + "\""
}
