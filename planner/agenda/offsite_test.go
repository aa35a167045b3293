package agenda

import "testing"

func TestOffSite(t *testing.T) {
	for loc, want := range map[string]bool{
		"Dr Weber, Hauptstraße 12, Berlin": true,
		"Maître Dupont, 8 rue de la Paix":  true,
		"Garage Martin":                    true,
		"Café de Flore":                    true,
		"Room 4":                           false,
		"Salle Jupiter":                    false,
		"Besprechungsraum 2.14":            false,
		"Meeting room B":                   false,
		"4.12":                             false,
		"https://zoom.us/j/123":            false,
		"Microsoft Teams Meeting":          false,
		"En ligne":                         false,
		"Phone call":                       false,
		"Paris office":                     false,
		"Home":                             false,
		"zu Hause":                         false,
		"":                                 false,
	} {
		if got := offSite(loc, nil); got != want {
			t.Errorf("offSite(%q) = %v, want %v", loc, got, want)
		}
	}
	if offSite("Hauptstraße 12", []string{"https://meet.example/x"}) {
		t.Error("an event with a conference link is not off-site")
	}
}
