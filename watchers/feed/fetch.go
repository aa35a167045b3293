package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/agentd/agentd/internal/redact"
)

// ErrTooLarge is returned when a body exceeds Config.MaxBytes.
var ErrTooLarge = errors.New("feed too large")

// StatusError is an HTTP response that is neither 2xx nor 304.
type StatusError struct {
	Code   int
	Status string
	// RetryAfter is the delay the server asked for (429, 503), 0 if none.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("http status %s (retry after %s)", e.Status, e.RetryAfter)
	}
	return "http status " + e.Status
}

// validators are what a conditional request sends back.
type validators struct {
	ETag         string
	LastModified string
}

// fetchResult is one fetched document, or "not modified".
type fetchResult struct {
	NotModified bool
	Body        []byte
	ContentType string
	Validators  validators
	// FinalURL is where the document was found after redirects.
	FinalURL string
	// PermanentURL is the target of the leading run of 301/308 redirects,
	// empty if the first hop was not permanent.
	PermanentURL string
}

// redirectLog records the redirect hops of one request. It travels in the
// request's context so one http.Client serves every poll.
type redirectLog struct {
	mu   sync.Mutex
	hops []redirectHop
}

type redirectHop struct {
	code int
	to   string
}

type redirectLogKey struct{}

func (l *redirectLog) add(code int, to string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hops = append(l.hops, redirectHop{code: code, to: to})
}

// permanent returns the last target reached only through permanent
// redirects from the start (A -301-> B -302-> C remembers B).
func (l *redirectLog) permanent() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	target := ""
	for _, h := range l.hops {
		if h.code != http.StatusMovedPermanently && h.code != http.StatusPermanentRedirect {
			break
		}
		target = h.to
	}
	return target
}

// withRedirectLog returns a copy of c whose CheckRedirect records hops into
// the redirectLog found in the request context, then defers to c's own.
func withRedirectLog(c *http.Client) *http.Client {
	cp := *c
	next := c.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if l, ok := req.Context().Value(redirectLogKey{}).(*redirectLog); ok && req.Response != nil {
			l.add(req.Response.StatusCode, req.URL.String())
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &cp
}

// fetch GETs target, conditionally when v has validators.
func (w *Watcher) fetch(ctx context.Context, target string, v validators) (fetchResult, error) {
	u, err := url.Parse(target)
	if err != nil {
		return fetchResult{}, fmt.Errorf("invalid url %q", redact.Link(target))
	}
	if u.Scheme == "file" {
		return w.fetchFile(u, v)
	}
	return w.fetchHTTP(ctx, target, v)
}

func (w *Watcher) fetchHTTP(ctx context.Context, target string, v validators) (fetchResult, error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	rlog := &redirectLog{}
	ctx = context.WithValue(ctx, redirectLogKey{}, rlog)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fetchResult{}, fmt.Errorf("GET %s: %w", redact.Link(target), withoutURL(err))
	}
	req.Header.Set("User-Agent", w.cfg.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, "+
		"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	// Accept-Encoding is left to net/http: it asks for gzip and
	// decompresses transparently, and MaxBytes then caps the decompressed
	// size, which is what protects memory.
	resp, err := w.client.Do(req)
	if err != nil {
		return fetchResult{}, fmt.Errorf("GET %s: %w", redact.Link(target), withoutURL(err))
	}
	defer resp.Body.Close()

	res := fetchResult{
		FinalURL:     resp.Request.URL.String(),
		PermanentURL: rlog.permanent(),
		ContentType:  resp.Header.Get("Content-Type"),
		Validators: validators{
			ETag:         resp.Header.Get("ETag"),
			LastModified: resp.Header.Get("Last-Modified"),
		},
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		res.NotModified = true
		// A 304 may omit validators; the ones sent are still good.
		if res.Validators.ETag == "" {
			res.Validators.ETag = v.ETag
		}
		if res.Validators.LastModified == "" {
			res.Validators.LastModified = v.LastModified
		}
		return res, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		serr := &StatusError{Code: resp.StatusCode, Status: resp.Status}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			serr.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), w.now())
		}
		return res, fmt.Errorf("GET %s: %w", redact.Link(res.FinalURL), serr)
	}
	if resp.ContentLength > w.cfg.MaxBytes {
		return res, fmt.Errorf("GET %s: %w (%d bytes, limit %d)", redact.Link(res.FinalURL), ErrTooLarge, resp.ContentLength, w.cfg.MaxBytes)
	}
	body, err := readCapped(resp.Body, w.cfg.MaxBytes)
	if err != nil {
		return res, fmt.Errorf("GET %s: %w", redact.Link(res.FinalURL), withoutURL(err))
	}
	res.Body = body
	return res, nil
}

// fetchFile reads a local feed; its modification time and size stand in for
// an ETag.
func (w *Watcher) fetchFile(u *url.URL, v validators) (fetchResult, error) {
	path := u.Path
	fi, err := os.Stat(path)
	if err != nil {
		return fetchResult{}, fmt.Errorf("read %s: %w", path, err)
	}
	tag := "file:" + strconv.FormatInt(fi.ModTime().UnixNano(), 10) + "-" + strconv.FormatInt(fi.Size(), 10)
	res := fetchResult{FinalURL: u.String(), Validators: validators{ETag: tag}}
	if tag == v.ETag {
		res.NotModified = true
		return res, nil
	}
	if fi.Size() > w.cfg.MaxBytes {
		return res, fmt.Errorf("read %s: %w (%d bytes, limit %d)", path, ErrTooLarge, fi.Size(), w.cfg.MaxBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return res, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	body, err := readCapped(f, w.cfg.MaxBytes)
	if err != nil {
		return res, fmt.Errorf("read %s: %w", path, err)
	}
	res.Body = body
	return res, nil
}

// readCapped reads r fully, failing with ErrTooLarge past limit bytes rather
// than truncating (a truncated feed parses into a misleading partial one).
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w (over %d bytes)", ErrTooLarge, limit)
	}
	return body, nil
}

// withoutURL drops the *url.Error layer that net/http adds: it repeats the
// URL, credentials included, that the caller's message already names
// through redact.Link. What remains goes through redact.Error all the same.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return redact.Error(err)
}
