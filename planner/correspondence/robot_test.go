package correspondence

import "testing"

func TestRobotText(t *testing.T) {
	for text, want := range map[string]bool{
		"This is an automated message, please do not reply to this email.":                     true,
		"Replies to this message are not monitored.":                                           true,
		"Ce message a été envoyé automatiquement, merci de ne pas y répondre.":                 true,
		"Merci de ne pas répondre à ce courriel.":                                              true,
		"Diese E-Mail wurde automatisch erstellt. Bitte antworten Sie nicht auf diese E-Mail.": true,
		"Could you reply by Friday?":                                                           false,
		"Please don't reply to all, just to me.":                                               false,
		"Je ne réponds pas aux messages le week-end.":                                          false,
		"Ich habe automatisch geantwortet, sorry.":                                             false,
	} {
		if got := robotText.MatchString(text); got != want {
			t.Errorf("robotText(%q) = %v, want %v", text, got, want)
		}
	}
}
