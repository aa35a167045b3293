package ics

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

type timeKind uint8

const (
	kindFloating timeKind = iota // local time, no zone: the reader's zone applies
	kindUTC
	kindZoned // TZID
	kindDate  // VALUE=DATE: a whole day in the reader's zone
)

// dateTime is a DATE or DATE-TIME value as written: wall-clock fields (in
// time.UTC) plus how to place them in time.
type dateTime struct {
	wall time.Time
	kind timeKind
	loc  *time.Location // kindZoned only
}

// at returns the instant; floating and date values are placed in float.
func (d dateTime) at(float *time.Location) time.Time {
	switch d.kind {
	case kindUTC:
		return d.wall
	case kindZoned:
		return instant(d.wall, d.loc)
	default:
		if float == nil {
			float = time.UTC
		}
		return instant(d.wall, float)
	}
}

// zone is the location the value's wall clock belongs to.
func (d dateTime) zone(float *time.Location) *time.Location {
	switch d.kind {
	case kindUTC:
		return time.UTC
	case kindZoned:
		return d.loc
	default:
		if float == nil {
			return time.UTC
		}
		return float
	}
}

// exported returns the value for the public Event fields: the instant in its
// zone for UTC and zoned values, the wall clock in time.UTC otherwise.
func (d dateTime) exported() time.Time {
	if d.kind == kindZoned {
		return instant(d.wall, d.loc)
	}
	return d.wall
}

func isDateParam(p *ical.Prop) bool {
	return strings.EqualFold(p.Params.Get("VALUE"), "DATE")
}

// parseDateTimeValue parses YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ.
// The kind is kindDate, kindUTC or kindFloating; the caller applies TZID.
func parseDateTimeValue(s string, date bool) (dateTime, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	var (
		layout = "20060102T150405"
		kind   = kindFloating
	)
	switch {
	case len(s) == 8:
		layout, kind = "20060102", kindDate
	case len(s) == 16 && s[15] == 'Z':
		s, kind = s[:15], kindUTC
	case len(s) == 15:
	default:
		return dateTime{}, fmt.Errorf("bad date-time %q", truncate(s, 40))
	}
	if date && kind != kindDate {
		// VALUE=DATE with a date-time value: keep the date, as most
		// readers do.
		s, layout, kind = s[:8], "20060102", kindDate
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return dateTime{}, fmt.Errorf("bad date-time %q: %w", s, err)
	}
	return dateTime{wall: t, kind: kind}, nil
}

// splitList splits a comma-separated value list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// untilCheck turns a raw UNTIL into a predicate on wall instances. A UTC
// UNTIL is compared as an instant (toInstant maps a wall instance to its
// instant); a DATE or floating UNTIL as a wall time. A DATE UNTIL includes
// its whole day.
func untilCheck(raw string, toInstant func(wall time.Time) time.Time) (func(time.Time) bool, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := parseDateTimeValue(raw, false)
	if err != nil {
		return nil, fmt.Errorf("UNTIL: %w", err)
	}
	switch u.kind {
	case kindUTC:
		return func(w time.Time) bool { return toInstant(w).After(u.wall) }, nil
	case kindDate:
		end := u.wall.AddDate(0, 0, 1)
		return func(w time.Time) bool { return !w.Before(end) }, nil
	default:
		return func(w time.Time) bool { return w.After(u.wall) }, nil
	}
}

// duration is an RFC 5545 duration split into its nominal days (which follow
// the wall clock across DST changes) and its exact part.
type duration struct {
	days  int
	exact time.Duration
}

// end adds d to start (an instant whose wall clock is read in zone): the
// days on the wall clock, so a day stays a calendar day across DST, then the
// exact part on the time line (RFC 5545 §3.3.6).
func (d duration) end(start time.Time, zone *time.Location) time.Time {
	if d.days != 0 {
		start = instant(wallOf(start, zone).AddDate(0, 0, d.days), zone)
	}
	return start.Add(d.exact)
}

func parseDuration(s string) (duration, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	var d duration
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if !strings.HasPrefix(s, "P") {
		return d, fmt.Errorf("bad duration %q", s)
	}
	s = s[1:]
	inTime := false
	seen := false
	for len(s) > 0 {
		if s[0] == 'T' {
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) || i > 6 {
			return duration{}, fmt.Errorf("bad duration %q", s)
		}
		n, _ := strconv.Atoi(s[:i])
		unit := s[i]
		s = s[i+1:]
		seen = true
		switch {
		case unit == 'W' && !inTime:
			d.days += 7 * n
		case unit == 'D' && !inTime:
			d.days += n
		case unit == 'H' && inTime:
			d.exact += time.Duration(n) * time.Hour
		case unit == 'M' && inTime:
			d.exact += time.Duration(n) * time.Minute
		case unit == 'S' && inTime:
			d.exact += time.Duration(n) * time.Second
		default:
			return duration{}, fmt.Errorf("bad duration unit %q", unit)
		}
	}
	if !seen {
		return duration{}, errors.New("empty duration")
	}
	if neg {
		d.days, d.exact = -d.days, -d.exact
	}
	return d, nil
}

// text returns a single TEXT value unescaped (RFC 5545 §3.3.11). go-ical's
// Text splits at unescaped commas and keeps the first part, but many writers
// leave commas in SUMMARY and DESCRIPTION unescaped; and it rejects escapes
// the RFC does not list ("\:" is common), which here keep the character.
func text(p *ical.Prop) string {
	if p == nil {
		return ""
	}
	s := p.Value
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == 'n' || s[i] == 'N' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
