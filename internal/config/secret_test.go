package config

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const secretValue = "correct-horse-battery-staple"

func TestSecretResolve(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to run password commands")
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pwFile := write("pw", "  "+secretValue+"\n\n")
	emptyFile := write("empty", "\n")
	bigFile := write("big", strings.Repeat("x", maxSecretSize+1))
	t.Setenv("AGENTD_TEST_SECRET", secretValue)
	t.Setenv("AGENTD_TEST_EMPTY", "")

	cases := map[string]struct {
		s       Secret
		want    string
		wantErr []string
		notErr  []string
	}{
		"env":                {s: Secret{Env: "AGENTD_TEST_SECRET"}, want: secretValue},
		"env unset":          {s: Secret{Env: "AGENTD_TEST_UNSET_XYZ", key: "llm.api_key"}, wantErr: []string{"llm.api_key_env: environment variable AGENTD_TEST_UNSET_XYZ is not set"}},
		"env empty":          {s: Secret{Env: "AGENTD_TEST_EMPTY", key: "llm.api_key"}, wantErr: []string{"llm.api_key_env: environment variable AGENTD_TEST_EMPTY is empty"}},
		"file trimmed":       {s: Secret{File: pwFile}, want: secretValue},
		"file missing":       {s: Secret{File: filepath.Join(dir, "nope"), key: "llm.api_key"}, wantErr: []string{"llm.api_key_file: ", "no such file", "nope"}},
		"file empty":         {s: Secret{File: emptyFile}, wantErr: []string{"is empty"}},
		"file too big":       {s: Secret{File: bigFile}, wantErr: []string{"larger than"}},
		"command":            {s: Secret{Command: "printf '%s\\n' " + secretValue}, want: secretValue},
		"command in cfg dir": {s: Secret{Command: "cat pw", dir: dir}, want: secretValue},
		"command fails":      {s: Secret{Command: "echo 'gpg: decryption failed' >&2; exit 2", key: "sources.mail[0].imap.password"}, wantErr: []string{"sources.mail[0].imap.password_command failed", "exit status 2", "gpg: decryption failed"}},
		"command fails noisily": {s: Secret{Command: "echo 'gpg: decryption failed: No secret key' >&2; echo 'debug dump: session cookie 7f3a9c2e1b' >&2; echo 'at line 42' >&2; exit 2", key: "llm.api_key"},
			wantErr: []string{"llm.api_key_command failed (exit status 2): gpg: decryption failed: No secret key"}, notErr: []string{"debug dump", "7f3a9c2e1b", "line 42"}},
		"command prints none": {s: Secret{Command: "true"}, wantErr: []string{"printed nothing"}},
		"command leaks":       {s: Secret{Command: "echo " + secretValue + "; echo \"bad token " + secretValue + "\" >&2; exit 1"}, wantErr: []string{"failed", "bad token REDACTED"}},
		"nothing set":         {s: Secret{key: "llm.api_key"}, wantErr: []string{"llm.api_key: no secret configured", "api_key_env"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := tc.s.Resolve(context.Background())
			if tc.wantErr == nil {
				if err != nil || got != tc.want {
					t.Fatalf("Resolve() = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Resolve() = %q, want an error", got)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, w := range tc.notErr {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q shows %q, from after the first line of stderr", err, w)
				}
			}
			if strings.Contains(err.Error(), secretValue) {
				t.Errorf("error shows the secret: %q", err)
			}
		})
	}
}

func TestSecretCommandHonoursContext(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to run password commands")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Secret{Command: "sleep 30"}.Resolve(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "did not finish") {
			t.Errorf("Resolve() = %v; want a timeout error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Resolve ignored its context")
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	cmd := "pass show " + secretValue // a command line may itself hold a token
	s := Secret{Command: cmd, key: "llm.api_key"}
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Info("x", "secret", s)
	outputs := map[string]string{
		"String": s.String(),
		"%v":     fmt.Sprintf("%v", s),
		"%+v":    fmt.Sprintf("%+v", s),
		"%#v":    fmt.Sprintf("%#v", s),
		"%s":     fmt.Sprintf("%s", s),
		"slog":   log.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, secretValue) {
			t.Errorf("%s shows the command: %q", name, out)
		}
	}
	for s, want := range map[Secret]string{
		{Env: "PW"}:         "env:PW",
		{File: "/run/pw"}:   "file:/run/pw",
		{Command: "pass x"}: "command",
		{}:                  "unset",
	} {
		if s.String() != want {
			t.Errorf("String() = %q, want %q", s.String(), want)
		}
		if s.IsSet() != (want != "unset") {
			t.Errorf("%v.IsSet() = %v", s, s.IsSet())
		}
	}
}

// TestSecretFromConfig resolves secrets declared in a config file, with the
// file and command relative to the config's directory.
func TestSecretFromConfig(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to run password commands")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secrets", "dav"), []byte(secretValue+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `sources:
  mail:
    - name: m
      imap: {host: h.example, username: u, password_command: "cat secrets/dav"}
  calendars:
    - name: c
      caldav: {url: "https://dav.example/", username: u, password_file: secrets/dav}
`
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Secret{
		"imap":   c.Sources.Mail[0].IMAP.Password,
		"caldav": c.Sources.Calendars[0].CalDAV.Password,
	} {
		got, err := s.Resolve(context.Background())
		if err != nil || got != secretValue {
			t.Errorf("%s: Resolve() = %q, %v", name, got, err)
		}
	}
	bad := c.Sources.Calendars[0].CalDAV.Password
	if err := os.Remove(bad.File); err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Resolve(context.Background()); err == nil || !strings.Contains(err.Error(), "sources.calendars[0].caldav.password") {
		t.Errorf("Resolve(missing file) = %v; want an error naming the key", err)
	}
}
