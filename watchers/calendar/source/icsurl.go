package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/agentd/agentd/internal/redact"
	"github.com/agentd/agentd/internal/state"
)

// ICSConfig describes one subscribed .ics calendar.
type ICSConfig struct {
	// Name is the source's name ("holidays").
	Name string
	// URL is https://, http://, webcal:// (fetched as https://) or
	// webcals://. Credentials inside it are sent as basic auth.
	URL string
	// Username and Password, when set, are sent as basic auth.
	Username, Password string
	// UserAgent is sent with each request; empty means "agentd".
	UserAgent string
	// HTTPClient is used for every request; nil means a client with a
	// 60-second timeout.
	HTTPClient *http.Client
}

// ICSURL fetches a subscribed calendar with conditional GETs. The whole
// document is one Object (Href is the URL with secrets redacted, ETag a
// hash of the body): a subscription is published as one file, and the ics
// package splits it into events. A 304, or a 200 with the same bytes, is
// an empty Change.
type ICSURL struct {
	cfg      ICSConfig
	target   string // the URL fetched, without credentials
	href     string // the redacted URL, used as Href and in messages
	client   *authClient
	logger   *slog.Logger
	maxBytes int64
	st       *stateStore
	mu       sync.Mutex
}

// icsCollection is the id of the subscription's one collection.
const icsCollection = "url"

// NewICSURL checks cfg and returns a fetcher; it makes no request.
func NewICSURL(cfg ICSConfig, store state.Store, logger *slog.Logger, opts ...Option) (*ICSURL, error) {
	if cfg.Name == "" {
		return nil, errors.New("ics: name is empty")
	}
	raw := cfg.URL
	switch {
	case hasSchemePrefix(raw, "webcal://"):
		raw = "https://" + raw[len("webcal://"):]
	case hasSchemePrefix(raw, "webcals://"):
		raw = "https://" + raw[len("webcals://"):]
	}
	clean, user, pass, err := splitUserinfo(raw)
	if err != nil {
		return nil, fmt.Errorf("ics %s: %w", cfg.Name, err)
	}
	u, _ := url.Parse(clean)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("ics %s: url %q: want https://, http:// or webcal:// and a host", cfg.Name, redact.Link(clean))
	}
	if cfg.Username == "" && cfg.Password == "" {
		cfg.Username, cfg.Password = user, pass
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "agentd"
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	o := buildOptions(opts)
	return &ICSURL{
		cfg:      cfg,
		target:   clean,
		href:     redact.Link(clean),
		client:   &authClient{c: hc, username: cfg.Username, password: cfg.Password},
		logger:   logger.With("source", "ics:"+cfg.Name),
		maxBytes: o.maxBytes,
		st:       newStateStore(store, "calendar/"+cfg.Name+"/ics/"),
	}, nil
}

func hasSchemePrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Fetch implements Fetcher.
func (f *ICSURL) Fetch(ctx context.Context) (Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	snap, err := f.st.snapshot(ctx)
	if err != nil {
		return Change{}, fmt.Errorf("ics %s: %w", f.cfg.Name, err)
	}
	old := snap[icsCollection]
	if old == nil {
		old = &collection{Items: map[string]string{}}
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.target, nil)
	if err != nil {
		return Change{}, fmt.Errorf("ics %s: GET %s: %w", f.cfg.Name, f.href, redact.Error(err))
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", "text/calendar, */*;q=0.5")
	// Validators only help when the body they stand for was committed.
	if _, ok := old.Items[f.href]; ok {
		if old.Token != "" {
			req.Header.Set("If-None-Match", old.Token)
		}
		if old.LastModified != "" {
			req.Header.Set("If-Modified-Since", old.LastModified)
		}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return Change{}, fmt.Errorf("ics %s: GET %s: %w", f.cfg.Name, f.href, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		drain(resp.Body)
		f.logger.DebugContext(ctx, "ics not modified")
		return Change{}, nil
	case resp.StatusCode/100 != 2:
		drain(resp.Body)
		return Change{}, fmt.Errorf("ics %s: GET %s: %w", f.cfg.Name, f.href,
			&StatusError{Code: resp.StatusCode, Status: resp.Status})
	}
	body, err := readCapped(resp.Body, f.maxBytes)
	if err != nil {
		return Change{}, fmt.Errorf("ics %s: GET %s: %w", f.cfg.Name, f.href, redact.Error(err))
	}
	if !looksLikeICalendar(body) {
		return Change{}, fmt.Errorf("ics %s: GET %s: %w (Content-Type %q)", f.cfg.Name, f.href, ErrNotCalendar,
			resp.Header.Get("Content-Type"))
	}

	hash := "sha256:" + contentHash(body)
	next := &collection{
		Token:        resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		Items:        map[string]string{f.href: hash},
	}
	ch := Change{next: &pending{owner: f.st, cols: map[string]*collection{icsCollection: next}}}
	if old.Items[f.href] != hash {
		ch.Changed = []Object{{Calendar: f.cfg.Name, Href: f.href, ETag: hash, Data: body}}
	}
	// The URL changed in the configuration: the old document is gone.
	for href := range old.Items {
		if href != f.href {
			ch.Removed = append(ch.Removed, href)
		}
	}
	f.logger.DebugContext(ctx, "ics fetched", "bytes", len(body), "changed", len(ch.Changed) > 0)
	return ch, nil
}

// Commit implements Fetcher.
func (f *ICSURL) Commit(ctx context.Context, ch Change) error {
	if err := f.st.commit(ctx, ch.next); err != nil {
		return fmt.Errorf("ics %s: %w", f.cfg.Name, err)
	}
	return nil
}

// Reset implements Fetcher.
func (f *ICSURL) Reset(ctx context.Context) error {
	if err := f.st.reset(ctx); err != nil {
		return fmt.Errorf("ics %s: %w", f.cfg.Name, err)
	}
	return nil
}

var _ Fetcher = (*ICSURL)(nil)
