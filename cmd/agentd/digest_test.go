package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func digestCLIConfig(t *testing.T, digest bool) string {
	t.Helper()
	dir := t.TempDir()
	yaml := "user: {name: Alice, email: alice@example.com, timezone: Europe/Paris}\n" +
		"bus: {data_dir: " + filepath.Join(dir, "data") + "}\n"
	if digest {
		// A port nothing listens on: send fails to connect.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		yaml += fmt.Sprintf("notify:\n  digest:\n    at: '07:30'\n    smtp: {host: 127.0.0.1, port: %d, tls: none}\n", port)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDigestPreviewCommand(t *testing.T) {
	path := digestCLIConfig(t, true)
	html := filepath.Join(t.TempDir(), "digest.html")
	code, out, errOut := runCLI(t, "digest", "preview", "--config", path, "--at", "2026-12-08T07:30:00+01:00", "--html", html)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "Subject: Your day, Tue 8 Dec — nothing needs you\n\nYour day, Tuesday 8 December 2026\n") ||
		!strings.Contains(out, "Nothing needs you today") {
		t.Errorf("preview:\n%s", out)
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "<!DOCTYPE html>") {
		t.Errorf("--html wrote %d bytes, %v", len(b), err)
	}
	if code, out, errOut := runCLI(t, "digest", "preview", "--config", path, "--at", "07:30"); code != 0 || !strings.Contains(out, "Subject: Your day, ") {
		t.Errorf("--at HH:MM: exit %d, %q, %q", code, out, errOut)
	}
}

func TestDigestCommandErrors(t *testing.T) {
	cases := map[string]struct {
		args []string
		code int
		want string
	}{
		"no subcommand":      {[]string{"digest"}, 2, "say preview or send"},
		"unknown subcommand": {[]string{"digest", "mail"}, 2, `unknown command "mail"`},
		"bad --at":           {[]string{"digest", "preview", "--config", digestCLIConfig(t, true), "--at", "tomorrow"}, 2, "neither an RFC 3339 time"},
		"stray argument":     {[]string{"digest", "send", "--config", digestCLIConfig(t, true), "now"}, 2, `agentd digest send: unexpected argument "now"`},
		"unknown flag":       {[]string{"digest", "preview", "--nope"}, 2, "Usage: agentd digest preview"},
		"no digest section":  {[]string{"digest", "preview", "--config", digestCLIConfig(t, false)}, 1, "add notify.digest"},
		"send, server down":  {[]string{"digest", "send", "--config", digestCLIConfig(t, true)}, 1, "smtp 127.0.0.1:"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.want)
			}
		})
	}
	for _, sub := range []string{"preview", "send"} {
		code, out, _ := runCLI(t, "digest", sub, "--help")
		if code != 0 || !strings.HasPrefix(out, "Usage: agentd digest "+sub) || !strings.Contains(out, "\n  --config FILE\n") {
			t.Errorf("digest %s --help: exit %d\n%s", sub, code, out)
		}
	}
	if code, out, _ := runCLI(t, "digest", "--help"); code != 0 || !strings.Contains(out, "agentd digest preview") {
		t.Errorf("digest --help: %d %q", code, out)
	}
}
