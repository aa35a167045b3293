package digest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/agentd/agentd/event"
)

// Rendered is a digest as the user reads it.
type Rendered struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// Section names, as the user reads them.
const (
	titleAgenda   = "Today"
	titleReplies  = "Reply to / follow up"
	titleDrafts   = "Drafts waiting in your Drafts folder"
	titleFeeds    = "Feed highlights"
	titleOther    = "Other suggestions"
	titleProblems = "What agentd could not do"
)

// Subject is the digest's subject line.
func (d Digest) Subject() string {
	day := d.Day.Format("Mon 2 Jan")
	n := d.Items()
	var parts []string
	switch n {
	case 0:
		parts = append(parts, "nothing needs you")
	case 1:
		parts = append(parts, "1 thing for today")
	default:
		parts = append(parts, fmt.Sprintf("%d things for today", n))
	}
	if p := len(d.Problems); p > 0 {
		parts = append(parts, fmt.Sprintf("%d problem%s", p, plural(p)))
	}
	return "Your day, " + day + " — " + strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Render renders the digest as text and HTML. short is the empty digest's
// one-liner for a day with nothing to tell (notify.digest.empty: short).
func Render(d Digest) (Rendered, error) {
	var html bytes.Buffer
	if err := page.Execute(&html, view(d)); err != nil {
		return Rendered{}, fmt.Errorf("digest: render html: %w", err)
	}
	return Rendered{Subject: d.Subject(), Text: Text(d), HTML: html.String()}, nil
}

// Text renders the digest as plain text.
func Text(d Digest) string {
	var b strings.Builder
	loc := d.Location
	fmt.Fprintf(&b, "Your day, %s\n", d.Day.Format("Monday 2 January 2006"))
	if d.Summary != "" {
		fmt.Fprintf(&b, "\n%s\n", d.Summary)
	}
	if d.Empty() {
		b.WriteString("\nNothing needs you today: no meetings, reminders or open suggestions, and every source is working.\n")
	}
	section := func(title string, items []Item, timed bool) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s\n%s\n", strings.ToUpper(title), strings.Repeat("-", len([]rune(title))))
		for _, it := range items {
			lead := "  * "
			if timed {
				lead = "  " + clock(it, loc) + "  "
			}
			pad := strings.Repeat(" ", len([]rune(lead)))
			title := it.Title
			if it.Conflict && !conflictTitle(title) {
				title = "Conflict: " + title
			}
			if it.Account != "" {
				title += " (in " + it.Account + ")"
			}
			fmt.Fprintf(&b, "%s%s\n", lead, title)
			for _, l := range it.Detail {
				fmt.Fprintf(&b, "%s%s\n", pad, l)
			}
			if it.Link != "" {
				fmt.Fprintf(&b, "%s%s\n", pad, it.Link)
			}
		}
	}
	section(titleAgenda, d.Agenda, true)
	section(titleReplies, d.Replies, false)
	section(titleDrafts, d.Drafts, false)
	section(titleFeeds, d.Feeds, false)
	if d.MoreFeeds > 0 {
		fmt.Fprintf(&b, "  and %d more (agentd suggestions lists them)\n", d.MoreFeeds)
	}
	section(titleOther, d.Other, false)
	if len(d.Problems) > 0 {
		fmt.Fprintf(&b, "\n%s\n%s\n", strings.ToUpper(titleProblems), strings.Repeat("-", len(titleProblems)))
		for _, p := range d.Problems {
			fmt.Fprintf(&b, "  * %s\n", problemLine(p, loc))
			if p.Detail != "" {
				fmt.Fprintf(&b, "    %s\n", p.Detail)
			}
		}
	}
	fmt.Fprintf(&b, "\n-- \n%s\n", footer(d))
	return b.String()
}

// conflictTitle reports a title that says it is a conflict already (the
// built-in rule's do).
func conflictTitle(s string) bool { return strings.HasPrefix(strings.ToLower(s), "conflict") }

func clock(it Item, loc *time.Location) string {
	switch {
	case it.Conflict:
		return "  !  "
	case it.At.IsZero():
		return "     "
	}
	return it.At.In(loc).Format("15:04")
}

func problemLine(p Problem, loc *time.Location) string {
	if p.Since.IsZero() {
		return p.What
	}
	return p.What + " since " + p.Since.In(loc).Format("Mon 2 Jan 15:04")
}

func footer(d Digest) string {
	s := "agentd, " + d.At.Format("Mon 2 Jan 15:04") + " (" + d.Location.String() + "). Run agentd suggestions to list and answer these."
	if m := d.Model; m != nil && m.DailyTokens > 0 {
		s += fmt.Sprintf("\nModel: %s of %s tokens used yesterday.", thousands(m.SpentYesterday), thousands(m.DailyTokens))
	}
	return s
}

// The HTML: one column at most 600 px wide that shrinks to the screen,
// inline styles only (mail clients drop <style> and external sheets), no
// images or fonts to fetch, long words and links broken so nothing pushes
// the page wider than a phone.

type htmlItem struct {
	Time     string
	Title    string
	Detail   []string
	Link     string
	Why      string
	Conflict bool
	Label    bool // "Conflict: " before a title that does not say so
	Account  string
	Urgent   bool
}

type htmlSection struct {
	Title string
	Timed bool
	Items []htmlItem
	More  int
}

type htmlView struct {
	Subject  string
	Heading  string
	Summary  string
	Empty    bool
	Sections []htmlSection
	Problems []htmlItem
	Footer   []string
}

func view(d Digest) htmlView {
	v := htmlView{Subject: d.Subject(), Heading: "Your day, " + d.Day.Format("Monday 2 January"), Summary: d.Summary, Empty: d.Empty()}
	conv := func(items []Item, timed bool) []htmlItem {
		out := make([]htmlItem, 0, len(items))
		for _, it := range items {
			h := htmlItem{Title: it.Title, Detail: it.Detail, Link: it.Link, Why: it.Why, Conflict: it.Conflict, Label: it.Conflict && !conflictTitle(it.Title),
				Account: it.Account, Urgent: event.PriorityRank(it.Priority) >= event.PriorityRank(event.PriorityHigh)}
			if timed && !it.At.IsZero() && !it.Conflict {
				h.Time = it.At.In(d.Location).Format("15:04")
			}
			out = append(out, h)
		}
		return out
	}
	add := func(title string, items []Item, timed bool, more int) {
		if len(items) > 0 {
			v.Sections = append(v.Sections, htmlSection{Title: title, Timed: timed, Items: conv(items, timed), More: more})
		}
	}
	add(titleAgenda, d.Agenda, true, 0)
	add(titleReplies, d.Replies, false, 0)
	add(titleDrafts, d.Drafts, false, 0)
	add(titleFeeds, d.Feeds, false, d.MoreFeeds)
	add(titleOther, d.Other, false, 0)
	for _, p := range d.Problems {
		v.Problems = append(v.Problems, htmlItem{Title: problemLine(p, d.Location), Detail: nonEmpty(p.Detail)})
	}
	v.Footer = strings.Split(footer(d), "\n")
	return v
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

var page = template.Must(template.New("digest").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:0;background:#f4f4f5;color:#18181b;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.45;-webkit-text-size-adjust:100%;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;background:#f4f4f5;border-collapse:collapse;">
<tr><td align="center" style="padding:12px 8px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background:#ffffff;border-radius:8px;border-collapse:separate;table-layout:fixed;">
<tr><td style="padding:20px 18px 4px 18px;word-wrap:break-word;overflow-wrap:anywhere;">
<h1 style="margin:0 0 8px 0;font-size:22px;line-height:1.25;font-weight:700;color:#18181b;">{{.Heading}}</h1>
{{- if .Summary}}
<p style="margin:8px 0 4px 0;padding:10px 12px;background:#eef2ff;border-radius:6px;color:#1e1b4b;">{{.Summary}}</p>
{{- end}}
{{- if .Empty}}
<p style="margin:12px 0;color:#3f3f46;">Nothing needs you today: no meetings, reminders or open suggestions, and every source is working.</p>
{{- end}}
</td></tr>
{{- range .Sections}}
<tr><td style="padding:14px 18px 2px 18px;word-wrap:break-word;overflow-wrap:anywhere;">
<h2 style="margin:0 0 6px 0;font-size:13px;letter-spacing:0.06em;text-transform:uppercase;color:#71717a;font-weight:700;">{{.Title}}</h2>
{{- $timed := .Timed}}
{{- range .Items}}
<div style="margin:0 0 10px 0;padding:8px 10px;border-left:3px solid {{if .Conflict}}#dc2626{{else if .Urgent}}#ea580c{{else}}#4f46e5{{end}};background:#fafafa;border-radius:0 6px 6px 0;">
<div style="font-weight:600;color:#18181b;">{{if .Time}}<span style="display:inline-block;min-width:3.4em;margin-right:6px;color:#4f46e5;font-variant-numeric:tabular-nums;">{{.Time}}</span>{{end}}{{if .Label}}<span style="color:#dc2626;">Conflict: </span>{{end}}{{.Title}}{{if .Account}} <span style="font-weight:400;color:#71717a;">(in {{.Account}})</span>{{end}}</div>
{{- range .Detail}}
<div style="color:#3f3f46;font-size:15px;">{{.}}</div>
{{- end}}
{{- if .Link}}
<div style="font-size:15px;"><a href="{{.Link}}" style="color:#4338ca;text-decoration:underline;word-break:break-all;">{{.Link}}</a></div>
{{- end}}
{{- if .Why}}
<div style="color:#71717a;font-size:13px;">why: {{.Why}}</div>
{{- end}}
</div>
{{- end}}
{{- if .More}}
<p style="margin:0 0 10px 0;color:#71717a;font-size:14px;">and {{.More}} more (<code>agentd suggestions</code> lists them)</p>
{{- end}}
</td></tr>
{{- end}}
{{- if .Problems}}
<tr><td style="padding:14px 18px 2px 18px;word-wrap:break-word;overflow-wrap:anywhere;">
<h2 style="margin:0 0 6px 0;font-size:13px;letter-spacing:0.06em;text-transform:uppercase;color:#b91c1c;font-weight:700;">What agentd could not do</h2>
{{- range .Problems}}
<div style="margin:0 0 10px 0;padding:8px 10px;border-left:3px solid #dc2626;background:#fef2f2;border-radius:0 6px 6px 0;">
<div style="font-weight:600;color:#7f1d1d;">{{.Title}}</div>
{{- range .Detail}}
<div style="color:#7f1d1d;font-size:14px;">{{.}}</div>
{{- end}}
</div>
{{- end}}
</td></tr>
{{- end}}
<tr><td style="padding:10px 18px 18px 18px;color:#71717a;font-size:13px;word-wrap:break-word;overflow-wrap:anywhere;">
{{- range .Footer}}
<div>{{.}}</div>
{{- end}}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`))

// Header fields of a digest mail.
type Header struct {
	From, To string
	// MessageID is without <>; NewMessageID makes one.
	MessageID string
	Date      time.Time
}

// NewMessageID returns a fresh Message-ID (without <>) for the digest of
// day, on the domain of the sender's address.
func NewMessageID(day time.Time, from string) string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	domain := "agentd.localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return "digest." + day.Format("20060102") + "." + hex.EncodeToString(b[:]) + "@" + domain
}

// Compose builds the RFC 5322 message: multipart/alternative with the
// text first and the HTML last (the richest last, RFC 2046), both UTF-8 in
// quoted-printable; the subject RFC 2047-encoded where it is not ASCII;
// Auto-Submitted: auto-generated, so no auto-responder answers it and the
// user's own agentd never plans on it. The boundary comes from the
// Message-ID, so the same message composes to the same bytes.
func Compose(h Header, r Rendered) ([]byte, error) {
	if h.MessageID == "" || strings.ContainsAny(h.MessageID, "<> \t\r\n") {
		return nil, fmt.Errorf("digest: compose: message id %q is empty or has spaces or brackets", h.MessageID)
	}
	from, err := mail.ParseAddress(h.From)
	if err != nil {
		return nil, fmt.Errorf("digest: compose: from %q: %w", h.From, err)
	}
	to, err := mail.ParseAddress(h.To)
	if err != nil {
		return nil, fmt.Errorf("digest: compose: to %q: %w", h.To, err)
	}
	if from.Name == "" {
		from.Name = "agentd"
	}
	type field struct{ key, value string }
	var fields []field
	format := func(key string, set func(*mail.Header)) {
		var tmp mail.Header
		set(&tmp)
		fields = append(fields, field{key, tmp.Get(key)})
	}
	format("From", func(t *mail.Header) { t.SetAddressList("From", []*mail.Address{from}) })
	format("To", func(t *mail.Header) { t.SetAddressList("To", []*mail.Address{to}) })
	format("Subject", func(t *mail.Header) { t.SetSubject(r.Subject) })
	format("Date", func(t *mail.Header) { t.SetDate(h.Date) })
	format("Message-Id", func(t *mail.Header) { t.SetMessageID(h.MessageID) })
	fields = append(fields,
		field{"Auto-Submitted", "auto-generated"},
		field{"X-Auto-Response-Suppress", "All"},
		field{"MIME-Version", "1.0"},
		field{"Content-Type", "multipart/alternative; boundary=\"" + boundary(h.MessageID) + "\""},
	)
	// textproto writes fields in the reverse order they were added.
	var mh message.Header
	for i := len(fields) - 1; i >= 0; i-- {
		mh.Add(fields[i].key, fields[i].value)
	}
	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, mh)
	if err != nil {
		return nil, fmt.Errorf("digest: compose: %w", err)
	}
	for _, p := range []struct{ typ, body string }{{"text/plain", r.Text}, {"text/html", r.HTML}} {
		var ph message.Header
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		ph.SetContentType(p.typ, map[string]string{"charset": "utf-8"})
		pw, err := w.CreatePart(ph)
		if err != nil {
			return nil, fmt.Errorf("digest: compose %s: %w", p.typ, err)
		}
		if _, err := pw.Write([]byte(crlf(p.body))); err != nil {
			return nil, fmt.Errorf("digest: compose %s: %w", p.typ, err)
		}
		if err := pw.Close(); err != nil {
			return nil, fmt.Errorf("digest: compose %s: %w", p.typ, err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("digest: compose: %w", err)
	}
	return buf.Bytes(), nil
}

func boundary(msgID string) string {
	return "agentd-" + event.Hash("digest boundary", msgID)[:32]
}

// crlf gives text CRLF line ends, as mail wants them.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}
