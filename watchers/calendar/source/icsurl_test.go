package source

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// icsServer serves one document with the validators a test chooses, and
// answers conditional requests the way nginx does.
type icsServer struct {
	mu           sync.Mutex
	body         string
	contentType  string
	status       int // 0 = 200
	etag         bool
	lastModified time.Time
	requests     int
	conditional  []string // the If-None-Match / If-Modified-Since seen, per request
}

func (s *icsServer) set(f func(*icsServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *icsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.conditional = append(s.conditional, r.Header.Get("If-None-Match")+"|"+r.Header.Get("If-Modified-Since"))
	if s.status != 0 {
		http.Error(w, "nope", s.status)
		return
	}
	tag := `"` + contentHash([]byte(s.body)) + `"`
	if s.etag {
		w.Header().Set("ETag", tag)
		if r.Header.Get("If-None-Match") == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if !s.lastModified.IsZero() {
		w.Header().Set("Last-Modified", s.lastModified.UTC().Format(http.TimeFormat))
		if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !s.lastModified.After(ims) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	ct := s.contentType
	if ct == "" {
		ct = "text/calendar; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write([]byte(s.body))
}

func (s *icsServer) stats() (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, append([]string(nil), s.conditional...)
}

func newICS(t *testing.T, url string, client *http.Client, opts ...Option) *ICSURL {
	t.Helper()
	f, err := NewICSURL(ICSConfig{Name: "holidays", URL: url, HTTPClient: client}, state.NewMemory(), testLogger(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestICSURLConditionalGet(t *testing.T) {
	v1 := eventICS("h1", "Holiday", testNow)
	v2 := eventICS("h1", "Holiday (moved)", testNow.Add(24*time.Hour))
	cases := map[string]struct {
		etag         bool
		lastModified bool
		// wantHeader is the conditional header sent on the second poll.
		wantHeader string
	}{
		"etag":          {etag: true, wantHeader: "If-None-Match"},
		"last-modified": {lastModified: true, wantHeader: "If-Modified-Since"},
		"no validators": {},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := &icsServer{body: v1, etag: tc.etag}
			if tc.lastModified {
				s.lastModified = testNow
			}
			srv := httptest.NewServer(s)
			defer srv.Close()
			url := srv.URL + "/holidays.ics"
			f := newICS(t, url, srv.Client())

			ch := fetchCommit(t, f)
			if len(ch.Changed) != 1 || string(ch.Changed[0].Data) != v1 || ch.Changed[0].Href != url ||
				ch.Changed[0].Calendar != "holidays" || ch.Changed[0].ETag == "" {
				t.Fatalf("first fetch: %s", describe(ch))
			}
			firstTag := ch.Changed[0].ETag

			// Unchanged: a 304 where the server supports it, else the
			// same bytes; either way nothing changed.
			if ch := fetchCommit(t, f); !ch.Empty() {
				t.Fatalf("unchanged poll: %s", describe(ch))
			}
			_, cond := s.stats()
			inm, ims, _ := strings.Cut(cond[1], "|")
			switch tc.wantHeader {
			case "If-None-Match":
				if inm == "" {
					t.Errorf("second request sent no If-None-Match: %q", cond[1])
				}
			case "If-Modified-Since":
				if ims == "" {
					t.Errorf("second request sent no If-Modified-Since: %q", cond[1])
				}
			default:
				if cond[1] != "|" {
					t.Errorf("conditional headers without validators: %q", cond[1])
				}
			}

			s.set(func(s *icsServer) {
				s.body = v2
				if !s.lastModified.IsZero() {
					s.lastModified = s.lastModified.Add(time.Hour)
				}
			})
			ch = fetchCommit(t, f)
			if len(ch.Changed) != 1 || string(ch.Changed[0].Data) != v2 || ch.Changed[0].ETag == firstTag {
				t.Fatalf("after change: %s", describe(ch))
			}
		})
	}
}

func TestICSURLWebcalMapsToHTTPS(t *testing.T) {
	s := &icsServer{body: eventICS("h1", "Holiday", testNow), etag: true}
	srv := httptest.NewTLSServer(s)
	defer srv.Close()
	webcal := "webcal://" + strings.TrimPrefix(srv.URL, "https://") + "/cal.ics"
	f := newICS(t, webcal, srv.Client())
	ch := fetchCommit(t, f)
	if len(ch.Changed) != 1 || ch.Changed[0].Href != srv.URL+"/cal.ics" {
		t.Fatalf("webcal fetch: %s", describe(ch))
	}
	if n, _ := s.stats(); n != 1 {
		t.Fatalf("requests = %d", n)
	}
}

func TestICSURLErrors(t *testing.T) {
	cases := map[string]struct {
		server    func(*icsServer)
		opts      []Option
		is        error
		permanent bool
	}{
		"html login page": {server: func(s *icsServer) {
			s.body, s.contentType = "<!doctype html><title>Sign in</title>", "text/html"
		}, is: ErrNotCalendar, permanent: true},
		"not found":   {server: func(s *icsServer) { s.status = http.StatusNotFound }, permanent: true},
		"unavailable": {server: func(s *icsServer) { s.status = http.StatusServiceUnavailable }},
		"unauthorized": {server: func(s *icsServer) { s.status = http.StatusUnauthorized },
			is: ErrUnauthorized, permanent: true},
		"too large": {opts: []Option{WithMaxBytes(64)}, is: ErrTooLarge},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := &icsServer{body: eventICS("h1", "Holiday", testNow)}
			if tc.server != nil {
				tc.server(s)
			}
			srv := httptest.NewServer(s)
			defer srv.Close()
			f := newICS(t, srv.URL+"/private-0123456789abcdef0123/basic.ics?token=hunter2", srv.Client(), tc.opts...)
			ch, err := f.Fetch(context.Background())
			if err == nil {
				t.Fatalf("no error; %s", describe(ch))
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("IsPermanent(%v) = %v", err, !tc.permanent)
			}
			if msg := err.Error(); strings.Contains(msg, "hunter2") || strings.Contains(msg, "0123456789abcdef0123") ||
				!strings.Contains(msg, "ics holidays") {
				t.Errorf("error leaks a secret or names no source: %s", msg)
			}
		})
	}
}

func TestICSURLHrefHidesSecrets(t *testing.T) {
	s := &icsServer{body: eventICS("h1", "Holiday", testNow)}
	srv := httptest.NewServer(s)
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://bob:pw-Secret@", 1) + "/calendar/ical/bob/private-0a1b2c3d4e5f6a7b8c9d/basic.ics?key=hunter2"
	ch := fetchCommit(t, newICS(t, u, srv.Client()))
	if len(ch.Changed) != 1 {
		t.Fatalf("fetch: %s", describe(ch))
	}
	href := ch.Changed[0].Href
	for _, secret := range []string{"pw-Secret", "hunter2", "0a1b2c3d4e5f6a7b8c9d"} {
		if strings.Contains(href, secret) {
			t.Errorf("href %q shows %q", href, secret)
		}
	}
	if !strings.Contains(href, "/calendar/ical/bob/") || !strings.HasSuffix(strings.Split(href, "?")[0], "/basic.ics") {
		t.Errorf("href %q lost its readable parts", href)
	}
}
