package mail

import (
	"regexp"
	"strings"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/watchers/internal/ics"
	"github.com/agentd/agentd/watchers/mail/message"
)

// Bounds on a bounce's fields.
const (
	maxBounced     = 10
	maxDiagnostic  = 300 // runes
	maxBounceScan  = 8000
	maxBounceLines = 200
)

// bounceSubject finds the subjects of delivery failure reports that come
// without multipart/report (Exim, qmail, Exchange's NDRs, in English,
// French and German).
var bounceSubject = regexp.MustCompile(`(?i)^\s*(undeliverable|undelivered mail|mail delivery failed|delivery status notification \(failure\)|delivery failure|failure notice|returned mail|unzustellbar|nicht zustellbar|non remis|échec de (la )?remise|echec de (la )?remise|message non délivré|unable to deliver)`)

// bounceFailure finds the words a server uses for an address that does not
// exist or refuses mail.
var bounceFailure = regexp.MustCompile(`(?i)(user unknown|unknown user|no such user|does not exist|doesn't exist|address rejected|recipient rejected|mailbox unavailable|mailbox not found|invalid recipient|no mailbox|unrouteable|not found|5\.1\.1|5\.1\.0|5\.1\.10|550|permanent error|following address(es)? failed|could not be delivered|unbekannt|existiert nicht|nicht zugestellt|unzustellbar|introuvable|inconnu|n'existe pas|n’existe pas|n'a pas pu être remis|adresse.{0,20}invalide)`)

// emailRe finds addresses in a report's text.
var emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+`)

// originalMarker starts the copy of the undelivered mail in a text bounce.
var originalMarker = regexp.MustCompile(`(?i)(copy of the (original )?message|original message|message d'origine|ursprüngliche nachricht|original-nachricht|^\s*-{3,}.*(headers|message))`)

// bounceOf reads what a delivery failure report says: the status blocks of
// a multipart/report, else the addresses a text report names on its
// failure lines. Nil for any other mail.
func bounceOf(m *message.Message, automated bool) *event.Bounce {
	var b event.Bounce
	switch {
	case m.Report == "delivery-status":
		for _, d := range m.Delivery {
			failed := d.Action == "failed" || (d.Action == "" && strings.HasPrefix(d.Status, "5"))
			if !failed || d.Recipient == "" || len(b.Failed) >= maxBounced {
				continue
			}
			diag, _ := ics.CutText(d.Diagnostic, maxDiagnostic)
			b.Failed = append(b.Failed, event.BouncedRecipient{Email: strings.ToLower(d.Recipient), Status: d.Status, Diagnostic: diag})
		}
		if len(b.Failed) == 0 && len(m.Delivery) == 0 {
			b.Failed = textFailures(m)
		}
	case automated && bounceSubject.MatchString(m.Subject) || automated && fromDaemon(m):
		b.Failed = textFailures(m)
	}
	if len(b.Failed) == 0 {
		return nil
	}
	if o := m.Original; o != nil {
		b.MessageID = o.MessageID
		b.Subject, _ = ics.CutText(o.Subject, maxSubject)
		if len(o.From) > 0 {
			b.From = strings.ToLower(o.From[0].Email)
		}
	} else {
		b.MessageID, b.Subject, b.From = quotedOriginal(m.Text)
	}
	return &b
}

// fromDaemon: the report comes from a mail server's own address.
func fromDaemon(m *message.Message) bool {
	for _, a := range m.From {
		local, _, _ := strings.Cut(strings.ToLower(a.Email), "@")
		if strings.HasPrefix(local, "mailer-daemon") || strings.HasPrefix(local, "postmaster") || local == "mail-daemon" {
			return true
		}
	}
	return false
}

// textFailures are the addresses on (or just before) the failure lines of
// a text report, above the copy of the original mail; not the report's
// own sender.
func textFailures(m *message.Message) []event.BouncedRecipient {
	text := m.Text
	if len(text) > maxBounceScan {
		text = text[:maxBounceScan]
	}
	self := map[string]bool{}
	for _, a := range m.From {
		self[strings.ToLower(a.Email)] = true
	}
	daemon := func(e string) bool {
		local, _, _ := strings.Cut(e, "@")
		return strings.HasPrefix(local, "mailer-daemon") || strings.HasPrefix(local, "postmaster") || local == "abuse"
	}
	lines := strings.Split(text, "\n")
	if len(lines) > maxBounceLines {
		lines = lines[:maxBounceLines]
	}
	var out []event.BouncedRecipient
	seen := map[string]bool{}
	failing := false // the lines after "the following address(es) failed"
	for i, line := range lines {
		if originalMarker.MatchString(line) {
			break
		}
		hit := bounceFailure.MatchString(line)
		next := i+1 < len(lines) && bounceFailure.MatchString(lines[i+1])
		if !hit && !next && !failing {
			continue
		}
		if hit {
			failing = true
		}
		for _, e := range emailRe.FindAllString(line, -1) {
			e = strings.ToLower(strings.Trim(e, ".'"))
			if self[e] || seen[e] || daemon(e) || len(out) >= maxBounced {
				continue
			}
			seen[e] = true
			diag := ""
			for _, l := range lines[i:min(i+4, len(lines))] {
				if bounceFailure.MatchString(l) && strings.ContainsAny(l, "0123456789") {
					diag, _ = ics.CutText(strings.TrimSpace(l), maxDiagnostic)
					break
				}
			}
			out = append(out, event.BouncedRecipient{Email: e, Diagnostic: diag})
		}
	}
	return out
}

// quotedOriginal reads the Message-ID, Subject and From of the original
// copied below a text report's marker.
func quotedOriginal(text string) (id, subject, from string) {
	loc := originalMarker.FindStringIndex(text)
	if loc == nil {
		return "", "", ""
	}
	for _, line := range strings.Split(text[loc[1]:], "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "message-id":
			if id == "" {
				id = strings.Trim(v, "<> ")
			}
		case "subject":
			if subject == "" {
				subject, _ = ics.CutText(v, maxSubject)
			}
		case "from":
			if from == "" {
				if e := emailRe.FindString(v); e != "" {
					from = strings.ToLower(e)
				}
			}
		}
	}
	return id, subject, from
}
