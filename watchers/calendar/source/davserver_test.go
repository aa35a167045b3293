package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
)

// memBackend is an in-memory caldav.Backend for one user. go-webdav's
// handler fixes paths by segment count: /<user>/<home>/<calendar>/<object>.
type memBackend struct {
	mu   sync.Mutex
	cals []caldav.Calendar
	objs map[string]caldav.CalendarObject // by object path
}

const (
	testPrincipal = "/alice/"
	testHome      = "/alice/calendars/"
)

func newMemBackend() *memBackend { return &memBackend{objs: map[string]caldav.CalendarObject{}} }

func (b *memBackend) CurrentUserPrincipal(context.Context) (string, error) { return testPrincipal, nil }
func (b *memBackend) CalendarHomeSetPath(context.Context) (string, error)  { return testHome, nil }

func (b *memBackend) CreateCalendar(_ context.Context, cal *caldav.Calendar) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cals = append(b.cals, *cal)
	return nil
}

func (b *memBackend) ListCalendars(context.Context) ([]caldav.Calendar, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.cals), nil
}

func (b *memBackend) GetCalendar(_ context.Context, p string) (*caldav.Calendar, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.cals {
		if c.Path == p {
			return &c, nil
		}
	}
	return nil, webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no calendar %s", p))
}

func (b *memBackend) GetCalendarObject(_ context.Context, p string, _ *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	co, ok := b.objs[p]
	if !ok {
		return nil, webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no object %s", p))
	}
	return &co, nil
}

func (b *memBackend) list(dir string) []caldav.CalendarObject {
	var out []caldav.CalendarObject
	for p, co := range b.objs {
		if path.Dir(p)+"/" == dir {
			out = append(out, co)
		}
	}
	slices.SortFunc(out, func(a, b caldav.CalendarObject) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func (b *memBackend) ListCalendarObjects(_ context.Context, p string, _ *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.list(p), nil
}

func (b *memBackend) QueryCalendarObjects(_ context.Context, p string, q *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return caldav.Filter(q, b.list(p))
}

func (b *memBackend) PutCalendarObject(_ context.Context, p string, cal *ical.Calendar, _ *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	co := caldav.CalendarObject{Path: p, ModTime: time.Unix(1700000000, 0), ContentLength: int64(buf.Len()),
		ETag: hex.EncodeToString(sum[:8]), Data: cal}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objs[p] = co
	return &co, nil
}

func (b *memBackend) DeleteCalendarObject(_ context.Context, p string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.objs[p]; !ok {
		return webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf("no object %s", p))
	}
	delete(b.objs, p)
	return nil
}

// dropCalendar removes a calendar and its objects (go-webdav's Backend has
// no DELETE for collections).
func (b *memBackend) dropCalendar(p string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cals = slices.DeleteFunc(b.cals, func(c caldav.Calendar) bool { return c.Path == p })
	for op := range b.objs {
		if strings.HasPrefix(op, p) {
			delete(b.objs, op)
		}
	}
}

var _ caldav.Backend = (*memBackend)(nil)

// davRequest is one request the test server saw.
type davRequest struct {
	Method string
	Path   string
	// Kind is the REPORT's root element: calendar-query or
	// calendar-multiget.
	Kind string
	// Hrefs is the number of hrefs in a multiget.
	Hrefs int
	// WithData tells a report that asked for calendar-data.
	WithData bool
}

func classify(method, p string, body []byte) davRequest {
	req := davRequest{Method: method, Path: p}
	switch {
	case bytes.Contains(body, []byte("calendar-query")):
		req.Kind = "calendar-query"
	case bytes.Contains(body, []byte("calendar-multiget")):
		req.Kind = "calendar-multiget"
		req.Hrefs = bytes.Count(body, []byte("<D:href>"))
	}
	req.WithData = bytes.Contains(body, []byte("calendar-data"))
	return req
}

// davServer is go-webdav's CalDAV handler on httptest, behind basic auth,
// recording each request.
type davServer struct {
	*httptest.Server
	backend *memBackend

	mu   sync.Mutex
	seen []davRequest
	// ctags makes the server answer the home's PROPFIND itself, with a
	// CalendarServer getctag per calendar, as Radicale, Nextcloud and
	// iCloud do (go-webdav's handler has no change token).
	ctags bool
}

func newDAVServer(t testing.TB, user, pass string) *davServer {
	t.Helper()
	s := &davServer{backend: newMemBackend()}
	h := &caldav.Handler{Backend: s.backend}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.seen = append(s.seen, classify(r.Method, r.URL.Path, body))
		ctags := s.ctags
		s.mu.Unlock()
		if ctags && r.Method == "PROPFIND" && r.URL.Path == testHome {
			s.serveHomeWithCTags(w)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// serveHomeWithCTags lists the calendars with a getctag that changes
// whenever an object in the calendar changes.
func (s *davServer) serveHomeWithCTags(w http.ResponseWriter) {
	b := s.backend
	b.mu.Lock()
	defer b.mu.Unlock()
	var out strings.Builder
	out.WriteString(`<?xml version="1.0" encoding="utf-8"?><multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">`)
	out.WriteString(`<response><href>` + testHome + `</href><propstat><prop><resourcetype><collection/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response>`)
	for _, c := range b.cals {
		h := sha256.New()
		for _, co := range b.list(c.Path) {
			fmt.Fprintf(h, "%s=%s;", co.Path, co.ETag)
		}
		fmt.Fprintf(&out, `<response><href>%s</href><propstat><prop><resourcetype><collection/><C:calendar/></resourcetype>`+
			`<displayname>%s</displayname><CS:getctag>"%x"</CS:getctag></prop><status>HTTP/1.1 200 OK</status></propstat></response>`,
			c.Path, c.Name, h.Sum(nil)[:8])
	}
	out.WriteString(`</multistatus>`)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = io.WriteString(w, out.String())
}

// take returns the requests seen since the last call.
func (s *davServer) take() []davRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.seen
	s.seen = nil
	return out
}

func (s *davServer) addCalendar(t testing.TB, name, display string) string {
	t.Helper()
	p := testHome + name + "/"
	if err := s.backend.CreateCalendar(context.Background(), &caldav.Calendar{Path: p, Name: display}); err != nil {
		t.Fatal(err)
	}
	return p
}

// put stores an event; it returns the object's href.
func (s *davServer) put(t testing.TB, calPath, uid, summary string, start time.Time) string {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(eventICS(uid, summary, start))).Decode()
	if err != nil {
		t.Fatal(err)
	}
	p := calPath + uid + ".ics"
	if _, err := s.backend.PutCalendarObject(context.Background(), p, cal, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// eventICS is a one-hour event in UTC.
func eventICS(uid, summary string, start time.Time) string {
	const f = "20060102T150405Z"
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//agentd//test//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20240101T000000Z\r\n" +
		"DTSTART:" + start.UTC().Format(f) + "\r\nDTEND:" + start.Add(time.Hour).UTC().Format(f) + "\r\n" +
		"SUMMARY:" + summary + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
}

// countingTransport counts requests and bytes on the client side, and
// records what each request was.
type countingTransport struct {
	base http.RoundTripper

	mu       sync.Mutex
	requests int
	sent     int64
	received int64
	seen     []davRequest
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			body, _ = io.ReadAll(rc)
			_ = rc.Close()
		}
	}
	c.mu.Lock()
	c.requests++
	if req.ContentLength > 0 {
		c.sent += req.ContentLength
	}
	c.seen = append(c.seen, classify(req.Method, req.URL.Path, body))
	c.mu.Unlock()
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, c: c}
	return resp, nil
}

func (c *countingTransport) reset() (requests int, sent, received int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	requests, sent, received = c.requests, c.sent, c.received
	c.requests, c.sent, c.received, c.seen = 0, 0, 0, nil
	return requests, sent, received
}

// take returns the requests made since the last take or reset.
func (c *countingTransport) take() []davRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.seen
	c.seen = nil
	return out
}

type countingBody struct {
	io.ReadCloser
	c *countingTransport
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.mu.Lock()
	b.c.received += int64(n)
	b.c.mu.Unlock()
	return n, err
}
