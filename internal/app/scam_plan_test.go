package app

import (
	"strings"
	"testing"
	"time"
)

// withAttachment is a multipart mail to me@example.com with one attachment.
func withAttachment(id, from, replyTo, date, subject, body, file string) string {
	h := "Message-ID: <" + id + ">\r\nFrom: " + from + "\r\nTo: Me <me@example.com>\r\n"
	if replyTo != "" {
		h += "Reply-To: " + replyTo + "\r\n"
	}
	return h + "Date: " + date + "\r\nSubject: " + subject + "\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		strings.ReplaceAll(body, "\n", "\r\n") + "\r\n--b\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename=\"" + file + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBAoAAAAAAA==\r\n--b--\r\n"
}

// TestPlanScamsAreNotBills: an "unpaid invoice, pay within 24 hours" from a
// stranger with a zip attached, and a prize asking for a fee, get no
// payment reminder, only a low-priority phishing note; a real invoice from
// a known sender is still reminded.
func TestPlanScamsAreNotBills(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	scam := withAttachment("scam-1@mailer.example", "Accounts Department <billing@secure-payments-service.example>", "",
		"Mon, 09 Mar 2026 08:00:00 +0100", "Unpaid invoice #44817",
		"Dear customer,\n\nYour invoice #44817 of EUR 389.00 is unpaid. Pay within 24 hours, by 10 March 2026, to avoid legal action.\nThe invoice is attached.\n",
		"Invoice_44817.zip")
	prize := travelMail("prize-1@promo.example", "Service Client <gagnant@jeu-concours-france.example>", "Mon, 09 Mar 2026 09:00:00 +0100",
		"Félicitations, vous avez gagné !", "Cher client,\n\nVous avez gagné un iPhone 17 ! Pour le recevoir, réglez les frais de livraison de 1,95 € avant le 11 mars 2026.\nFacture n° 2026-881, montant à payer : 1,95 €.\n")
	earlier := travelMail("acme-0@acme.example", "ACME Billing <billing@acme.example>", "Mon, 09 Feb 2026 08:00:00 +0100",
		"Your ACME account", "Hello,\n\nwelcome to ACME.\n")
	invoice := withAttachment("acme-1@acme.example", "ACME Billing <billing@acme.example>", "",
		"Mon, 09 Mar 2026 08:30:00 +0100", "Invoice INV-2026-0412",
		"Dear customer,\n\nPlease find attached your invoice INV-2026-0412.\nAmount due: € 120.00\nDue date: 23 March 2026\n", "INV-2026-0412.pdf")
	at := time.Date(2026, 3, 9, 12, 0, 0, 0, paris)
	ss := planned(t, map[string]string{"1.scam": scam, "2.prize": prize, "0.earlier": earlier, "3.invoice": invoice}, at, 30*24*time.Hour)
	all := listed(ss, paris)
	for _, s := range ss {
		if (strings.Contains(s.Title, "44817") || strings.Contains(s.Title, "2026-881") || strings.Contains(s.Title, "iPhone")) &&
			!strings.HasPrefix(s.Title, "This looks like phishing") {
			t.Errorf("a scam is treated as real: %s\n%s", s.Title, all)
		}
	}
	for _, subject := range []string{"Unpaid invoice #44817", "Félicitations, vous avez gagné"} {
		s := find(ss, "This looks like phishing", subject)
		if s == nil {
			t.Errorf("no phishing note for %q:\n%s", subject, all)
		} else if s.Priority != "low" {
			t.Errorf("phishing note %q has priority %s, want low", s.Title, s.Priority)
		}
	}
	if find(ss, "Pay Invoice INV-2026-0412") == nil {
		t.Errorf("the real invoice is not reminded:\n%s", all)
	}
	if s := find(ss, "This looks like phishing", "INV-2026-0412"); s != nil {
		t.Errorf("a real invoice is called phishing: %s", s.Why)
	}
}
