package correspondence

import "testing"

func TestFirstName(t *testing.T) {
	for in, want := range map[string]string{
		"Jürgen Weber":      "Jürgen",
		"Weber, Jürgen":     "Jürgen",
		"Dr. Jürgen Weber":  "Jürgen",
		`"Mme Émilie Roux"`: "Émilie",
		"jw@example.com":    "",
		"":                  "",
	} {
		if got := firstName(in); got != want {
			t.Errorf("firstName(%q) = %q, want %q", in, got, want)
		}
	}
}
