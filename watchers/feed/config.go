package feed

import (
	"errors"
	"fmt"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/agentd/agentd/internal/redact"
)

// Defaults for the zero values of Config.
const (
	DefaultEvery    = 30 * time.Minute
	DefaultTimeout  = 30 * time.Second
	DefaultMaxBytes = 10 << 20
)

// Config is one configured feed.
type Config struct {
	// Name is the configured feed name; events get Source "feed:"+Name.
	Name string
	// URL is http://, https:// or file:// (a local file, whose mtime and
	// size serve as its validator). Userinfo is used for basic auth; logs,
	// errors, health and events show the URL through redact.Link.
	URL string
	// Every is the poll interval (default 30m); each wait is Every ± up to
	// 10 % jitter so feeds configured together do not poll together.
	Every time.Duration
	// Timeout bounds one request, body included (default 30s).
	Timeout time.Duration
	// MaxBytes caps the (decompressed) body (default 10 MiB); a bigger body
	// fails with "feed too large".
	MaxBytes int64
	// MaxNew caps the items one poll announces (default 50): when a new
	// feed or a poll brings more, the newest MaxNew are announced and the
	// others remembered as seen, counted in one log line.
	MaxNew int
	// MaxItems caps the items of a document that are read (default 1000,
	// newest first); the rest are not parsed, which bounds the memory a
	// huge feed takes.
	MaxItems int
	// UserAgent defaults to "agentd/<version> (+https://github.com/agentd/agentd)".
	UserAgent string
}

// withDefaults returns cfg with zero values replaced by defaults.
func (cfg Config) withDefaults() Config {
	if cfg.Every == 0 {
		cfg.Every = DefaultEvery
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxNew == 0 {
		cfg.MaxNew = DefaultMaxNew
	}
	if cfg.MaxItems == 0 {
		cfg.MaxItems = DefaultMaxItems
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "agentd/" + version() + " (+https://github.com/agentd/agentd)"
	}
	return cfg
}

// validate checks a config that already has its defaults.
func (cfg Config) validate() error {
	var errs []error
	if strings.TrimSpace(cfg.Name) == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	u, err := url.Parse(cfg.URL)
	switch {
	case cfg.URL == "":
		errs = append(errs, errors.New("url is empty"))
	case err != nil:
		// url.Parse errors quote the URL; keep a password out of them.
		errs = append(errs, fmt.Errorf("url %q is not a valid URL", redact.Link(cfg.URL)))
	case u.Scheme == "http" || u.Scheme == "https":
		if u.Host == "" {
			errs = append(errs, fmt.Errorf("url %q has no host", redact.Link(cfg.URL)))
		}
	case u.Scheme == "file":
		if u.Path == "" {
			errs = append(errs, fmt.Errorf("url %q has no path", redact.Link(cfg.URL)))
		}
	default:
		errs = append(errs, fmt.Errorf("url %q: scheme must be http, https or file", redact.Link(cfg.URL)))
	}
	if cfg.Every < 0 {
		errs = append(errs, fmt.Errorf("every %s is negative", cfg.Every))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", cfg.Timeout))
	}
	if cfg.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("max_bytes %d is negative", cfg.MaxBytes))
	}
	if cfg.MaxNew < 0 {
		errs = append(errs, fmt.Errorf("max_new %d is negative", cfg.MaxNew))
	}
	if cfg.MaxItems < 0 {
		errs = append(errs, fmt.Errorf("max_items %d is negative", cfg.MaxItems))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("feed %q: invalid config: %w", cfg.Name, err)
	}
	return nil
}

// version is the main module's version for the User-Agent.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return strings.TrimPrefix(bi.Main.Version, "v")
	}
	return "dev"
}
