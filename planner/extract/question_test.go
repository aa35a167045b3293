package extract

import "testing"

func TestQuestion(t *testing.T) {
	tests := map[string]struct {
		text, lang string
		want       bool
		sentence   string
	}{
		"en/direct question": {"Hi Bob,\n\nare you free on Thursday for a quick call?\n\nThanks,\nAlice", "en", true,
			"are you free on Thursday for a quick call?"},
		"en/question wrapped over lines": {"Hello,\nI looked at the draft. Would it be possible to move\nthe launch to January?\nBest", "en", true,
			"Would it be possible to move the launch to January?"},
		"en/request could you": {"Hi Bob,\nCould you send me the slides by Friday.\nCheers", "en", true,
			"Could you send me the slides by Friday."},
		"en/request please confirm": {"Please confirm the booking for 4 people. Thanks!", "en", true,
			"Please confirm the booking for 4 people."},
		"en/let me know": {"I can do Monday or Tuesday, let me know what works.", "en", true,
			"I can do Monday or Tuesday, let me know what works."},
		"en/please find attached is not a request":           {"Please find attached the minutes.\nBest regards", "en", false, ""},
		"en/polite closing is not a request":                 {"Here are the figures. Let me know if you have any questions.", "en", false, ""},
		"en/url with question mark":                          {"The report is at https://example.com/r?id=12 for reference.", "en", false, ""},
		"en/question only in quote":                          {"Done, thanks.\n\nOn Tue, 8 Dec 2026 at 10:00, Bob <bob@example.com> wrote:\n> Can you send it?\n", "en", false, ""},
		"en/question with quote marks only":                  {"Sure.\n> Are you coming?\n", "en", false, ""},
		"en/question in signature":                           {"See attached.\n-- \nAlice\nNeed help? Call us.\n", "en", false, ""},
		"en/outlook original message":                        {"Noted.\n\n-----Original Message-----\nFrom: Bob\nCan you call me?\n", "en", false, ""},
		"en/outlook header block":                            {"Noted.\n\nFrom: Bob Smith <bob@example.com>\nSent: Tuesday, December 8, 2026 10:00\nTo: Alice\nCan you call me?\n", "en", false, ""},
		"en/statement":                                       {"The meeting is moved to Friday. See you there.", "en", false, ""},
		"en/reply above and question below quote is ignored": {"Yes, works for me.\n\nOn Tue, Bob wrote:\n> When?\n", "en", false, ""},

		"fr/question with space before mark": {"Bonjour Marie,\n\nTu es dispo jeudi ?\n\nBises", "fr", true, "Tu es dispo jeudi ?"},
		"fr/pourriez-vous": {"Bonjour,\nPourriez-vous m'envoyer le devis signé.\nCordialement", "fr", true,
			"Pourriez-vous m'envoyer le devis signé."},
		"fr/merci de with verb":                {"Merci de me confirmer votre présence.", "fr", true, "Merci de me confirmer votre présence."},
		"fr/merci de votre is thanks":          {"Merci de votre réponse rapide.", "fr", false, ""},
		"fr/veuillez trouver is not a request": {"Veuillez trouver ci-joint la facture.", "fr", false, ""},
		"fr/quoted question ignored":           {"Oui.\n\nLe mar. 8 déc. 2026 à 10:00, Marie <m@example.fr> a écrit :\n> Tu viens ?\n", "fr", false, ""},

		"de/kannst du": {"Hallo Max,\nkannst du mir die Datei schicken.\nGruß", "de", true, "kannst du mir die Datei schicken."},
		"de/bitte with verb": {"Bitte schicken Sie mir die Unterlagen bis Freitag.", "de", true,
			"Bitte schicken Sie mir die Unterlagen bis Freitag."},
		"de/bitte beachten is not a request":   {"Bitte beachten Sie die neuen Öffnungszeiten.", "de", false, ""},
		"de/question":                          {"Hast du morgen Zeit?", "de", true, "Hast du morgen Zeit?"},
		"de/quoted question ignored":           {"Ja.\n\nAm 08.12.2026 um 10:00 schrieb Max Muster <max@example.de>:\n> Hast du Zeit?\n", "de", false, ""},
		"de/request phrase needs its language": {"Bitte schicken Sie mir die Unterlagen.", "en", false, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, sentence := Question(tc.text, tc.lang)
			if got != tc.want || sentence != tc.sentence {
				t.Errorf("Question(%q) = %v, %q; want %v, %q", tc.text, got, sentence, tc.want, tc.sentence)
			}
		})
	}
}

func TestUnquoted(t *testing.T) {
	tests := map[string]struct{ text, want string }{
		"reply header over two lines": {"Top.\n\nOn Tue, 8 Dec 2026 at 10:00, Bob Smith <bob@example.com>\nwrote:\n> old\n", "Top.\n"},
		"quote lines inline":          {"a\n> b\nc", "a\nc"},
		"signature":                   {"a\n-- \nsig", "a"},
		"german original":             {"a\n-----Ursprüngliche Nachricht-----\nb", "a"},
		"french original":             {"a\n-----Message d'origine-----\nb", "a"},
		"crlf":                        {"a\r\n> b\r\nc", "a\nc"},
		"line starting with On kept":  {"On Friday we ship.\nThanks", "On Friday we ship.\nThanks"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Unquoted(tc.text); got != tc.want {
				t.Errorf("Unquoted(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}
