package redact

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// linkCases are URLs with what Link makes of them and, for the ones that
// carry secrets, the secrets that must be gone.
var linkCases = map[string]struct {
	in, want string
	secrets  []string
}{
	// User info: the user name goes too (a lone user part is often a token).
	"user and password": {in: "https://bob:hunter2@example.org/feed", want: "https://REDACTED@example.org/feed", secrets: []string{"bob", "hunter2"}},
	"lone user token":   {in: "nats://t0ken@h1:4222", want: "nats://REDACTED@h1:4222", secrets: []string{"t0ken"}},
	"empty password":    {in: "https://alice:@example.org/", want: "https://REDACTED@example.org/", secrets: []string{"alice"}},
	"password with @":   {in: "https://bob:p%40ss@example.org/x", want: "https://REDACTED@example.org/x", secrets: []string{"p%40ss"}},
	"password with /":   {in: "https://bob:pa/ss@example.org/feed", want: "https://REDACTED@example.org/feed", secrets: []string{"pa/ss", "bob"}},
	"no scheme":         {in: "bob:hunter2@example.org/feed", want: "REDACTED@example.org/feed", secrets: []string{"hunter2"}},
	"cluster":           {in: "nats://a:s3cret@h1:4222, nats://h2:4222", want: "nats://REDACTED@h1:4222, nats://h2:4222", secrets: []string{"s3cret"}},
	"cluster no spaces": {in: "nats://h1:4222,tls://tok3n@h2:4222", want: "nats://h1:4222,tls://REDACTED@h2:4222", secrets: []string{"tok3n"}},

	// Query values whose names say credential, in any case.
	"token":              {in: "https://example.com/a.ics?token=abc", want: "https://example.com/a.ics?token=REDACTED", secrets: []string{"abc"}},
	"api_key kept order": {in: "https://example.org/feed?page=2&api_key=s3cr3t&b=1", want: "https://example.org/feed?page=2&api_key=REDACTED&b=1", secrets: []string{"s3cr3t"}},
	"many names": {
		in:      "https://x.example/a?Access_Token=t1&apiKey=t2&X-Api-Key=t3&AUTH=t4&password=t5&pass=t6&client_secret=t7&sig=t8&signature=t9&code=t10&session_id=t11&private_key=t12",
		want:    "https://x.example/a?Access_Token=REDACTED&apiKey=REDACTED&X-Api-Key=REDACTED&AUTH=REDACTED&password=REDACTED&pass=REDACTED&client_secret=REDACTED&sig=REDACTED&signature=REDACTED&code=REDACTED&session_id=REDACTED&private_key=REDACTED",
		secrets: []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"},
	},
	"signed S3 link": {
		in:      "https://b.s3.example/o?X-Amz-Credential=AKIAEXAMPLE%2F20261203&X-Amz-Signature=9f86d081&X-Amz-Expires=300",
		want:    "https://b.s3.example/o?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Expires=REDACTED",
		secrets: []string{"AKIAEXAMPLE", "9f86d081"},
	},
	"random value, plain name": {in: "https://air.example/cal/1234.ics?s=8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d", want: "https://air.example/cal/1234.ics?s=REDACTED", secrets: []string{"8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d"}},
	"uuid value":               {in: "https://book.example/ical?t=0f8fad5b-d9cb-469f-a165-70867728950e", want: "https://book.example/ical?t=REDACTED", secrets: []string{"0f8fad5b"}},
	"bare token param":         {in: "https://x.example/cal?Zx8kQ2mP9vL4tR7wB1nC5yH3", want: "https://x.example/cal?REDACTED", secrets: []string{"Zx8kQ2mP9vL4tR7wB1nC5yH3"}},
	"fragment":                 {in: "https://app.example/cb#access_token=ya29abc&expires_in=3600", want: "https://app.example/cb#access_token=REDACTED&expires_in=3600", secrets: []string{"ya29abc"}},

	// Token-like path segments: private calendar and feed links.
	"google private": {
		in:      "https://calendar.google.com/calendar/ical/me%40gmail.com/private-9f86d081884c7d659a2f/basic.ics",
		want:    "https://calendar.google.com/calendar/ical/me%40gmail.com/REDACTED/basic.ics",
		secrets: []string{"9f86d081884c7d659a2f"},
	},
	"hex key in path":    {in: "https://h.example/private-0123456789abcdef0123/basic.ics", want: "https://h.example/REDACTED/basic.ics", secrets: []string{"0123456789abcdef0123"}},
	"icloud published":   {in: "webcal://p01-caldav.icloud.com/published/2/MTIzNDU2Nzg5MTIzNDU2N4abcDEFghIJ", want: "webcal://p01-caldav.icloud.com/published/2/REDACTED", secrets: []string{"MTIzNDU2Nzg5MTIzNDU2N4abcDEFghIJ"}},
	"feed token in path": {in: "https://news.example/feeds/Zx8kQ2mP9vL4tR7wB1nC5yH3/rss.xml", want: "https://news.example/feeds/REDACTED/rss.xml", secrets: []string{"Zx8kQ2mP9vL4tR7wB1nC5yH3"}},
	"uuid segment":       {in: "https://cloud.example/remote.php/dav/public-calendars/0f8fad5b-d9cb-469f-a165-70867728950e/", want: "https://cloud.example/remote.php/dav/public-calendars/REDACTED/", secrets: []string{"0f8fad5b"}},
	"all at once": {
		in:      "https://u:p@h.example/private-9f86d081884c7d659a2f/basic.ics?key=hunter2#x",
		want:    "https://REDACTED@h.example/REDACTED/basic.ics?key=REDACTED#x",
		secrets: []string{"hunter2", "9f86d081884c7d659a2f"},
	},
	"does not parse": {in: "https://h.example/%zz/a?token=hunter2", want: "https://h.example/%zz/a?token=REDACTED", secrets: []string{"hunter2"}},

	// Look-alikes that stay as they are.
	"plain feed":     {in: "https://blog.example/feeds/rss.xml", want: "https://blog.example/feeds/rss.xml"},
	"dated post":     {in: "https://blog.example/2026/12/03/title-of-post", want: "https://blog.example/2026/12/03/title-of-post"},
	"dated calendar": {in: "https://example.com/holidays/2026-calendar-de.ics", want: "https://example.com/holidays/2026-calendar-de.ics"},
	"short ids":      {in: "https://youtube.example/watch?v=dQw4w9WgXcQ&t=42", want: "https://youtube.example/watch?v=dQw4w9WgXcQ&t=42"},
	"slug with id":   {in: "https://medium.example/@bob/how-to-x-8f3a2b1c9d0e?source=rss", want: "https://medium.example/@bob/how-to-x-8f3a2b1c9d0e?source=rss"},
	"long number":    {in: "https://social.example/user/status/1234567890123456789", want: "https://social.example/user/status/1234567890123456789"},
	"short commit":   {in: "https://git.example/agentd/commit/765fa37", want: "https://git.example/agentd/commit/765fa37"},
	"uuid file":      {in: "https://dav.example.com/cal/550e8400-e29b-41d4-a716-446655440000.ics", want: "https://dav.example.com/cal/550e8400-e29b-41d4-a716-446655440000.ics"},
	"plain query":    {in: "https://example.com/search?q=hello+world&page=2&date=2026-12-03&author=bob&format=atom", want: "https://example.com/search?q=hello+world&page=2&date=2026-12-03&author=bob&format=atom"},
	"long word":      {in: "https://example.com/internationalization/CamelCaseArticle", want: "https://example.com/internationalization/CamelCaseArticle"},
	"escapes kept":   {in: "https://example.com/a%20b/?q=%C3%A9t%C3%A9", want: "https://example.com/a%20b/?q=%C3%A9t%C3%A9"},
	"host and port":  {in: "nats://127.0.0.1:4222", want: "nats://127.0.0.1:4222"},
	"ipv6":           {in: "http://[::1]:8080/x", want: "http://[::1]:8080/x"},
	"file":           {in: "file:///home/bob/feeds/local.xml", want: "file:///home/bob/feeds/local.xml"},
	"empty value":    {in: "https://example.com/?token=&x", want: "https://example.com/?token=&x"},
	"empty":          {in: "", want: ""},
}

func TestLink(t *testing.T) {
	for name, tc := range linkCases {
		t.Run(name, func(t *testing.T) {
			got := Link(tc.in)
			if got != tc.want {
				t.Errorf("Link(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			for _, s := range tc.secrets {
				if strings.Contains(got, s) {
					t.Errorf("Link(%q) = %q still shows %q", tc.in, got, s)
				}
			}
			if again := Link(got); again != got {
				t.Errorf("Link is not idempotent: %q, then %q", got, again)
			}
		})
	}
}

func TestText(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"net/http error": {
			in:   `ics c: GET https://h.example/REDACTED/basic.ics: Get "https://bob:pw@h.example/private-9f86d081884c7d659a2f/basic.ics?token=hunter2": dial tcp: lookup h.example: no such host`,
			want: `ics c: GET https://h.example/REDACTED/basic.ics: Get "https://REDACTED@h.example/REDACTED/basic.ics?token=REDACTED": dial tcp: lookup h.example: no such host`,
		},
		"nats list in a sentence": {
			in:   "bus: connect to nats://u:s3cret@h1:4222, nats://h2:4222: no servers available for connection",
			want: "bus: connect to nats://REDACTED@h1:4222, nats://h2:4222: no servers available for connection",
		},
		"punctuation after": {
			in:   "see (https://example.com/a?key=1). Or <https://t0k@example.com/>, then https://example.com/b?sig=2!",
			want: "see (https://example.com/a?key=REDACTED). Or <https://REDACTED@example.com/>, then https://example.com/b?sig=REDACTED!",
		},
		"slog quoting": {
			in:   `level=WARN msg="feed failed" url=https://example.org/f?api_key=abc err="GET https://u:p@example.org/f: 403"`,
			want: `level=WARN msg="feed failed" url=https://example.org/f?api_key=REDACTED err="GET https://REDACTED@example.org/f: 403"`,
		},
		"harmless url": {in: "GET https://blog.example/2026/12/03/title-of-post: 404 Not Found", want: "GET https://blog.example/2026/12/03/title-of-post: 404 Not Found"},
		"no url": {
			in:   "token=abc; key: value; bob@example.com; user:pw@host; 2026-12-03T10:00:00Z; Zx8kQ2mP9vL4tR7wB1nC5yH3",
			want: "token=abc; key: value; bob@example.com; user:pw@host; 2026-12-03T10:00:00Z; Zx8kQ2mP9vL4tR7wB1nC5yH3",
		},
		"empty": {in: "", want: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Text(tc.in); got != tc.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestErrorFromNetHTTP(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // connection refused
	u := strings.Replace(srv.URL, "http://", "http://bob:hunter2@", 1) + "/private-9f86d081884c7d659a2f/basic.ics?token=t0psecret"
	_, err := srv.Client().Get(u)
	if err == nil {
		t.Fatal("GET to a closed server worked")
	}
	red := Error(err)
	msg := red.Error()
	for _, s := range []string{"bob", "hunter2", "9f86d081884c7d659a2f", "t0psecret"} {
		if strings.Contains(msg, s) {
			t.Errorf("redacted error %q still shows %q", msg, s)
		}
	}
	if !strings.Contains(msg, "REDACTED@127.0.0.1") || !strings.Contains(msg, "token=REDACTED") {
		t.Errorf("redacted error %q lost its shape", msg)
	}
	ue, ok := red.(*url.Error)
	if !ok {
		t.Fatalf("Error(*url.Error) = %T, want *url.Error", red)
	}
	if ue.Op != "Get" || ue.Timeout() {
		t.Errorf("url.Error op %q timeout %v", ue.Op, ue.Timeout())
	}
	if !errors.Is(red, errors.Unwrap(err)) {
		t.Error("the cause is lost")
	}
	// Wrapped once more, as callers do: the message is redacted, the chain
	// still leads to the *url.Error and its cause.
	wrapped := Error(fmt.Errorf("feed x: %w", err))
	if strings.Contains(wrapped.Error(), "hunter2") || strings.Contains(wrapped.Error(), "t0psecret") {
		t.Errorf("wrapped: %v", wrapped)
	}
	if !errors.As(wrapped, &ue) || !errors.Is(wrapped, err) {
		t.Error("wrapped: errors.As/Is do not reach the original")
	}
}

func TestError(t *testing.T) {
	if Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
	plain := errors.New("no URL in here")
	if got := Error(plain); got != plain {
		t.Errorf("Error returned %v (%T) for an error without URL, want it as is", got, got)
	}
	ctxErr := &url.Error{Op: "Get", URL: "https://u:p@example.org/a?key=k3y", Err: context.DeadlineExceeded}
	got := Error(ctxErr)
	if want := `Get "https://REDACTED@example.org/a?key=REDACTED": context deadline exceeded`; got.Error() != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(got, context.DeadlineExceeded) {
		t.Error("errors.Is lost the deadline")
	}
	var te interface{ Timeout() bool }
	if !errors.As(got, &te) || !te.Timeout() {
		t.Error("Timeout lost")
	}
	sentinel := errors.New("boom")
	got = Error(fmt.Errorf("connect to nats://tok3n@h:4222: %w", sentinel))
	if got.Error() != "connect to nats://REDACTED@h:4222: boom" || !errors.Is(got, sentinel) {
		t.Errorf("got %q, errors.Is %v", got, errors.Is(got, sentinel))
	}
	if again := Error(got); again != got {
		t.Error("redacting twice wraps twice")
	}
}
