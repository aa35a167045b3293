package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/watchers/mail/message"
)

func bounceEvent(t *testing.T, raw string) *event.Bounce {
	t.Helper()
	ev, err := ToEvent([]byte(strings.ReplaceAll(raw, "\n", "\r\n")), Meta{Account: "work", Mailbox: "INBOX", Seen: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}, "x", message.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m.Bounce
}

func TestBounceReport(t *testing.T) {
	raw := `From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: me@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; Bob@Exmaple.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <bob@exmaple.com>:
    User unknown

Final-Recipient: rfc822; carol@example.com
Action: delayed
Status: 4.4.1

--B
Content-Type: message/rfc822

From: Me <me@example.com>
To: bob@exmaple.com, carol@example.com
Subject: =?utf-8?q?R=C3=A9union?=
Message-ID: <orig@example.com>

Hello
--B--
`
	b := bounceEvent(t, raw)
	if b == nil || len(b.Failed) != 1 {
		t.Fatalf("bounce = %+v, want bob only (carol is delayed)", b)
	}
	f := b.Failed[0]
	if f.Email != "bob@exmaple.com" || f.Status != "5.1.1" || f.Diagnostic != "550 5.1.1 <bob@exmaple.com>: User unknown" {
		t.Errorf("failed = %+v", f)
	}
	if b.MessageID != "orig@example.com" || b.Subject != "Réunion" || b.From != "me@example.com" {
		t.Errorf("original = %+v", b)
	}
}

func TestBounceText(t *testing.T) {
	for name, c := range map[string]struct{ raw, want string }{
		"exim": {`From: Mail Delivery System <Mailer-Daemon@mail.example.net>
To: me@example.com
Subject: Mail delivery failed: returning message to sender
Auto-Submitted: auto-replied

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  anna.schmitt@example.org
    SMTP error from remote mail server after RCPT TO:<anna.schmitt@example.org>:
    550 5.1.1 User unknown

------ This is a copy of the message, including all the headers. ------

From: me@example.com
Subject: Termin
Message-ID: <t1@example.com>
`, "anna.schmitt@example.org"},
		"de": {`From: postmaster@gmx.example
To: me@example.com
Subject: Unzustellbar: Termin
Return-Path: <>

Ihre Nachricht konnte nicht zugestellt werden.
Empfänger: hans.mueller@beispiel.de - Benutzer unbekannt (550 5.1.1)
`, "hans.mueller@beispiel.de"},
		"fr": {`From: Postmaster <postmaster@orange.example>
To: me@example.com
Subject: Non remis : Rendez-vous
Return-Path: <>

Votre message n'a pas pu être remis au destinataire suivant :
marie.durand@exemple.fr : adresse introuvable (550 5.1.1)
`, "marie.durand@exemple.fr"},
	} {
		b := bounceEvent(t, c.raw)
		if b == nil || len(b.Failed) != 1 || b.Failed[0].Email != c.want {
			t.Errorf("%s: bounce = %+v, want %s", name, b, c.want)
		}
	}
	// A person's mail that mentions "not found" is no bounce.
	if b := bounceEvent(t, "From: Bob <bob@example.com>\nTo: me@example.com\nSubject: Undeliverable parcel\n\nThe parcel was not found, write to shop@example.com.\n"); b != nil {
		t.Errorf("a person's mail: bounce %+v", b)
	}
}
