// Package webhook POSTs suggestions as JSON to a URL, signed with
// HMAC-SHA256 so the receiver can tell they come from this agentd.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
)

// Headers of every request.
const (
	// SignatureHeader is "sha256=" and the hex HMAC-SHA256 of the body,
	// keyed with the shared secret.
	SignatureHeader = "X-Agentd-Signature"
	// TimestampHeader is when the request was made, in Unix seconds.
	TimestampHeader = "X-Agentd-Timestamp"
	// DeliveryHeader is the suggestion's id: the same for a retry, so a
	// receiver can drop a repeat.
	DeliveryHeader = "X-Agentd-Delivery"
)

// Config of the webhook notifier.
type Config struct {
	// URL receives the POSTs.
	URL string
	// Secret returns the HMAC key. It is called once and kept, and again
	// after the receiver refused a signature (401, 403).
	Secret func(ctx context.Context) (string, error)
	// Client sends the requests; nil means a client with a 30 s timeout.
	Client *http.Client
}

// Webhook is the webhook notifier.
type Webhook struct {
	url    *url.URL
	secret *notifiers.Token
	client *http.Client
	logger *slog.Logger
	now    func() time.Time
}

// Option configures a Webhook.
type Option func(*Webhook)

// WithClock sets the clock of the timestamp header and of Retry-After
// dates; nil keeps time.Now.
func WithClock(now func() time.Time) Option {
	return func(w *Webhook) {
		if now != nil {
			w.now = now
		}
	}
}

// New returns a webhook notifier posting to cfg.URL.
func New(cfg Config, logger *slog.Logger, opts ...Option) (*Webhook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("webhook: url must be an http(s) URL")
	}
	if cfg.Secret == nil {
		return nil, errors.New("webhook: a secret is required to sign the requests")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Webhook{url: u, secret: notifiers.NewToken(cfg.Secret), client: cfg.Client, logger: logger, now: time.Now}
	if w.client == nil {
		w.client = &http.Client{Timeout: 30 * time.Second}
	}
	for _, o := range opts {
		o(w)
	}
	return w, nil
}

// Name implements notifiers.Notifier.
func (w *Webhook) Name() string { return "webhook" }

// Sign returns the SignatureHeader value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether header is the signature of body under secret,
// comparing in constant time: what a receiver in Go does.
func Verify(secret string, body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	mac, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(mac, m.Sum(nil))
}

// Notify POSTs each suggestion as its JSON (event.Suggestion). 429 and
// 5xx, and a receiver that cannot be reached, are temporary (retry true);
// any other 4xx is permanent. Errors never carry the secret.
func (w *Webhook) Notify(ctx context.Context, ss ...event.Suggestion) (bool, error) {
	for _, s := range ss {
		if err := ctx.Err(); err != nil {
			return true, fmt.Errorf("webhook: suggestion %s: %w", s.ID, err)
		}
		if retry, err := w.post(ctx, s); err != nil {
			return retry, fmt.Errorf("webhook: suggestion %s: %w", s.ID, err)
		}
	}
	return false, nil
}

func (w *Webhook) post(ctx context.Context, s event.Suggestion) (bool, error) {
	secret, err := w.secret.Get(ctx)
	if err != nil {
		return true, fmt.Errorf("secret: %w", err)
	}
	body, err := json.Marshal(s)
	if err != nil {
		return false, fmt.Errorf("encode suggestion: %w", err)
	}
	headers := map[string]string{
		SignatureHeader: Sign(secret, body),
		TimestampHeader: strconv.FormatInt(w.now().Unix(), 10),
		DeliveryHeader:  s.ID,
	}
	if retry, err := notifiers.PostJSON(ctx, w.client, w.url, body, headers, w.secret, secret, w.now()); err != nil {
		return retry, fmt.Errorf("post to %s: %w", notifiers.SafeURL(w.url), err)
	}
	return false, nil
}

// Check implements notifiers.Checker: it fetches the secret, sending
// nothing.
func (w *Webhook) Check(ctx context.Context) error {
	if _, err := w.secret.Get(ctx); err != nil {
		return fmt.Errorf("webhook: secret: %w", err)
	}
	return nil
}

var (
	_ notifiers.Notifier = (*Webhook)(nil)
	_ notifiers.Checker  = (*Webhook)(nil)
)
