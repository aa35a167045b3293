package ics

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// Transitions of a VTIMEZONE are generated from this year (earlier onsets are
// kept as they are; Outlook writes DTSTART:16010101T000000) up to the end of
// lastTransitionYear; after that the last offset holds.
const (
	firstTransitionYear = 1900
	lastTransitionYear  = 2200
	maxTransitions      = 4000
	maxObservances      = 500 // the full-history zones of tzdata use < 50
)

// vtimezone is one VTIMEZONE, turned into a *time.Location on first use.
type vtimezone struct {
	tzid string
	comp *ical.Component

	once sync.Once
	loc  *time.Location
	err  error
}

func (v *vtimezone) location() (*time.Location, error) {
	v.once.Do(func() { v.loc, v.err = buildLocation(v.tzid, v.comp) })
	return v.loc, v.err
}

type observance struct {
	daylight bool
	name     string
	from, to int // UTC offsets in seconds
	start    time.Time
	rules    []*recurRule
	rdates   []time.Time // wall times
}

type transition struct {
	at  int64 // unix seconds
	obs *observance
}

// buildLocation turns the STANDARD and DAYLIGHT observances of a VTIMEZONE
// into transitions and loads them as TZif data, so the result is an ordinary
// *time.Location that formats, compares and converts like an IANA zone.
func buildLocation(tzid string, comp *ical.Component) (*time.Location, error) {
	var obs []*observance
	for _, c := range comp.Children {
		if c.Name != "STANDARD" && c.Name != "DAYLIGHT" {
			continue
		}
		if len(obs) == maxObservances {
			return nil, fmt.Errorf("more than %d observances: %w", maxObservances, ErrLimit)
		}
		o, err := parseObservance(c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		obs = append(obs, o)
	}
	if len(obs) == 0 {
		return nil, errors.New("no STANDARD or DAYLIGHT observance")
	}
	var trans []transition
	hi := time.Date(lastTransitionYear, 12, 31, 23, 59, 59, 0, time.UTC)
	lo := time.Date(firstTransitionYear, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, o := range obs {
		onsets := []time.Time{o.start}
		onsets = append(onsets, o.rdates...)
		for _, r := range o.rules {
			past, err := untilCheck(r.until, func(w time.Time) time.Time {
				return w.Add(-time.Duration(o.from) * time.Second)
			})
			if err != nil {
				return nil, err
			}
			ts, err := r.expand(expansion{
				start: o.start, lo: lo, hi: hi, past: past,
				maxOcc: maxTransitions, maxIter: 10 * maxTransitions, skipSafe: true,
			})
			if err != nil {
				return nil, fmt.Errorf("observance rule: %w", err)
			}
			onsets = append(onsets, ts...)
		}
		for _, w := range onsets {
			trans = append(trans, transition{at: w.Unix() - int64(o.from), obs: o})
		}
		if len(trans) > maxTransitions*4 {
			return nil, fmt.Errorf("more than %d transitions: %w", maxTransitions*4, ErrLimit)
		}
	}
	slices.SortStableFunc(trans, func(a, b transition) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	trans = slices.CompactFunc(trans, func(a, b transition) bool { return a.at == b.at })
	// Before the first onset the zone is at the first observance's "from"
	// offset, which is standard time by construction.
	first := &observance{name: obsName(trans[0].obs.name, trans[0].obs.from), from: trans[0].obs.from, to: trans[0].obs.from}
	return time.LoadLocationFromTZData(tzid, tzif(first, trans))
}

func obsName(name string, off int) string {
	if name != "" {
		return name
	}
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d%02d", sign, off/3600, off/60%60)
}

func parseObservance(c *ical.Component) (*observance, error) {
	o := &observance{daylight: c.Name == "DAYLIGHT"}
	var err error
	if o.from, err = utcOffset(c.Props.Get("TZOFFSETFROM")); err != nil {
		return nil, fmt.Errorf("TZOFFSETFROM: %w", err)
	}
	if o.to, err = utcOffset(c.Props.Get("TZOFFSETTO")); err != nil {
		return nil, fmt.Errorf("TZOFFSETTO: %w", err)
	}
	if p := c.Props.Get("TZNAME"); p != nil {
		o.name = strings.TrimSpace(p.Value)
	}
	p := c.Props.Get("DTSTART")
	if p == nil {
		return nil, errors.New("DTSTART missing")
	}
	v, err := parseDateTimeValue(p.Value, isDateParam(p))
	if err != nil {
		return nil, fmt.Errorf("DTSTART: %w", err)
	}
	o.start = v.wall
	for _, rp := range c.Props.Values("RRULE") {
		r, err := parseRule(rp.Value)
		if err != nil {
			return nil, err
		}
		// Offsets change a few times a year at most; a finer rule is
		// garbage and would only burn the iteration budget.
		if r.freq != rrule.YEARLY && r.freq != rrule.MONTHLY {
			return nil, fmt.Errorf("observance RRULE with FREQ=%s", r.freq)
		}
		o.rules = append(o.rules, r)
	}
	for _, rp := range c.Props.Values("RDATE") {
		for _, s := range splitList(rp.Value) {
			if i := strings.IndexByte(s, '/'); i >= 0 {
				s = s[:i]
			}
			v, err := parseDateTimeValue(s, isDateParam(&rp))
			if err != nil {
				return nil, fmt.Errorf("RDATE: %w", err)
			}
			w := v.wall
			if v.kind == kindUTC {
				w = w.Add(time.Duration(o.from) * time.Second)
			}
			o.rdates = append(o.rdates, w)
		}
	}
	return o, nil
}

// utcOffset parses "+HHMM" or "+HHMMSS".
func utcOffset(p *ical.Prop) (int, error) {
	if p == nil {
		return 0, errors.New("missing")
	}
	s := strings.TrimSpace(p.Value)
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		return 0, fmt.Errorf("bad UTC offset %q", s)
	}
	var parts [3]int
	for i := 0; i*2+1 < len(s); i++ {
		n, err := strconv.Atoi(s[1+i*2 : 3+i*2])
		if err != nil {
			return 0, fmt.Errorf("bad UTC offset %q", s)
		}
		parts[i] = n
	}
	if parts[0] > 23 || parts[1] > 59 || parts[2] > 59 {
		return 0, fmt.Errorf("bad UTC offset %q", s)
	}
	off := parts[0]*3600 + parts[1]*60 + parts[2]
	if s[0] == '-' {
		off = -off
	}
	return off, nil
}

// tzif encodes transitions as TZif version 2 data (RFC 8536): an empty
// version 1 block, then 64-bit transition times, local time types and
// abbreviations, and an empty POSIX TZ footer.
func tzif(initial *observance, trans []transition) []byte {
	type ttype struct {
		off   int32
		isdst bool
		name  string
	}
	var (
		types []ttype
		chars []byte
		idx   []byte
		pos   = map[string]int{}
	)
	// Type indexes and abbreviation offsets are single bytes in TZif; real
	// zones use a handful of types, hostile ones are cut off.
	typeOf := func(t ttype) (byte, bool) {
		for i, x := range types {
			if x == t {
				return byte(i), true
			}
		}
		if len(types) == 255 {
			return 0, false
		}
		if _, ok := pos[t.name]; !ok {
			if len(chars)+len(t.name)+1 > 255 {
				t.name = ""
			}
			if _, ok := pos[t.name]; !ok {
				pos[t.name] = len(chars)
				chars = append(chars, t.name...)
				chars = append(chars, 0)
			}
		}
		types = append(types, t)
		return byte(len(types) - 1), true
	}
	typeOf(ttype{int32(initial.to), false, initial.name})
	for _, t := range trans {
		i, ok := typeOf(ttype{int32(t.obs.to), t.obs.daylight, obsName(t.obs.name, t.obs.to)})
		if !ok {
			break
		}
		idx = append(idx, i)
	}
	trans = trans[:len(idx)]

	header := func(b []byte, timecnt, typecnt, charcnt int) []byte {
		b = append(b, "TZif2"...)
		b = append(b, make([]byte, 15)...)
		for _, n := range []int{0, 0, 0, timecnt, typecnt, charcnt} {
			b = binary.BigEndian.AppendUint32(b, uint32(n))
		}
		return b
	}
	// Version 1 block: one type, no transitions (readers of v2 skip it).
	b := header(nil, 0, 1, 1)
	b = append(b, 0, 0, 0, 0, 0, 0, 0)
	b = header(b, len(trans), len(types), len(chars))
	for _, t := range trans {
		b = binary.BigEndian.AppendUint64(b, uint64(t.at))
	}
	b = append(b, idx...)
	for _, t := range types {
		b = binary.BigEndian.AppendUint32(b, uint32(t.off))
		dst := byte(0)
		if t.isdst {
			dst = 1
		}
		b = append(b, dst, byte(pos[t.name]))
	}
	b = append(b, chars...)
	b = append(b, '\n', '\n')
	return b
}
