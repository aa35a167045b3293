package extract

import (
	"slices"
	"strings"
	"testing"
)

func TestPhishing(t *testing.T) {
	tests := map[string]struct {
		in      MailSignals
		want    bool
		signals []string // some of the signals named
	}{
		"unpaid invoice, zip, unknown, en": {MailSignals{
			Subject: "Unpaid invoice #44817", Text: "Dear customer,\n\nYour invoice is unpaid. Pay within 24 hours to avoid legal action. See the attached invoice.\n",
			FromEmail: "billing@secure-payments-service.example", FromName: "Accounts", Attachments: []string{"Invoice_44817.zip"},
		}, true, []string{"unknown sender", "urgency", "archive or program attached", "generic greeting", "payment demand"}},
		"facture impayée, fr": {MailSignals{
			Subject: "Facture impayée", Text: "Cher client,\n\nVotre facture reste impayée. Merci de régler sous 24 heures, faute de quoi votre compte sera suspendu.\n",
			FromEmail: "compta@factures-edf-service.example", FromName: "EDF", ReplyTo: []string{"recouvrement@mailbox.example"},
		}, true, []string{"Reply-To elsewhere", "look-alike sender", "urgency"}},
		"Gewinn mit Gebühr, de": {MailSignals{
			Subject: "Herzlichen Glückwunsch! Sie haben gewonnen", Text: "Sehr geehrter Kunde,\n\nSie haben ein iPhone gewonnen! Zahlen Sie nur die Versandgebühr von 2,99 € innerhalb von 48 Stunden.\n",
			FromEmail: "gewinn@preis-aktion.example",
		}, true, []string{"prize asking for a fee"}},
		"prize with fee, en": {MailSignals{
			Subject: "Congratulations, you have won!", Text: "You have won a $1,000 gift card. To claim your prize, pay the processing fee of $4.95.",
			FromEmail: "promo@winner-club.example",
		}, true, []string{"prize asking for a fee"}},
		"look-alike brand": {MailSignals{
			Subject: "Your account is limited", Text: "Dear user, verify your account immediately or it will be closed. Log in and confirm your password.",
			FromEmail: "service@paypa1.example", FromName: "PayPal",
		}, true, []string{"look-alike sender"}},
		"real invoice from a known sender": {MailSignals{
			Subject: "Invoice INV-2026-0412", Text: "Dear customer,\n\nPlease find attached your invoice. Amount due: € 120.00, payable by 23 March 2026.\n",
			FromEmail: "billing@acme.example", FromName: "ACME", Attachments: []string{"INV-2026-0412.pdf"}, KnownSender: true,
		}, false, nil},
		"real invoice from a new shop": {MailSignals{
			Subject: "Your invoice", Text: "Hello Alice,\n\nThanks for your order. Invoice 1182, total € 49.00, paid by card.\n",
			FromEmail: "shop@bakery.example", Attachments: []string{"invoice-1182.pdf"},
		}, false, nil},
		"friend sends a zip": {MailSignals{
			Subject: "Photos", Text: "Hi Alice, here are the photos from Saturday.", FromEmail: "bob@example.com", Attachments: []string{"photos.zip"}, KnownSender: true,
		}, false, nil},
		"a shop's newsletter": {MailSignals{
			Subject: "Last chance: 50% off ends tonight", Text: "Dear customer,\n\nOur sale ends immediately at midnight. Pay only € 19 for the premium plan.\n",
			FromEmail: "news@shop.example", Bulk: true,
		}, false, nil},
		"urgent from colleague": {MailSignals{
			Subject: "Urgent: slides", Text: "Alice, I need the slides immediately, within 24 hours please.", FromEmail: "carol@example.com", KnownSender: true,
		}, false, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			signals, got := Phishing(tc.in)
			if got != tc.want {
				t.Fatalf("Phishing = %v (%q), want %v", got, signals, tc.want)
			}
			for _, w := range tc.signals {
				if !slices.ContainsFunc(signals, func(s string) bool { return strings.HasPrefix(s, w) }) {
					t.Errorf("signals %q lack %q", signals, w)
				}
			}
		})
	}
}
