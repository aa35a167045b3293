package source

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/agentd/agentd/internal/redact"
)

// defaultTimeout bounds one HTTP request when the caller gives no client.
const defaultTimeout = 60 * time.Second

// authClient adds basic authentication to every request and turns a 401
// into ErrUnauthorized, so go-webdav's calls (which only see Do's error)
// report it clearly. It implements webdav.HTTPClient.
type authClient struct {
	c                  *http.Client
	username, password string
}

func (a *authClient) Do(req *http.Request) (*http.Response, error) {
	if a.username != "" || a.password != "" {
		req.SetBasicAuth(a.username, a.password)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		return nil, redact.Error(err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		drain(resp.Body)
		return nil, ErrUnauthorized
	}
	return resp, nil
}

// drain reads a little of an unwanted body so the connection can be reused,
// then closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 4<<10))
	_ = body.Close()
}

// readCapped reads at most max bytes of r, failing with ErrTooLarge beyond.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w (limit %d bytes)", ErrTooLarge, max)
	}
	return b, nil
}

// splitUserinfo removes credentials from raw and returns them separately,
// so they never appear in a log line or an error.
func splitUserinfo(raw string) (clean, user, pass string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", "", fmt.Errorf("invalid url %q", redact.Link(raw))
	}
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
		u.User = nil
	}
	return u.String(), user, pass, nil
}

// looksLikeICalendar is the one check made on content here: a subscription
// that answers 200 with an HTML login page must not empty the calendar.
func looksLikeICalendar(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	const begin = "BEGIN:VCALENDAR"
	return len(b) >= len(begin) && strings.EqualFold(string(b[:len(begin)]), begin)
}
