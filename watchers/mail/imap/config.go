package imap

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/agentd/agentd/internal/imapdial"
	"github.com/agentd/agentd/internal/loopback"
)

// TLS modes of Config.TLS.
const (
	TLSImplicit = imapdial.TLSImplicit // TLS from the first byte (port 993)
	TLSStartTLS = imapdial.TLSStartTLS // plain connection upgraded with STARTTLS (port 143)
	TLSNone     = imapdial.TLSNone     // no encryption: loopback hosts only
)

// Defaults for the zero values of Config.
const (
	DefaultLookback  = 14 * 24 * time.Hour
	DefaultPollEvery = 2 * time.Minute
	DefaultMaxBody   = 64 << 10
	DefaultMaxSize   = 25 << 20
)

// Config is one IMAP account.
type Config struct {
	// Name is the configured account name; events get Source "mail:"+Name.
	Name string
	Host string
	// Port defaults to 993 for implicit TLS and 143 otherwise.
	Port int
	// TLS is implicit (default), starttls or none. none is refused unless
	// Host is a loopback address: a password must not cross a network in
	// clear text.
	TLS string
	// Username and Password are already resolved (env, file, command). The
	// password is never logged nor put in an error.
	Username, Password string
	// Mailboxes to watch (default [INBOX]). The Sent mailbox is found by
	// SPECIAL-USE \Sent, else by common names, and always watched; its mail
	// becomes mail.sent.
	Mailboxes []string
	// Lookback is how far back the first run of a mailbox reads (default
	// 14 days); that mail is published with Backfill set. Negative: no
	// look-back, only mail that arrives from now on.
	Lookback time.Duration
	// PollEvery is the poll interval for servers without IDLE (default 2m).
	PollEvery time.Duration
	// MaxBody is how many bytes of a message are fetched (default 64 KiB).
	MaxBody int64
	// MaxSize: of a message larger than this only the header is fetched
	// (default 25 MiB).
	MaxSize int64
	// TLSConfig overrides the TLS client configuration (tests, private
	// CAs). ServerName defaults to Host.
	TLSConfig *tls.Config
}

// withDefaults returns cfg with zero values replaced by defaults.
func (cfg Config) withDefaults() Config {
	cfg.TLS, cfg.Port = imapdial.Defaults(cfg.TLS, cfg.Port)
	if len(cfg.Mailboxes) == 0 {
		cfg.Mailboxes = []string{"INBOX"}
	}
	if cfg.Lookback == 0 {
		cfg.Lookback = DefaultLookback
	}
	if cfg.PollEvery == 0 {
		cfg.PollEvery = DefaultPollEvery
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxSize == 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	return cfg
}

// validate checks a config that already has its defaults.
func (cfg Config) validate() error {
	var errs []error
	if strings.TrimSpace(cfg.Name) == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	if strings.TrimSpace(cfg.Host) == "" {
		errs = append(errs, errors.New("host is empty"))
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d is out of range", cfg.Port))
	}
	switch cfg.TLS {
	case TLSImplicit, TLSStartTLS:
	case TLSNone:
		if cfg.Host != "" && !loopback.Host(cfg.Host) {
			errs = append(errs, fmt.Errorf("tls none is only allowed for a loopback host, not %q: use implicit or starttls", cfg.Host))
		}
	default:
		errs = append(errs, fmt.Errorf("tls %q: must be implicit, starttls or none", cfg.TLS))
	}
	if cfg.Username == "" {
		errs = append(errs, errors.New("username is empty"))
	}
	seen := map[string]bool{}
	for _, mb := range cfg.Mailboxes {
		if strings.TrimSpace(mb) == "" {
			errs = append(errs, errors.New("a mailbox name is empty"))
			continue
		}
		if seen[canonicalMailbox(mb)] {
			errs = append(errs, fmt.Errorf("mailbox %q is listed twice", mb))
		}
		seen[canonicalMailbox(mb)] = true
	}
	if cfg.PollEvery < 0 {
		errs = append(errs, fmt.Errorf("poll interval %s is negative", cfg.PollEvery))
	}
	if cfg.MaxBody < 0 {
		errs = append(errs, fmt.Errorf("max body %d is negative", cfg.MaxBody))
	}
	if cfg.MaxSize < 0 {
		errs = append(errs, fmt.Errorf("max size %d is negative", cfg.MaxSize))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("imap %q: invalid config: %w", cfg.Name, err)
	}
	return nil
}

// canonicalMailbox folds INBOX, whose name is case-insensitive (RFC 3501
// 5.1); every other name is case-sensitive.
func canonicalMailbox(name string) string {
	if strings.EqualFold(name, "INBOX") {
		return "INBOX"
	}
	return name
}
