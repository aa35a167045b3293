package app

import (
	"strings"
	"testing"
	"time"
)

// dsn is a delivery failure report as Postfix writes it (multipart/report
// with a message/delivery-status part and the original's headers).
func dsn(id, failed, origID, origFrom, origSubject, date string) string {
	return "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: me@example.com\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\nDate: " + date + "\r\nMessage-ID: <" + id + ">\r\n" +
		"Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
		"This is the mail system at host mx.example.com.\r\n\r\nI'm sorry to have to inform you that your message could not\r\n" +
		"be delivered to one or more recipients.\r\n\r\n<" + failed + ">: host mx.exmaple.com said: 550 5.1.1 <" + failed + ">: Recipient address rejected: User unknown\r\n\r\n" +
		"--B\r\nContent-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n" +
		"Reporting-MTA: dns; mx.example.com\r\nArrival-Date: " + date + "\r\n\r\n" +
		"Final-Recipient: rfc822; " + failed + "\r\nOriginal-Recipient: rfc822;" + failed + "\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <" + failed + ">: Recipient address rejected:\r\n    User unknown in virtual mailbox table\r\n\r\n" +
		"--B\r\nContent-Description: Undelivered Message Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n" +
		"From: " + origFrom + "\r\nTo: " + failed + "\r\nSubject: " + origSubject + "\r\nMessage-ID: <" + origID + ">\r\nDate: " + date + "\r\n\r\n" +
		"--B--\r\n"
}

// TestBounceNamesRecipientAndLikelyAddress: a delivery failure for a mail
// the user sent names the failed recipient and, when a correspondent's
// address is a close spelling of it, the address they likely meant; a
// report about a mail they did not send (backscatter) stays quiet.
func TestBounceNamesRecipientAndLikelyAddress(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	earlier := plainMail("Jürgen Weber <juergen.weber@example.de>", "me@example.com", "Folien", "Mon, 30 Nov 2026 09:00:00 +0100",
		"old@example.de", "Hallo, anbei die Folien vom Workshop.")
	sent := plainMail("Me <me@example.com>", "Jürgen <juergen.webber@example.de>", "Vertrag", "Mon, 07 Dec 2026 10:00:00 +0100",
		"sent-1@example.com", "Hallo Jürgen, kannst du mir den Vertrag schicken?")

	t.Run("multipart/report", func(t *testing.T) {
		cfg := maildirConfig(t, map[string]string{
			"1.old":    earlier,
			"2.bounce": dsn("dsn-1@mx.example.com", "juergen.webber@example.de", "sent-1@example.com", "Me <me@example.com>", "Vertrag", "Mon, 07 Dec 2026 10:00:05 +0100"),
		})
		withSent(t, cfg.Sources.Mail[0].Maildir, map[string]string{"1.sent": sent})
		ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: 24 * time.Hour})
		if err != nil || len(failed) > 0 {
			t.Fatalf("plan: %v %v", err, failed)
		}
		var got []string
		for _, s := range ss {
			if strings.Contains(s.Title, "juergen.webber@example.de") {
				got = append(got, s.Title)
				t.Logf("%s [%s] %s / %s", s.Title, s.Priority, s.Body, s.Why)
				if !strings.Contains(s.Title, "juergen.weber@example.de") || !strings.Contains(s.Title, "Vertrag") {
					t.Errorf("title %q: want the likely address and the subject", s.Title)
				}
			}
		}
		if len(got) != 1 {
			t.Fatalf("bounce suggestions %q, want one; all:\n%v", got, ss)
		}
	})

	t.Run("no follow-up for a mail that never arrived", func(t *testing.T) {
		cfg := maildirConfig(t, map[string]string{
			"1.old":    earlier,
			"2.bounce": dsn("dsn-1@mx.example.com", "juergen.webber@example.de", "sent-1@example.com", "Me <me@example.com>", "Vertrag", "Mon, 07 Dec 2026 10:00:05 +0100"),
		})
		withSent(t, cfg.Sources.Mail[0].Maildir, map[string]string{"1.sent": sent})
		ss, _, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: 5 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			if strings.HasPrefix(s.Title, "Follow up") {
				t.Errorf("the bounce is the nudge, yet %q", s.Title)
			}
		}
	})

	t.Run("text only no close spelling", func(t *testing.T) {
		bounce := plainMail("Mail Delivery Subsystem <mailer-daemon@gmx.example>", "me@example.com",
			"Mail delivery failed: returning message to sender", "Mon, 07 Dec 2026 10:00:05 +0100", "dsn-2@gmx.example",
			"This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of\n"+
				"its recipients. This is a permanent error. The following address(es) failed:\n\n  nobody.known@example.org\n    host mx.example.org\n"+
				"    SMTP error from remote mail server after RCPT TO:<nobody.known@example.org>:\n    550 5.1.1 User unknown\n\n"+
				"------ This is a copy of the message, including all the headers. ------\n\nFrom: Me <me@example.com>\nTo: nobody.known@example.org\nSubject: Hallo\nMessage-ID: <sent-2@example.com>\n",
			"Return-Path: <>\r\nIn-Reply-To: <sent-2@example.com>\r\n")
		sent2 := plainMail("Me <me@example.com>", "nobody.known@example.org", "Hallo", "Mon, 07 Dec 2026 10:00:00 +0100", "sent-2@example.com", "Hallo, wie geht's?")
		cfg := maildirConfig(t, map[string]string{"1.old": earlier, "2.bounce": bounce})
		withSent(t, cfg.Sources.Mail[0].Maildir, map[string]string{"1.sent": sent2})
		ss, _, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range ss {
			if strings.Contains(s.Title, "nobody.known@example.org") {
				n++
				if strings.Contains(s.Title, "mean") {
					t.Errorf("no close spelling, yet %q", s.Title)
				}
			}
		}
		if n != 1 {
			t.Fatalf("%d bounce suggestions, want 1: %v", n, ss)
		}
	})

	t.Run("backscatter", func(t *testing.T) {
		cfg := maildirConfig(t, map[string]string{
			"1.old":    earlier,
			"2.bounce": dsn("dsn-3@mx.example.com", "juergen.webber@example.de", "spam-9@spam.example", "Lottery <win@spam.example>", "You won", "Mon, 07 Dec 2026 10:00:05 +0100"),
		})
		ss, _, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			if strings.Contains(s.Title, "juergen") {
				t.Errorf("backscatter made %q", s.Title)
			}
		}
	})
}
