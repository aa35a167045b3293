package correspondence

import "testing"

func TestNormalizeSubject(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"plain":                       {"Budget review", "Budget review"},
		"english re":                  {"Re: Budget review", "Budget review"},
		"english chain":               {"RE: Fwd: re: FW:  Budget   review ", "Budget review"},
		"counter":                     {"Re[2]: Re(3): Re^4: Budget", "Budget"},
		"german":                      {"AW: WG: Antwort: Unterlagen", "Unterlagen"},
		"french":                      {"TR: Réf. : RE : Compte rendu", "Compte rendu"},
		"french ref without accent":   {"Ref: Facture", "Facture"},
		"nordic and dutch":            {"SV: VS: Antw: Möte", "Möte"},
		"list tag":                    {"[dev] Re: [dev] Release plan", "Release plan"},
		"list tag before prefix":      {"Re: [EXTERNAL] Fwd: Invoice", "Invoice"},
		"bracketed forward":           {"[Fwd: Map of Argentina]", "Map of Argentina"},
		"bracketed subject kept":      {"[Important notice]", "[Important notice]"},
		"chinese":                     {"回复：转发：会议", "会议"},
		"word starting like a prefix": {"Research results", "Research results"},
		"prefix without colon kept":   {"Re Budget", "Re Budget"},
		"only a prefix":               {"Re:", ""},
		"empty":                       {"", ""},
		"out of office":               {"Automatic reply: Re: Budget", "Budget"},
		"réponse automatique":         {"Réponse automatique : Compte rendu", "Compte rendu"},
		"abwesend":                    {"Abwesend: AW: Unterlagen", "Unterlagen"},
		"absent without colon kept":   {"Absent tomorrow", "Absent tomorrow"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := NormalizeSubject(tc.in); got != tc.want {
				t.Errorf("NormalizeSubject(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzNormalizeSubject checks that normalizing is idempotent: a thread's
// key does not change when computed twice.
func FuzzNormalizeSubject(f *testing.F) {
	for _, s := range []string{"Re: Fwd: [dev] Hello", "AW: WG: Réf. : TR: x", "[Fwd: Lunch]", "Re[3]: 回复：你好", "  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := NormalizeSubject(s)
		if twice := NormalizeSubject(once); twice != once {
			t.Errorf("NormalizeSubject(%q) = %q, but again gives %q", s, once, twice)
		}
	})
}
