package notifiers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/agentd/agentd/internal/redact"
)

// HTTPStatusError is an HTTP channel's (ntfy, webhook) answer other than
// 2xx. 429 and 5xx are temporary, any other status permanent.
type HTTPStatusError struct {
	Status int
	// Wait is what the server's Retry-After asked for; zero if nothing.
	Wait time.Duration
	// Detail is the start of the response body, for the log.
	Detail string
}

func (e *HTTPStatusError) Error() string {
	msg := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.Wait > 0 {
		msg += fmt.Sprintf(" (retry after %v)", e.Wait)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Temporary reports whether the same request may succeed later: the
// server was busy (429) or failed (5xx).
func (e *HTTPStatusError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// RetryAfter is how long the server asked to wait; zero if it did not.
func (e *HTTPStatusError) RetryAfter() time.Duration { return e.Wait }

// maxDetail bounds the part of an error response kept in the error.
const maxDetail = 200

// CheckResponse returns nil for a 2xx response, else an *HTTPStatusError
// holding the start of the body with every secret cut out of it (a server
// may echo what it was sent). It reads and closes nothing but the start of
// the body; the caller closes it.
func CheckResponse(resp *http.Response, now time.Time, secrets ...string) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxDetail))
	detail := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, string(bytes.ToValidUTF8(raw, nil)))
	for _, s := range secrets {
		if s != "" {
			detail = strings.ReplaceAll(detail, s, redact.Mask)
		}
	}
	return &HTTPStatusError{
		Status: resp.StatusCode,
		Wait:   ParseRetryAfter(resp.Header.Get("Retry-After"), now),
		Detail: strings.TrimSpace(detail),
	}
}

// ParseRetryAfter reads a Retry-After header: seconds, or an HTTP date
// (relative to now). Anything else, or a time past, is zero.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 || n > int64(24*time.Hour/time.Second) {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// SafeURL is u as it may appear in logs and errors: scheme, host and path,
// never user info, query or fragment (ntfy takes ?auth=…), and a token-like
// path segment masked as redact.Link does (webhooks with the secret in the
// path).
func SafeURL(u *url.URL) string {
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return redact.Link(c.String())
}

// TransportError says what went wrong with a request that got no answer,
// without the URL's query (net/http puts the full URL in its errors). It
// keeps ctx's error in the chain, so a cancelled send is recognised.
func TransportError(ctx context.Context, method string, u *url.URL, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s %s: %w", method, SafeURL(u), cerr)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return fmt.Errorf("%s %s: %w", method, SafeURL(u), err)
}

// Token is a secret fetched once and kept until Forget (after the server
// refused it), so a token_command does not run for every notification.
type Token struct {
	resolve func(context.Context) (string, error)

	mu    sync.Mutex
	value string
}

// NewToken fetches the secret with resolve; nil resolve means none.
func NewToken(resolve func(context.Context) (string, error)) *Token {
	return &Token{resolve: resolve}
}

// Get returns the secret, fetching it the first time.
func (t *Token) Get(ctx context.Context) (string, error) {
	if t == nil || t.resolve == nil {
		return "", nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.value != "" {
		return t.value, nil
	}
	v, err := t.resolve(ctx)
	if err != nil {
		return "", err
	}
	t.value = v
	return v, nil
}

// Forget drops the kept secret; the next Get fetches it again.
func (t *Token) Forget() {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.value = ""
	t.mu.Unlock()
}

// PostJSON posts body (JSON) to u with the extra headers, for the HTTP
// channels (ntfy, webhook). secret is the channel's token or signing
// secret and value what it gave for this request: the value is kept out of
// the error, and a 401 or 403 forgets it so the next try fetches it again
// (a rotated token). retry says whether a later try may succeed (a
// transport failure, 429, 5xx).
func PostJSON(ctx context.Context, client *http.Client, u *url.URL, body []byte, headers map[string]string, secret *Token, value string, now time.Time) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "agentd")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return true, TransportError(ctx, http.MethodPost, u, err)
	}
	defer resp.Body.Close()
	if err := CheckResponse(resp, now, value); err != nil {
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			secret.Forget()
		}
		return IsTemporary(err), err
	}
	return false, nil
}
