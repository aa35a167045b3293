package config

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestInterestsWithSynonyms: an interest is a plain string or a mapping
// {topic, also}; the words in also count as mentioning the topic.
func TestInterestsWithSynonyms(t *testing.T) {
	yaml := "user:\n  interests:\n    - golang\n    - {topic: electric vehicles, also: [EV, home charging]}\n    - topic: cycling\n      also: bike\n"
	c, err := Parse(filepath.Join(t.TempDir(), "c.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"golang", "electric vehicles", "cycling"}; !slices.Equal(c.User.Interests, want) {
		t.Errorf("Interests = %q, want %q", c.User.Interests, want)
	}
	if got := c.User.InterestAlso["electric vehicles"]; !slices.Equal(got, []string{"EV", "home charging"}) {
		t.Errorf("also of electric vehicles = %q", got)
	}
	if got := c.User.InterestAlso["cycling"]; !slices.Equal(got, []string{"bike"}) {
		t.Errorf("also of cycling = %q", got)
	}
	if _, ok := c.User.InterestAlso["golang"]; ok {
		t.Errorf("golang has no synonyms: %v", c.User.InterestAlso)
	}
	// The written config reads back the same.
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Parse(filepath.Join(t.TempDir(), "c.yaml"), out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !slices.Equal(c2.User.Interests, c.User.Interests) || !slices.Equal(c2.User.InterestAlso["electric vehicles"], []string{"EV", "home charging"}) {
		t.Errorf("round trip lost synonyms:\n%s", out)
	}
}

func TestInterestsErrors(t *testing.T) {
	tests := map[string]struct {
		yaml string
		line int
		want string
	}{
		"no topic":      {yaml: "user:\n  interests:\n    - golang\n    - {also: [EV]}\n", line: 4, want: "topic"},
		"unknown key":   {yaml: "user:\n  interests:\n    - {topic: ev, synonyms: [x]}\n", line: 3, want: `unknown key "synonyms"`},
		"bad also item": {yaml: "user:\n  interests:\n    - topic: ev\n      also: [{a: b}]\n", line: 4, want: "expected a string"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "c.yaml:"+strconv.Itoa(tc.line)) {
				t.Errorf("error %q, want %q at line %d", msg, tc.want, tc.line)
			}
		})
	}
}
