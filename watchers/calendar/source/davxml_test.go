package source

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseMultistatus(t *testing.T) {
	cases := map[string]struct {
		file string // in testdata/, or
		body string
		want []resource
	}{
		"radicale home with tokens": {file: "radicale-home-propfind.xml", want: []resource{
			{Path: "/alice/", Code: 200},
			{Path: "/alice/work/", Code: 200, Name: "Work", IsCalendar: true,
				Token: "sync:http://radicale.org/ns/sync/60143e1110b49d49aea4402c695bc0ffbf3f946fb30c44d245925ea0fd7a9d51"},
		}},
		"radicale etag query, encoded href": {file: "radicale-etag-query.xml", want: []resource{
			{Path: "/alice/work/a.ics", Code: 200, HasETag: true, ETag: "3f33e1f1c84c2e08a76b4041d6a916fa363d8ef9cde804767ecdd1d4de3c9600"},
			{Path: "/alice/work/b c.ics", Code: 200, HasETag: true, ETag: "5e50b42e51ef28b0b85fb05a8c736f2852f4dd88fd5e89df8d4d39a303b62f6b"},
		}},
		"radicale multiget with a deleted href": {file: "radicale-multiget.xml", want: []resource{
			{Path: "/alice/work/gone.ics", Code: 404},
			{Path: "/alice/work/b c.ics", Code: 200, HasETag: true, ETag: "5e50b42e51ef28b0b85fb05a8c736f2852f4dd88fd5e89df8d4d39a303b62f6b",
				HasData: true, Data: []byte("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\nUID:b c\nDTSTART:20260310T100000Z\n" +
					"DTEND:20260310T110000Z\nDTSTAMP:20240101T000000Z\nSUMMARY:Café & <co>\nEND:VEVENT\nEND:VCALENDAR\n")},
		}},
		"absolute href, weak etag, ctag only, prefixed namespace": {body: `<d:multistatus xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">` +
			`<d:response><d:href>https://dav.example.com/cal/x%40y.ics</d:href><d:propstat><d:prop><d:getetag>W/"abc"</d:getetag>` +
			`<cs:getctag>42</cs:getctag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`,
			want: []resource{{Path: "/cal/x@y.ics", Code: 200, HasETag: true, ETag: "abc", Token: "ctag:42"}}},
		"props in a 404 propstat are ignored": {body: `<multistatus xmlns="DAV:"><response><href>/c/</href>` +
			`<propstat><prop><getetag>"x"</getetag></prop><status>HTTP/1.1 404 Not Found</status></propstat></response></multistatus>`,
			want: []resource{{Path: "/c/", Code: 200}}},
		"empty": {body: `<multistatus xmlns="DAV:"/>`, want: []resource{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			body := []byte(tc.body)
			if tc.file != "" {
				var err error
				if body, err = os.ReadFile(filepath.Join("testdata", tc.file)); err != nil {
					t.Fatal(err)
				}
			}
			got, err := parseMultistatus(body)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseMultistatusRejects(t *testing.T) {
	cases := map[string]string{
		"html":          "<html><body>Login</body></html>",
		"not xml":       "BEGIN:VCALENDAR",
		"wrong root ns": `<multistatus xmlns="urn:other"/>`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := parseMultistatus([]byte(body)); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestRequestBodies(t *testing.T) {
	q := string(etagQueryBody(time.Date(2026, 3, 9, 0, 0, 0, 0, time.FixedZone("CET", 3600)), time.Date(2026, 4, 9, 0, 0, 0, 0, time.UTC)))
	if !strings.Contains(q, `<C:time-range start="20260308T230000Z" end="20260409T000000Z"/>`) || strings.Contains(q, "calendar-data") {
		t.Errorf("etag query: %s", q)
	}
	if q := string(etagQueryBody(time.Time{}, time.Time{})); strings.Contains(q, "time-range") {
		t.Errorf("query without range: %s", q)
	}
	m := string(multigetBody([]string{"/a/b c.ics", "/a/x&y.ics"}, false))
	if !strings.Contains(m, "<D:href>/a/b%20c.ics</D:href>") || !strings.Contains(m, "<D:href>/a/x&amp;y.ics</D:href>") ||
		strings.Contains(m, "calendar-data") {
		t.Errorf("multiget: %s", m)
	}
}

func FuzzParseMultistatus(f *testing.F) {
	entries, _ := os.ReadDir("testdata")
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<multistatus xmlns="DAV:"><response><href>%zz</href><status>HTTP/1.1</status></response></multistatus>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := parseMultistatus(b)
		if err != nil {
			return
		}
		// A parsed href must survive being sent back in a multiget.
		for _, r := range rs {
			if !strings.HasPrefix(r.Path, "/") || strings.HasPrefix(r.Path, "//") {
				continue
			}
			if back := hrefPath(escapeHref(r.Path)); back != r.Path {
				t.Errorf("href %q comes back as %q", r.Path, back)
			}
		}
	})
}
