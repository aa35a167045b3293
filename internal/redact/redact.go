// Package redact keeps secrets and personal data where they belong. Link,
// Text and Error hide the credentials that URLs carry (user info, keys in
// the query, private links) before a URL or an error reaches a log line, an
// error message, a health report or an event: every package that shows a
// URL uses them, with the one placeholder Mask. A Redactor replaces the
// personal identifiers and secrets of mail text before it is sent to a
// model, and puts them back in the answer.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask stands in for every secret that Link, Text and Error remove: user
// info, credential-like query values and token-like path segments. It is
// the one placeholder for URLs in logs, errors and health reports.
const Mask = "REDACTED"

// Link returns raw, a URL or a comma-separated list of URLs (as a NATS
// cluster is written), with its secrets replaced by Mask, for logs, errors
// and status output. The rule is the same for every URL and errs on the
// side of hiding:
//
//   - user info, user name included (a lone user part is often a token):
//     "https://REDACTED@host/...";
//   - the value of a query parameter whose name suggests a credential
//     (token, key, api_key, access_token, auth, password, pass, secret,
//     sig, signature, code, session, ... in any case and inside longer
//     names such as client_secret or X-Amz-Signature);
//   - any path segment, query value or fragment that looks like a
//     machine-made token: a UUID, a run of 16 or more letters and digits
//     mixing both (private calendar links such as
//     /private-9f86d081884c7d659a2f/basic.ics), or a long string that
//     changes character class as often as random text does.
//
// Everything else is kept byte for byte, so /feeds/rss.xml,
// /2026/12/03/title-of-post, dates, numbers and short ids stay readable.
// A URL that does not parse is redacted as text: anything before its last
// "@" after the scheme is taken for user info. Link is idempotent.
func Link(raw string) string {
	cuts := listSepRe.FindAllStringIndex(raw, -1)
	if len(cuts) == 0 {
		return link(raw)
	}
	var b strings.Builder
	last := 0
	for _, c := range cuts {
		b.WriteString(link(raw[last:c[0]]))
		// Keep the separator as written (the comma and any spaces).
		sep := raw[c[0]:c[1]]
		sep = sep[:len(sep)-len(strings.TrimLeft(sep, ", \t"))]
		b.WriteString(sep)
		last = c[0] + len(sep)
	}
	b.WriteString(link(raw[last:]))
	return b.String()
}

// Text returns s with every URL in it ("scheme://...", as net/http, NATS
// and the watchers write them into errors and logs) passed through Link.
// Text without URLs is returned unchanged; e-mail addresses and other
// personal data are the Redactor's business, not Text's.
func Text(s string) string {
	ms := linkRe.FindAllStringIndex(s, -1)
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, m := range ms {
		end := m[0] + len(trimURL(s[m[0]:m[1]]))
		b.WriteString(s[last:m[0]])
		b.WriteString(Link(s[m[0]:end]))
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// Error returns err with every URL in its message redacted by Text, or err
// itself when its message holds none. A *url.Error, which net/http returns
// and whose message repeats the request URL with its credentials, comes
// back as a *url.Error with the URL redacted (its Timeout method and its
// cause kept). Any other error comes back wrapped: errors.Is and errors.As
// still reach the original, so a caller that unwraps an error to print it
// must redact what it prints.
func Error(err error) error {
	if err == nil {
		return nil
	}
	if ue, ok := err.(*url.Error); ok { // as net/http returns it, not wrapped
		u, inner := Link(ue.URL), Error(ue.Err)
		if u == ue.URL && inner == ue.Err {
			return err
		}
		return &url.Error{Op: ue.Op, URL: u, Err: inner}
	}
	msg := err.Error()
	if red := Text(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// redactedError is an error whose message was redacted; it unwraps to the
// original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

var (
	// linkRe finds URLs in free text: a scheme, "://", and everything up to
	// a space, a quote or an angle bracket. trimURL then drops sentence
	// punctuation at the end.
	linkRe = regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s<>"'\x60\x{00A0}]+`)
	// listSepRe finds the commas that separate URLs in a list: a comma
	// followed by the next URL's scheme.
	listSepRe = regexp.MustCompile(`,[ \t]*[A-Za-z][A-Za-z0-9+.\-]*://`)
	// schemeRe matches the scheme at the start of a URL.
	schemeRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*:`)
)

// link redacts one URL.
func link(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	rest := s
	if m := schemeRe.FindString(s); m != "" && strings.HasPrefix(s[len(m):], "//") {
		b.WriteString(s[:len(m)+2])
		rest = s[len(m)+2:]
		// User info ends at the last "@" before the path. In a URL that
		// does not parse, the path cannot be told from a password holding
		// "/", "?" or "#", so the last "@" anywhere counts.
		at := strings.LastIndex(rest[:pathStart(rest)], "@")
		if _, err := url.Parse(s); err != nil {
			at = strings.LastIndex(rest, "@")
		}
		if at >= 0 {
			b.WriteString(Mask)
			rest = rest[at:]
		}
		end := pathStart(rest)
		b.WriteString(rest[:end]) // "@", the host and the port
		rest = rest[end:]
	} else if at := strings.LastIndex(rest[:pathStart(rest)], "@"); at >= 0 {
		// No authority ("user:pass@host/feed", "mailto:a@b"): whatever
		// comes before an "@" is taken for user info all the same.
		b.WriteString(Mask)
		rest = rest[at:]
	}

	path, query, fragment := rest, "", ""
	hasQuery, hasFragment := false, false
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path, fragment, hasFragment = path[:i], path[i+1:], true
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query, hasQuery = path[:i], path[i+1:], true
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if tokenLike(unescape(seg, url.PathUnescape)) {
			segs[i] = Mask
		}
	}
	b.WriteString(strings.Join(segs, "/"))
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(redactQuery(query))
	}
	if hasFragment {
		b.WriteByte('#')
		if strings.Contains(fragment, "=") {
			b.WriteString(redactQuery(fragment))
		} else if tokenLike(unescape(fragment, url.PathUnescape)) {
			b.WriteString(Mask)
		} else {
			b.WriteString(fragment)
		}
	}
	return b.String()
}

// redactQuery masks credential values in a raw query, keeping its order and
// encoding.
func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		name, value, hasValue := strings.Cut(p, "=")
		switch {
		case !hasValue:
			if tokenLike(unescape(name, url.QueryUnescape)) {
				parts[i] = Mask
			}
		case value == "" || value == Mask:
		case secretParam(unescape(name, url.QueryUnescape)) || tokenLike(unescape(value, url.QueryUnescape)):
			parts[i] = name + "=" + Mask
		}
	}
	return strings.Join(parts, "&")
}

// pathStart is the index in s of the first "/", "?" or "#", or len(s).
func pathStart(s string) int {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		return i
	}
	return len(s)
}

func unescape(s string, f func(string) (string, error)) string {
	if u, err := f(s); err == nil {
		return u
	}
	return s
}

// secretParam reports a query parameter name that suggests a credential,
// whatever its value looks like: a name credParamRe knows, or one with a
// word such as key, sig or code in it (api-key, private_key, authCode).
func secretParam(name string) bool {
	if credParamRe.MatchString(name) {
		return true
	}
	for _, w := range nameWords(name) {
		switch w {
		case "key", "keys", "sig", "pass", "pwd", "auth", "code", "otp", "sid", "secret", "token",
			"password", "passwd", "signature", "credential", "credentials", "session", "ticket":
			return true
		}
	}
	return false
}

// nameWords splits a parameter name into lower-case words at punctuation
// and at lower-to-upper case changes: "X-Api-Key" and "apiKey" both give
// "api" and "key".
func nameWords(name string) []string {
	var words []string
	start := 0
	flush := func(end int) {
		if end > start {
			words = append(words, strings.ToLower(name[start:end]))
		}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'):
			flush(i)
			start = i + 1
		case c >= 'A' && c <= 'Z' && i > start && name[i-1] >= 'a' && name[i-1] <= 'z':
			flush(i)
			start = i
		}
	}
	flush(len(name))
	return words
}

// tokenLike reports a path segment, query value or fragment that looks
// machine-made: a UUID, a long random-looking string (looksRandom, the
// rule the Redactor uses for links in mail), or a run of 16 or more
// letters and digits with at least four of each (hex keys, which change
// class too seldom for looksRandom).
func tokenLike(s string) bool {
	if s == "" || s == Mask {
		return false
	}
	return uuidRe.MatchString(s) || looksRandom(s, 16) || hasKeyRun(s)
}

// hasKeyRun reports a run of 16 or more ASCII letters and digits holding at
// least four of each: a key, not a word, a number or a date.
func hasKeyRun(s string) bool {
	run, letters, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		var c byte
		if i < len(s) {
			c = s[i]
		}
		switch {
		case c >= '0' && c <= '9':
			run++
			digits++
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			run++
			letters++
		default:
			if run >= 16 && digits >= 4 && letters >= 4 {
				return true
			}
			run, letters, digits = 0, 0, 0
		}
	}
	return false
}
