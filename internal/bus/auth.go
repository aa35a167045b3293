package bus

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/agentd/agentd/internal/loopback"
)

// TokenName is the file in the data dir that holds the embedded server's
// client token, written 0600 at the first start with a listening bus.
const TokenName = "bus.token"

// TLSConfig names PEM files. For the embedded server that listens,
// CertFile and KeyFile are its certificate; for an external server, CAFile
// is the authority that signed the server's certificate (empty: the
// system's) and CertFile/KeyFile an optional client certificate.
type TLSConfig struct {
	CertFile, KeyFile, CAFile string
}

// Enabled reports whether any TLS setting is made.
func (t TLSConfig) Enabled() bool { return t != TLSConfig{} }

// TokenPath is where the embedded server's token lives in dataDir.
func TokenPath(dataDir string) string { return filepath.Join(dataDir, TokenName) }

// LoadToken returns the token of the embedded server in dataDir, creating
// it (256 random bits, file mode 0600) if there is none yet. A token file
// that others may read is made private again.
func LoadToken(dataDir string) (string, error) {
	path := TokenPath(dataDir)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("bus: token: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("bus: token: %w", err)
	}
	fresh := hex.EncodeToString(raw)
	// Written aside and linked into place: a reader never sees half a
	// token, and of two first starts one wins.
	tmp, err := os.CreateTemp(dataDir, ".bus.token-*")
	if err != nil {
		return "", fmt.Errorf("bus: create token: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(fresh + "\n")
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return "", fmt.Errorf("bus: write token: %w", werr)
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil:
		return fresh, nil
	case !errors.Is(err, fs.ErrExist):
		return "", fmt.Errorf("bus: create token %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("bus: token %s: %w", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return "", fmt.Errorf("bus: token %s is readable by others and cannot be made private: %w", path, err)
		}
	}
	return readToken(path)
}

// readToken reads a token file: one line of at least 32 characters.
func readToken(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("bus: read token: %w", err)
	}
	tok := strings.TrimSpace(string(data))
	if len(tok) < 32 || strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("bus: token %s is not a token (want one line of at least 32 characters; a listening agentd makes a new one if the file is deleted)", path)
	}
	return tok, nil
}

// secureEmbedded makes a listening embedded server require the data dir's
// token, and TLS when tc names a certificate. A listener beyond loopback
// without TLS is refused: the token would cross the network in clear.
func secureEmbedded(sopts *server.Options, cfg Config) (nats.Option, error) {
	if cfg.TLS.CAFile != "" {
		return nil, errors.New("bus: tls.ca_file applies to an external bus.url only")
	}
	if (cfg.TLS.CertFile == "") != (cfg.TLS.KeyFile == "") {
		return nil, errors.New("bus: tls needs both cert_file and key_file")
	}
	if cfg.TLS.CertFile != "" {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: cfg.TLS.CertFile, KeyFile: cfg.TLS.KeyFile})
		if err != nil {
			return nil, fmt.Errorf("bus: tls: %w", err)
		}
		sopts.TLSConfig, sopts.TLS = tc, true
	} else if !loopback.Host(sopts.Host) {
		return nil, fmt.Errorf("bus: listen %s is reachable from other machines: set bus.tls.cert_file and key_file, or listen on 127.0.0.1", cfg.Listen)
	}
	tok, err := LoadToken(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	sopts.Authorization = tok
	return nats.Token(tok), nil
}

// externalAuth is the options for an external server's TLS, credentials
// file and NKey seed.
func externalAuth(cfg Config) ([]nats.Option, error) {
	var opts []nats.Option
	if cfg.TLS.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.TLS.CAFile))
	}
	if (cfg.TLS.CertFile == "") != (cfg.TLS.KeyFile == "") {
		return nil, errors.New("bus: tls needs both cert_file and key_file")
	}
	if cfg.TLS.CertFile != "" {
		opts = append(opts, nats.ClientCert(cfg.TLS.CertFile, cfg.TLS.KeyFile))
	}
	n := 0
	for _, f := range []string{cfg.CredentialsFile, cfg.NKeySeedFile, cfg.TokenFile} {
		if f != "" {
			n++
		}
	}
	if n > 1 {
		return nil, errors.New("bus: credentials_file, nkey_seed_file and token_file: use one of them")
	}
	if cfg.TokenFile != "" {
		tok, err := readToken(cfg.TokenFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Token(tok))
	}
	if cfg.CredentialsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredentialsFile))
	}
	if cfg.NKeySeedFile != "" {
		o, err := nats.NkeyOptionFromSeed(cfg.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("bus: nkey seed %s: %w", cfg.NKeySeedFile, err)
		}
		opts = append(opts, o)
	}
	return opts, nil
}

// CheckTLS loads a listening server's certificate and key, so that a bad
// file shows in `agentd check` rather than at the daemon's start.
func CheckTLS(tc TLSConfig) error {
	if tc.CertFile == "" {
		return nil
	}
	if _, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: tc.CertFile, KeyFile: tc.KeyFile}); err != nil {
		return fmt.Errorf("bus.tls: %w", err)
	}
	return nil
}

// refusedEvery is how often a refused client is logged: a peer that keeps
// trying without the token must not fill the log.
const refusedEvery = time.Minute

// refusals logs clients the listening server refused, the first at once
// and then at most one line a refusedEvery, counting those left out.
type refusals struct {
	mu      sync.Mutex
	last    time.Time
	skipped int
}

func (r *refusals) log(l *slog.Logger, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if !r.last.IsZero() && now.Sub(r.last) < refusedEvery {
		r.skipped++
		return
	}
	from, _, _ := strings.Cut(msg, " - ")
	l.Warn("bus refused a client without the token", "from", from, "refused_since_last_line", r.skipped)
	r.last, r.skipped = now, 0
}
