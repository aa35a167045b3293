package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/agentd/agentd/internal/redact"
)

// SecretTimeout bounds a <prefix>_command run by Secret.Resolve, so that a
// stuck password manager cannot hang a watcher's connect.
const SecretTimeout = 30 * time.Second

// maxSecretSize bounds what a secret file or command may produce.
const maxSecretSize = 64 << 10

// Secret says where a credential comes from, never what it is. Config keys
// <prefix>_env, <prefix>_file and <prefix>_command set it (password_env,
// api_key_file, ...); at most one may be set.
type Secret struct {
	Env     string // name of an environment variable
	File    string // absolute path of a file holding the secret
	Command string // shell command (sh -c) printing the secret on stdout

	key string // key path in the config, e.g. "sources.mail[0].imap.password"
	dir string // the config's directory: where Command runs
}

// IsSet reports whether any source of the secret is configured.
func (s Secret) IsSet() bool { return s.Env != "" || s.File != "" || s.Command != "" }

// String says where the secret comes from: "env:NAME", "file:PATH",
// "command" or "unset". It never runs the command or reads the value.
func (s Secret) String() string {
	switch {
	case s.Env != "":
		return "env:" + s.Env
	case s.File != "":
		return "file:" + s.File
	case s.Command != "":
		// The command line itself may hold a token (curl -H ...): not shown.
		return "command"
	}
	return "unset"
}

// GoString keeps %#v from printing the command line.
func (s Secret) GoString() string { return "config.Secret(" + s.String() + ")" }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

func (s Secret) name() string {
	if s.key != "" {
		return s.key
	}
	return "secret"
}

// Resolve returns the secret: the environment variable's value, the file's
// contents or the command's standard output, with surrounding white space
// trimmed (not for environment variables). A command runs with sh -c in the
// config's directory, bounded by ctx and SecretTimeout. Errors say which key
// and source failed and never contain the secret.
func (s Secret) Resolve(ctx context.Context) (string, error) {
	switch {
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok {
			return "", fmt.Errorf("%s_env: environment variable %s is not set", s.name(), s.Env)
		}
		if v == "" {
			return "", fmt.Errorf("%s_env: environment variable %s is empty", s.name(), s.Env)
		}
		return v, nil
	case s.File != "":
		return s.readFile()
	case s.Command != "":
		return s.run(ctx)
	}
	return "", fmt.Errorf("%s: no secret configured (set %[1]s_env, %[1]s_file or %[1]s_command)", s.name())
}

func (s Secret) readFile() (string, error) {
	f, err := os.Open(s.File)
	if err != nil {
		// *PathError names the path and the reason, not the content.
		return "", fmt.Errorf("%s_file: %w", s.name(), err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretSize+1))
	if err != nil {
		return "", fmt.Errorf("%s_file: read %s: %w", s.name(), s.File, err)
	}
	if len(b) > maxSecretSize {
		return "", fmt.Errorf("%s_file: %s is larger than %d bytes: not a secret file", s.name(), s.File, maxSecretSize)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s_file: %s is empty", s.name(), s.File)
	}
	return v, nil
}

func (s Secret) run(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, SecretTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", s.Command)
	cmd.Dir = s.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &limitedBuffer{buf: &stdout, max: maxSecretSize}
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 4 << 10}
	// A grandchild holding the pipes open must not keep us waiting.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	out := strings.TrimSpace(stdout.String())
	if err != nil {
		if ctxErr := ctx.Err(); errors.Is(ctxErr, context.DeadlineExceeded) {
			return "", fmt.Errorf("%s_command: stopped: it did not finish within %s or the caller's deadline: %w", s.name(), SecretTimeout, ctxErr)
		} else if ctxErr != nil {
			return "", fmt.Errorf("%s_command: %w", s.name(), ctxErr)
		}
		return "", &CommandError{Key: s.name(), Err: err, FirstLine: redact.Text(scrub(firstLine(stderr.String()), out))}
	}
	if out == "" {
		return "", fmt.Errorf("%s_command printed nothing on standard output", s.name())
	}
	return out, nil
}

// CommandError is a <prefix>_command that ran and failed. It carries the
// exit status and the first line of what the command wrote on standard
// error, redacted: never the rest, which may be a stack trace, a debug dump
// or the secret itself.
type CommandError struct {
	Key       string // the config key, e.g. "sources.mail[0].imap.password"
	Err       error  // the *exec.ExitError (or why it did not run)
	FirstLine string // redacted, bounded; "" if nothing was written
}

func (e *CommandError) Error() string {
	if e.FirstLine != "" {
		return fmt.Sprintf("%s_command failed (%v): %s", e.Key, e.Err, e.FirstLine)
	}
	return fmt.Sprintf("%s_command failed (%v)", e.Key, e.Err)
}

func (e *CommandError) Unwrap() error { return e.Err }

// Short is the error without the standard error line, for a failure
// that repeats one already reported.
func (e *CommandError) Short() string {
	return fmt.Sprintf("%s_command still fails (%v)", e.Key, e.Err)
}

// firstLine returns the first non-empty line of s, bounded: what a failing
// password manager says about why.
func firstLine(s string) string {
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) > 200 {
				l = strings.ToValidUTF8(l[:200], "") + "..."
			}
			return l
		}
	}
	return ""
}

// scrub replaces anything the command printed on stdout in msg by
// redact.Mask: a command may have printed the secret before failing, and the
// error must not carry it even if stderr echoes it.
func scrub(msg, stdout string) string {
	if msg == "" || stdout == "" {
		return msg
	}
	for _, line := range strings.Split(stdout, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			msg = strings.ReplaceAll(msg, line, redact.Mask)
		}
	}
	return msg
}

// limitedBuffer keeps the first max bytes and drops the rest, so a runaway
// command cannot fill memory.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		if len(p) > room {
			l.buf.Write(p[:room])
		} else {
			l.buf.Write(p)
		}
	}
	return len(p), nil
}
