package maildir

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultLookback = 14 * 24 * time.Hour
	DefaultMaxBody  = 64 << 10
	DefaultPoll     = 30 * time.Second
)

// Config is one Maildir account.
type Config struct {
	// Name is the configured account name; events get Source "mail:"+Name.
	Name string
	// Path is the Maildir root (INBOX), or a folder holding one Maildir
	// per mailbox (INBOX/, Sent/, … as mbsync writes them). A leading ~ has
	// been expanded by the config already.
	Path string
	// Lookback is how far back the first run announces mail (default 14
	// days). Older mail is remembered as seen without an event.
	Lookback time.Duration
	// MaxBody caps how many bytes of each file are read (default 64 KiB);
	// a longer mail is parsed from that prefix and marked truncated.
	MaxBody int64
	// Poll is the interval of the fallback scan that catches what file
	// notifications missed and folders created later (default 30s).
	Poll time.Duration
}

func (cfg Config) withDefaults() Config {
	if cfg.Lookback == 0 {
		cfg.Lookback = DefaultLookback
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Poll == 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Path != "" {
		cfg.Path = filepath.Clean(cfg.Path)
	}
	return cfg
}

// validate checks a config that already has its defaults.
func (cfg Config) validate() error {
	var errs []error
	if strings.TrimSpace(cfg.Name) == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	if cfg.Path == "" {
		errs = append(errs, errors.New("path is empty"))
	}
	if cfg.Lookback < 0 {
		errs = append(errs, fmt.Errorf("lookback %s is negative", cfg.Lookback))
	}
	if cfg.MaxBody < 0 {
		errs = append(errs, fmt.Errorf("max_body %d is negative", cfg.MaxBody))
	}
	if cfg.Poll < 0 {
		errs = append(errs, fmt.Errorf("poll %s is negative", cfg.Poll))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("maildir %q: invalid config: %w", cfg.Name, err)
	}
	return nil
}
