package config

import (
	"strings"
	"testing"
)

// A config saved with CRLF line ends names the same lines in its errors as
// with LF: the YAML parser counted the CRLF after a comment as two lines.
func TestCRLFErrorLines(t *testing.T) {
	lf := "# agentd\n# config\nuser:\n  nme: x\n"
	for _, data := range []string{lf, strings.ReplaceAll(lf, "\n", "\r\n")} {
		_, err := Parse(cfgFile, []byte(data))
		errs := Errors(err)
		if len(errs) != 1 || errs[0].Line != 4 {
			t.Errorf("%q: errors %v, want one at line 4", data, err)
		}
	}
}
