package message

import (
	"strconv"
	"strings"
	"time"
)

// zoneOffsets maps the zone names found in real Date headers to their UTC
// offset in minutes. time.Parse cannot be trusted with names: an unknown
// one silently becomes UTC or, worse, the offset of the machine's zone.
var zoneOffsets = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
	"EST": -5 * 60, "EDT": -4 * 60, "CST": -6 * 60, "CDT": -5 * 60,
	"MST": -7 * 60, "MDT": -6 * 60, "PST": -8 * 60, "PDT": -7 * 60,
	"AKST": -9 * 60, "AKDT": -8 * 60, "HST": -10 * 60,
	"BST": 60, "IST": 60, "CET": 60, "MET": 60, "WEST": 60,
	"CEST": 120, "MEST": 120, "MESZ": 120, "MEZ": 60, "EET": 120, "EEST": 180,
	"MSK": 180, "JST": 540, "KST": 540, "HKT": 480, "SGT": 480,
	"AWST": 480, "ACST": 570, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
}

// dateLayouts are tried, each with and without a numeric zone, after
// normalizeDate removed the weekday, commas, comments and zone names.
var dateLayouts = []string{
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 06 15:04:05",
	"2 Jan 06 15:04",
	"2 January 2006 15:04:05",
	"2 January 2006 15:04",
	"Jan 2 2006 15:04:05",
	"Jan 2 2006 15:04",
	"January 2 2006 15:04:05",
	"Jan 2 15:04:05 2006",
	"2-Jan-2006 15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006/01/02 15:04:05",
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
	"2 Jan 2006",
}

// parseDate reads a Date header. It accepts RFC 5322 and the broken forms
// mailers actually send (no weekday or a wrong one, missing seconds, zone
// names, "GMT+0100", ISO 8601, asctime). It returns the zero time when
// nothing fits or the year is implausible. net/mail.ParseDate is not used:
// it gives zone names such as "EST" the offset of the local zone's
// namesake, or zero.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(stripComments(toUTF8(v)))
	if i := strings.LastIndexByte(v, ';'); i >= 0 {
		v = strings.TrimSpace(v[i+1:]) // "from … by …; <date>" as in Received
	}
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return plausible(t)
	}
	s, zone, hasZone := normalizeDate(v)
	for _, layout := range dateLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if hasZone {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), zone)
		}
		return plausible(t)
	}
	return time.Time{}
}

func plausible(t time.Time) time.Time {
	if t.Year() < 1900 || t.Year() > 2999 {
		return time.Time{}
	}
	return t
}

// stripComments removes RFC 5322 comments: "(PDT)", "(CET)".
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normalizeDate drops the weekday and commas and splits off the zone,
// which it returns as a fixed zone.
func normalizeDate(v string) (s string, zone *time.Location, hasZone bool) {
	toks := strings.Fields(strings.ReplaceAll(v, ",", " "))
	if len(toks) > 0 && isWeekday(toks[0]) {
		toks = toks[1:]
	}
	out := toks[:0]
	offset := 0
	for i, tok := range toks {
		if i >= 2 { // a zone never comes first; "2 Jan" must stay
			if off, ok := parseZone(tok); ok {
				offset, hasZone = off, true
				continue
			}
			if isAlpha(tok) && !isMonth(tok) {
				continue // an unknown zone name or "DST": ignore
			}
		}
		out = append(out, tok)
	}
	s = strings.Join(out, " ")
	// ISO 8601 with a T separator but a zone time.RFC3339 did not accept.
	if len(s) > 10 && s[4] == '-' && s[10] == 'T' {
		s = s[:10] + " " + s[11:]
	}
	if hasZone {
		zone = time.FixedZone("", offset*60)
	}
	return s, zone, hasZone
}

// parseZone reads "+0100", "-07:00", "+1", "GMT+0100", "UTC-5" or a zone
// name, returning the offset in minutes.
func parseZone(tok string) (int, bool) {
	up := strings.ToUpper(tok)
	if off, ok := zoneOffsets[up]; ok {
		return off, true
	}
	if i := strings.IndexAny(up, "0123456789"); i > 0 && isAlpha(up[:i]) {
		if off, ok := zoneOffsets[up[:i]]; ok {
			return off, true // POSIX TZ such as "EST5EDT"
		}
	}
	for _, p := range []string{"GMT", "UTC", "UT"} {
		if strings.HasPrefix(up, p) && len(up) > len(p) {
			up = up[len(p):]
			break
		}
	}
	if len(up) < 2 || (up[0] != '+' && up[0] != '-') {
		return 0, false
	}
	sign := 1
	if up[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(up[1:], ":", "")
	if len(digits) == 0 || len(digits) > 4 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, false
	}
	h, m := n, 0
	if len(digits) > 2 {
		h, m = n/100, n%100
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*60 + m), true
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

func isWeekday(tok string) bool {
	tok = strings.ToLower(strings.TrimSuffix(tok, "."))
	if len(tok) < 3 {
		return false
	}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		if strings.HasPrefix(d, tok) {
			return true
		}
	}
	return false
}

func isMonth(tok string) bool {
	tok = strings.ToLower(tok)
	if len(tok) < 3 {
		return false
	}
	for _, m := range []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"} {
		if strings.HasPrefix(m, tok) {
			return true
		}
	}
	return false
}
