package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
)

// planTitles plans the mails as of at and returns "kind: title" of every
// suggestion, with the suggestions.
func planTitles(t *testing.T, mails map[string]string, at time.Time, horizon time.Duration) ([]string, []event.Suggestion) {
	t.Helper()
	ss, failed, err := Plan(t.Context(), maildirConfig(t, mails), PlanOptions{At: at, Horizon: horizon})
	if err != nil || len(failed) > 0 {
		t.Fatalf("plan: %v %v", err, failed)
	}
	var out []string
	for _, s := range ss {
		out = append(out, s.Kind+": "+s.Title)
	}
	return out, ss
}

func plainMail(from, to, subject, date, id, text string, extra ...string) string {
	return fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n%sMIME-Version: 1.0\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
		from, to, subject, date, id, strings.Join(extra, ""), strings.ReplaceAll(text, "\n", "\r\n"))
}

// TestInvoiceOneNudge: an invoice, in any language, gets one reminder to
// pay; not also a "Due …" reminder of the same date, and no "Reply to" the
// billing robot that asks whether you want paperless billing.
func TestInvoiceOneNudge(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	mails := map[string]string{
		"en": plainMail("Northwind Energy Billing <billing@northwind-energy.example>", "me@example.com", "Your invoice INV-2026-0412",
			"Tue, 01 Dec 2026 08:00:00 +0100", "inv-en@northwind-energy.example",
			"Hello,\n\nPlease find attached invoice INV-2026-0412 for November.\n\nAmount due: € 120.00\nDue date: 23 December 2026\n\n"+
				"Please pay by 23 December 2026.\nQuestions about your bill? Would you like to switch to paperless billing? Just reply to this mail.\n\nThank you for your business."),
		"fr": plainMail("Service clients Eau de Lyon <facturation@eau-lyon.example>", "me@example.com", "Votre facture F2026-118",
			"Tue, 01 Dec 2026 08:10:00 +0100", "inv-fr@eau-lyon.example",
			"Bonjour,\n\nVotre facture n° F2026-118 est disponible dans votre espace client.\n\nMontant total TTC : 89,90 €\nDate d'échéance : 18/12/2026\n\n"+
				"Merci de régler avant le 18/12/2026.\nVous souhaitez passer au prélèvement automatique ? Répondez simplement à ce message."),
		"de": plainMail("Stadtwerke Musterstadt <rechnung@stadtwerke-muster.example>", "me@example.com", "Ihre Rechnung RE-77881",
			"Tue, 01 Dec 2026 08:20:00 +0100", "inv-de@stadtwerke-muster.example",
			"Sehr geehrte Kundin, sehr geehrter Kunde,\n\nanbei erhalten Sie Ihre Rechnung Nr. RE-77881.\n\nRechnungsbetrag: 238,00 EUR\n\n"+
				"Zahlbar bis 30.12.2026 ohne Abzug.\nHaben Sie Fragen zu Ihrer Rechnung? Möchten Sie auf die Online-Rechnung umstellen?\n\nMit freundlichen Grüßen\nIhre Stadtwerke"),
	}
	for lang, mail := range mails {
		t.Run(lang, func(t *testing.T) {
			got, _ := planTitles(t, map[string]string{"1.inv": mail}, at, 40*24*time.Hour)
			pay := 0
			for _, s := range got {
				switch {
				case strings.HasPrefix(s, "reminder: Pay "):
					pay++
				case strings.Contains(s, "Due "), strings.Contains(s, "Reply to"):
					t.Errorf("second nudge about the invoice: %s", s)
				}
			}
			if pay != 1 {
				t.Errorf("%d payment reminders, want 1:\n%s", pay, strings.Join(got, "\n"))
			}
		})
	}
}

// TestInvitationOneNudge: an invitation mail that also asks in its text
// ("can you make it?") gets "Answer the invitation", not also "Reply to"
// its organizer nor a "Due" reminder of the meeting's day.
func TestInvitationOneNudge(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for lang, text := range map[string]string{
		"en": "Hi,\n\nBudget review on Thursday 26 November at 10:00. Can you make it? Please confirm by Wednesday.",
		"fr": "Bonjour,\n\nRevue du budget jeudi 26 novembre à 10h. Tu peux venir ? Merci de confirmer avant mercredi.",
		"de": "Hallo,\n\nBudgetrunde am Donnerstag, 26.11. um 10 Uhr. Kannst du dabei sein? Bitte bis Mittwoch zusagen.",
	} {
		t.Run(lang, func(t *testing.T) {
			mail := invitationMail("REQUEST", "req@example.com", "Fri, 20 Nov 2026 10:00:00 +0100", 0)
			mail = strings.Replace(mail, "Budget review on Thursday.", strings.ReplaceAll(text, "\n", "\r\n"), 1)
			got, _ := planTitles(t, map[string]string{"1.req": mail}, at, 4*24*time.Hour)
			joined := strings.Join(got, "\n")
			if !strings.Contains(joined, "Answer the invitation from Bob Martin") {
				t.Fatalf("no invitation to answer:\n%s", joined)
			}
			for _, s := range got {
				if strings.Contains(s, "Reply to") || strings.Contains(s, "Due ") {
					t.Errorf("second nudge about the invitation: %s", s)
				}
			}
		})
	}
}

// TestNoReplyToARobot: a notification that asks something but says it is
// automated ("please do not reply") is no reply owed, in any language.
func TestNoReplyToARobot(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for lang, c := range map[string][2]string{
		"en": {"Acme Orders <orders@acme-shop.example>", "Your order 4411 has shipped. How did we do? Would you rate your purchase?\n\nThis is an automated message, please do not reply to this email."},
		"fr": {"Boutique Lumière <commandes@lumiere.example>", "Votre commande 4411 est expédiée. Êtes-vous satisfait de votre achat ?\n\nCe message a été envoyé automatiquement, merci de ne pas y répondre."},
		"de": {"Versandhaus Kern <bestellung@kern.example>", "Ihre Bestellung 4411 wurde versandt. Sind Sie zufrieden mit Ihrem Einkauf?\n\nDiese E-Mail wurde automatisch erstellt. Bitte antworten Sie nicht auf diese E-Mail."},
	} {
		t.Run(lang, func(t *testing.T) {
			mail := plainMail(c[0], "me@example.com", "Order 4411", "Tue, 01 Dec 2026 08:00:00 +0100", "robot-"+lang+"@shop.example", c[1])
			got, _ := planTitles(t, map[string]string{"1.robot": mail}, at, 24*time.Hour)
			for _, s := range got {
				if strings.Contains(s, "Reply to") {
					t.Errorf("a robot is answered: %s", s)
				}
			}
		})
	}
}
