package ics

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// LoadLocation resolves a TZID the way calendar programs write them:
//
//   - an IANA name ("Europe/Paris"), loaded with time.LoadLocation;
//   - an IANA name behind a vendor prefix ("/citadel.org/20250101_1/Europe/Dublin",
//     "/mozilla.org/20050126_1/America/New_York"): the longest trailing part
//     that is an IANA name wins;
//   - a Windows zone id ("W. Europe Standard Time") or Windows display name
//     ("(UTC+01:00) Brussels, Copenhagen, Madrid, Paris"), mapped through the
//     CLDR windowsZones table.
//
// It does not look at VTIMEZONE definitions; Parse does that for TZIDs this
// function cannot resolve. The IANA database comes from the system or from
// an embedded time/tzdata (the agentd binary imports it).
func LoadLocation(tzid string) (*time.Location, error) {
	name := strings.Trim(strings.TrimSpace(tzid), `"`)
	if name == "" {
		return nil, errors.New("empty TZID")
	}
	if loc, ok := loadIANA(name); ok {
		return loc, nil
	}
	// Vendor prefixes: try the longest suffix after a "/" first.
	for i := 0; i < len(name); i++ {
		if name[i] != '/' || i+1 >= len(name) {
			continue
		}
		if loc, ok := loadIANA(name[i+1:]); ok {
			return loc, nil
		}
	}
	if iana, ok := windowsToIANA(name); ok {
		if loc, ok := loadIANA(iana); ok {
			return loc, nil
		}
	}
	return nil, fmt.Errorf("unknown time zone %q", tzid)
}

func loadIANA(name string) (*time.Location, bool) {
	// time.LoadLocation maps "" and "UTC" to UTC and "Local" to the machine's
	// zone; a calendar's "Local" must not silently become the server's zone.
	if name == "" || strings.EqualFold(name, "local") || strings.ContainsAny(name, " ()") {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	return loc, true
}

func windowsToIANA(name string) (string, bool) {
	norm := normalizeWindows(name)
	for _, z := range windowsZones {
		if strings.EqualFold(z.id, name) || (z.display != "" && normalizeWindows(z.display) == norm) {
			return z.iana, true
		}
	}
	return "", false
}

// normalizeWindows makes display names comparable: case, "GMT" for "UTC" as
// older Windows wrote it, and whitespace.
func normalizeWindows(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	s = strings.Replace(s, "(gmt", "(utc", 1)
	return s
}

// zoneCache resolves the TZIDs of one calendar once each, falling back to the
// calendar's own VTIMEZONE definitions.
type zoneCache struct {
	defs map[string]*vtimezone // by TZID as written
	locs map[string]*time.Location
	errs map[string]error
}

func (z *zoneCache) lookup(tzid string) (*time.Location, error) {
	if loc, ok := z.locs[tzid]; ok {
		return loc, nil
	}
	if err, ok := z.errs[tzid]; ok {
		return nil, err
	}
	loc, err := LoadLocation(tzid)
	if err != nil {
		if def, ok := z.defs[tzid]; ok {
			loc, err = def.location()
			if err != nil {
				err = fmt.Errorf("VTIMEZONE %q: %w", tzid, err)
			}
		}
	}
	if err != nil {
		z.errs[tzid] = err
		return nil, err
	}
	z.locs[tzid] = loc
	return loc, nil
}

// instant maps a wall-clock time (fields in time.UTC) to the instant it
// names in loc, the way RFC 5545 §3.3.5 asks:
//
//   - a wall time that does not exist (skipped by a spring-forward gap) is
//     read with the offset from before the gap, so 02:30 becomes 03:30;
//   - a wall time that exists twice (fall-back overlap) is the first one.
//
// time.Date leaves both cases unspecified (and in practice resolves gaps
// backwards for America/New_York but forwards for Europe/Paris).
func instant(wall time.Time, loc *time.Location) time.Time {
	if loc == time.UTC || loc == nil {
		return wall
	}
	w := wall.Unix()
	// The offsets a day before and after bracket any single transition.
	before := offsetAt(w-86400, loc)
	after := offsetAt(w+86400, loc)
	if before == after {
		return time.Unix(w-int64(before), 0).In(loc)
	}
	ub, ua := w-int64(before), w-int64(after)
	okb := offsetAt(ub, loc) == before
	oka := offsetAt(ua, loc) == after
	switch {
	case okb && oka:
		return time.Unix(min(ub, ua), 0).In(loc)
	case oka:
		return time.Unix(ua, 0).In(loc)
	default: // okb, or a gap: the offset before the gap
		return time.Unix(ub, 0).In(loc)
	}
}

func offsetAt(unix int64, loc *time.Location) int {
	_, off := time.Unix(unix, 0).In(loc).Zone()
	return off
}

// wallOf is the inverse of instant: t's wall clock in loc, carried in UTC.
func wallOf(t time.Time, loc *time.Location) time.Time {
	if loc != nil {
		t = t.In(loc)
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}
