package message_test

import (
	"fmt"
	"strings"

	"github.com/agentd/agentd/watchers/mail/message"
)

func ExampleParse() {
	raw := "From: Bob <bob@Example.COM>\r\n" +
		"To: alice@example.org\r\n" +
		"Subject: =?utf-8?q?R=C3=A9union?= tomorrow\r\n" +
		"Date: Thu, 11 Dec 2025 10:30:00 -0500\r\n" +
		"Message-ID: <bob-42@example.com>\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"\r\n" +
		"<p>Can you confirm <a href=\"https://example.com/agenda\">the agenda</a> by Friday?</p>\r\n"
	m, err := message.Parse(strings.NewReader(raw), message.Options{})
	if err != nil {
		panic(err)
	}
	automated, _ := m.IsAutomated()
	fmt.Println(m.Subject)
	fmt.Println(m.From[0].Email, m.MessageID, m.Date.UTC().Format("2006-01-02 15:04"))
	fmt.Println(m.Text)
	fmt.Println(m.Language, automated)
	// Output:
	// Réunion tomorrow
	// bob@example.com bob-42@example.com 2025-12-11 15:30
	// Can you confirm the agenda (https://example.com/agenda) by Friday?
	// en false
}
