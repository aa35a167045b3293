package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzPath names the fuzzed file: errors must name it.
const fuzzPath = "/fuzz/agentd/config.yaml"

// fuzzHang is how long one input may take; a real config parses in
// microseconds.
const fuzzHang = 10 * time.Second

// FuzzConfig parses any bytes as a config file. Whatever the input: no
// panic; a config or an error, never both or neither; every problem is a
// config Error naming the file and a line of it ("file:line: …"); and a
// config that parses is written back (Marshal) as YAML that parses to the
// same config, as Marshal promises.
//
// The environment is fixed (HOME=/home/fuzz, no variables) so that the run does
// not depend on the machine; parse reads no file and runs no command.
//
// Seeds: example.yaml, testdata/full.yaml, testdata/fuzz/FuzzConfig (small
// configs, crashers found before) and a few broken fragments below.
//
//	go test ./internal/config -run '^$' -fuzz '^FuzzConfig$' -fuzztime 5m
func FuzzConfig(f *testing.F) {
	f.Add(Example())
	if data, err := os.ReadFile(filepath.Join("testdata", "full.yaml")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("user: {name: A, email: a@b.c, timezone: Europe/Paris}\nsources:\n  feeds:\n    - {name: x, url: 'https://x', every: 30x}\n"))
	f.Add([]byte("a: &a [*a]\nuser: *a\n"))
	f.Add([]byte("---\nuser: {}\n---\nuser: {}\n"))
	f.Add([]byte("user:\n  quiet_hours: 25:00-07:00\n  working_hours: 08:30-17:00 Mon,Xyz\nbus: {listen: ':99999'}\n"))

	env := environment{getenv: func(string) string { return "" }, home: "/home/fuzz"}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang becomes a crash, which the fuzzer records as a crasher
		// (it does not time out an input by itself).
		watchdog := time.AfterFunc(fuzzHang, func() { panic(fmt.Sprintf("config of %d bytes still parsing after %v", len(data), fuzzHang)) })
		defer watchdog.Stop()
		c, err := parse(fuzzPath, data, env)
		if (c == nil) == (err == nil) {
			t.Fatalf("config %v with error %v", c != nil, err)
		}
		if err != nil {
			checkErrors(t, data, err)
			return
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed config: %v", err)
		}
		c2, err := parse(fuzzPath, out, env)
		if err != nil {
			t.Fatalf("the written config does not parse: %v\n%s", err, out)
		}
		out2, err := c2.Marshal()
		if err != nil {
			t.Fatalf("Marshal of the config read back: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("the config read back differs:\n%s\n---\n%s", out, out2)
		}
	})
}

// checkErrors asserts that err holds only config Errors, each naming the
// file and a line within data, its text starting "file:line: ".
func checkErrors(t *testing.T, data []byte, err error) {
	t.Helper()
	errs := Errors(err)
	if len(errs) == 0 {
		t.Fatalf("an error that is no config Error: %v", err)
	}
	// YAML breaks lines at LF, CRLF and a lone CR.
	lines := bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n")) + 1
	for _, e := range errs {
		if e.File != fuzzPath {
			t.Errorf("error names file %q, want %q: %v", e.File, fuzzPath, e)
		}
		if e.Line < 1 || e.Line > lines {
			t.Errorf("error at line %d of a %d-line file: %v", e.Line, lines, e)
		}
		if prefix := fmt.Sprintf("%s:%d: ", fuzzPath, e.Line); !strings.HasPrefix(e.Error(), prefix) {
			t.Errorf("error %q does not start with %q", e.Error(), prefix)
		}
	}
}
