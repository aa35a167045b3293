package source

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strings"
	"time"
)

// The REPORT and PROPFIND bodies are written here rather than through
// go-webdav's QueryCalendar/MultiGetCalendar: those always ask for
// calendar-data (a listing of ETags would carry every event) and hand back
// re-encoded *ical.Calendar values instead of the bytes the server sent.

// listCalendarsBody asks a calendar home for its calendars and their change
// tokens (RFC 6578 sync-token, CalendarServer getctag) in one request.
const listCalendarsBody = xml.Header + `<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">` +
	`<D:prop><D:resourcetype/><D:displayname/><D:sync-token/><CS:getctag/></D:prop></D:propfind>`

// etagQueryBody is a calendar-query for the hrefs and ETags of the events
// overlapping [start, end), without their data. Zero times mean no range.
func etagQueryBody(start, end time.Time) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`)
	b.WriteString(`<D:prop><D:getetag/></D:prop>`)
	b.WriteString(`<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">`)
	if !start.IsZero() || !end.IsZero() {
		b.WriteString(`<C:time-range`)
		if !start.IsZero() {
			b.WriteString(` start="` + start.UTC().Format("20060102T150405Z") + `"`)
		}
		if !end.IsZero() {
			b.WriteString(` end="` + end.UTC().Format("20060102T150405Z") + `"`)
		}
		b.WriteString(`/>`)
	}
	b.WriteString(`</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`)
	return b.Bytes()
}

// multigetBody is a calendar-multiget for hrefs, with their data or (to
// tell a deleted object from one that left the time range) ETags only.
func multigetBody(hrefs []string, withData bool) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`)
	b.WriteString(`<D:prop><D:getetag/>`)
	if withData {
		b.WriteString(`<C:calendar-data/>`)
	}
	b.WriteString(`</D:prop>`)
	for _, h := range hrefs {
		b.WriteString(`<D:href>`)
		_ = xml.EscapeText(&b, []byte(escapeHref(h)))
		b.WriteString(`</D:href>`)
	}
	b.WriteString(`</C:calendar-multiget>`)
	return b.Bytes()
}

// escapeHref percent-encodes a decoded path for an href element.
func escapeHref(p string) string { return (&url.URL{Path: p}).EscapedPath() }

type multistatus struct {
	XMLName   xml.Name      `xml:"DAV: multistatus"`
	Responses []davResponse `xml:"DAV: response"`
}

type davResponse struct {
	Hrefs     []string      `xml:"DAV: href"`
	Status    string        `xml:"DAV: status"`
	Propstats []davPropstat `xml:"DAV: propstat"`
}

type davPropstat struct {
	Status string  `xml:"DAV: status"`
	Prop   davProp `xml:"DAV: prop"`
}

type davProp struct {
	ETag         *string `xml:"DAV: getetag"`
	DisplayName  string  `xml:"DAV: displayname"`
	SyncToken    string  `xml:"DAV: sync-token"`
	CTag         string  `xml:"http://calendarserver.org/ns/ getctag"`
	CalendarData *string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
	ResourceType struct {
		Calendar *struct{} `xml:"urn:ietf:params:xml:ns:caldav calendar"`
	} `xml:"DAV: resourcetype"`
}

// resource is one response of a multistatus, with the properties that came
// back with a 2xx status merged.
type resource struct {
	Path string
	// Code is the response-level status (404 for a deleted href in a
	// multiget), or 200 when the response has propstats.
	Code       int
	ETag       string
	HasETag    bool
	Data       []byte
	HasData    bool
	Name       string
	Token      string
	IsCalendar bool
}

func parseMultistatus(body []byte) ([]resource, error) {
	var ms multistatus
	if err := xml.Unmarshal(body, &ms); err != nil {
		return nil, err
	}
	out := make([]resource, 0, len(ms.Responses))
	for _, r := range ms.Responses {
		if len(r.Hrefs) == 0 {
			continue
		}
		for _, h := range r.Hrefs {
			res := resource{Path: hrefPath(h), Code: 200}
			if r.Status != "" {
				res.Code = statusCode(r.Status)
			}
			for _, ps := range r.Propstats {
				if c := statusCode(ps.Status); c < 200 || c > 299 {
					continue
				}
				p := ps.Prop
				if p.ETag != nil {
					res.ETag, res.HasETag = unquoteETag(*p.ETag), true
				}
				if p.CalendarData != nil {
					res.Data, res.HasData = []byte(*p.CalendarData), true
				}
				if p.DisplayName != "" {
					res.Name = p.DisplayName
				}
				if p.SyncToken != "" {
					res.Token = "sync:" + p.SyncToken
				} else if p.CTag != "" && res.Token == "" {
					res.Token = "ctag:" + p.CTag
				}
				if p.ResourceType.Calendar != nil {
					res.IsCalendar = true
				}
			}
			out = append(out, res)
		}
	}
	return out, nil
}

// hrefPath turns an href (a path or an absolute URL, percent-encoded) into
// a decoded path, the form go-webdav returns.
func hrefPath(h string) string {
	h = strings.TrimSpace(h)
	u, err := url.Parse(h)
	if err != nil {
		return h
	}
	return u.Path
}

// statusCode reads "HTTP/1.1 404 Not Found".
func statusCode(s string) int {
	f := strings.Fields(s)
	if len(f) < 2 {
		return 0
	}
	n := 0
	for _, c := range f[1] {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// unquoteETag removes the quotes (and a weak marker) around an ETag, as
// go-webdav does, so ETags from PUT headers and from REPORTs compare equal.
func unquoteETag(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s
}
