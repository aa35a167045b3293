package ics

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// ErrLimit is wrapped by every error about an expansion that hit
// MaxOccurrences or MaxIterations: the rule is valid but too big or too
// sparse to expand within the limits.
var ErrLimit = errors.New("ics: expansion limit reached")

// recurRule is a parsed RRULE (RFC 5545 §3.3.10). All instance arithmetic is
// done on wall-clock times carried in time.UTC ("wall"), so the calendar
// arithmetic never meets a DST transition; the caller maps each wall time to
// an instant in the event's zone afterwards.
type recurRule struct {
	freq       rrule.Frequency
	interval   int
	count      int
	until      string // raw UNTIL value, resolved by the caller
	wkst       rrule.Weekday
	bySecond   []int
	byMinute   []int
	byHour     []int
	byDay      []rrule.Weekday
	byMonthDay []int
	byYearDay  []int
	byWeekNo   []int
	byMonth    []int
	bySetPos   []int
}

func weekdayByName(s string) (rrule.Weekday, bool) {
	switch s {
	case "MO":
		return rrule.MO, true
	case "TU":
		return rrule.TU, true
	case "WE":
		return rrule.WE, true
	case "TH":
		return rrule.TH, true
	case "FR":
		return rrule.FR, true
	case "SA":
		return rrule.SA, true
	case "SU":
		return rrule.SU, true
	}
	return rrule.Weekday{}, false
}

func freqByName(s string) (rrule.Frequency, bool) {
	for f := rrule.YEARLY; f <= rrule.SECONDLY; f++ {
		if f.String() == s {
			return f, true
		}
	}
	return 0, false
}

// parseRule parses an RRULE value. It is lenient where real calendars are
// sloppy (lower case, a trailing ";", unknown X- parts, SKIP) and strict where
// a wrong guess would produce wrong dates (bad numbers, RSCALE other than
// GREGORIAN, parts out of range).
func parseRule(s string) (*recurRule, error) {
	r := &recurRule{interval: 1, wkst: rrule.MO}
	freqSet := false
	for _, part := range strings.Split(strings.TrimSpace(s), ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("rrule %q: part %q has no '='", s, part)
		}
		key = strings.ToUpper(strings.TrimSpace(key))
		val = strings.ToUpper(strings.TrimSpace(val))
		var err error
		switch key {
		case "FREQ":
			f, ok := freqByName(val)
			if !ok {
				return nil, fmt.Errorf("rrule %q: unknown FREQ %q", s, val)
			}
			r.freq, freqSet = f, true
		case "INTERVAL":
			r.interval, err = strconv.Atoi(val)
			if err == nil && r.interval < 1 {
				err = errors.New("must be at least 1")
			}
		case "COUNT":
			// COUNT=0 or -1 is seen next to UNTIL from some writers meaning
			// "no count"; read it so.
			r.count, err = strconv.Atoi(val)
			r.count = max(r.count, 0)
		case "UNTIL":
			r.until = val
		case "WKST":
			w, ok := weekdayByName(val)
			if !ok {
				err = errors.New("not a weekday")
			}
			r.wkst = w
		case "BYSECOND":
			// 60 is a leap second (RFC 5545 allows it); Go time has none.
			r.bySecond, err = intList(val, 0, 60, false)
			r.bySecond = slices.DeleteFunc(r.bySecond, func(v int) bool { return v == 60 })
		case "BYMINUTE":
			r.byMinute, err = intList(val, 0, 59, false)
		case "BYHOUR":
			r.byHour, err = intList(val, 0, 23, false)
		case "BYDAY":
			r.byDay, err = weekdayList(val)
		case "BYMONTHDAY":
			r.byMonthDay, err = intList(val, 1, 31, true)
		case "BYYEARDAY":
			r.byYearDay, err = intList(val, 1, 366, true)
		case "BYWEEKNO":
			r.byWeekNo, err = intList(val, 1, 53, true)
		case "BYMONTH":
			r.byMonth, err = intList(val, 1, 12, false)
		case "BYSETPOS":
			r.bySetPos, err = intList(val, 1, 366, true)
		case "RSCALE":
			if val != "GREGORIAN" {
				return nil, fmt.Errorf("rrule %q: RSCALE=%s is not supported", s, val)
			}
		default:
			// SKIP (RFC 7529) defaults to OMIT, which is what we do; X- parts
			// and unknown extensions carry nothing we could honour.
		}
		if err != nil {
			return nil, fmt.Errorf("rrule %q: %s=%s: %w", s, key, val, err)
		}
	}
	if !freqSet {
		return nil, fmt.Errorf("rrule %q: FREQ is missing", s)
	}
	return r, nil
}

func intList(s string, lo, hi int, signed bool) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		a := v
		if signed && a < 0 {
			a = -a
		}
		if a < lo || a > hi || (!signed && v < 0) {
			return nil, fmt.Errorf("%d out of range", v)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

func weekdayList(s string) ([]rrule.Weekday, error) {
	var out []rrule.Weekday
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if len(f) < 2 {
			if f == "" {
				continue
			}
			return nil, fmt.Errorf("%q is not a weekday", f)
		}
		w, ok := weekdayByName(f[len(f)-2:])
		if !ok {
			return nil, fmt.Errorf("%q is not a weekday", f)
		}
		if n := strings.TrimPrefix(f[:len(f)-2], "+"); n != "" {
			v, err := strconv.Atoi(n)
			if err != nil || v == 0 || v > 53 || v < -53 {
				return nil, fmt.Errorf("%q has a bad ordinal", f)
			}
			w = w.Nth(v)
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

// expansion holds what one expand call needs besides the rule.
type expansion struct {
	start    time.Time // DTSTART, wall
	dateOnly bool      // DTSTART is a DATE: time parts of the rule are ignored
	lo, hi   time.Time // wall window, both inclusive
	// past reports whether a wall instance lies after UNTIL; nil means no
	// UNTIL. UNTIL may be an instant, so only the caller can compare.
	past func(wall time.Time) bool
	// keep, when set, narrows [lo, hi] further: only kept instances are
	// returned and count towards maxOcc (the caller's exact window on
	// instants; lo and hi carry slack for offset changes).
	keep func(wall time.Time) bool
	// count overrides the rule's COUNT when > 0 (the caller subtracts one
	// when DTSTART is not itself an instance but counts as the first).
	count    int
	maxOcc   int
	maxIter  int
	skipSafe bool // no COUNT: the start may jump ahead to near lo
}

// expand returns the rule's instances in [lo, hi] in order. DAILY and
// shorter frequencies are expanded here (rrule-go walks them second by second
// through days that its BYxxx filters reject, which can take minutes);
// WEEKLY, MONTHLY and YEARLY go to rrule-go, started near the window so a
// rule that began decades ago costs no more than one that began last week.
func (r *recurRule) expand(x expansion) ([]time.Time, error) {
	if x.hi.Before(x.start) || x.hi.Before(x.lo) {
		return nil, nil
	}
	if r.impossible() {
		return nil, nil
	}
	if x.dateOnly && r.freq > rrule.DAILY {
		return nil, fmt.Errorf("FREQ=%s needs a DATE-TIME start, not a DATE", r.freq)
	}
	if r.freq >= rrule.DAILY {
		return r.expandFine(x)
	}
	return r.expandCoarse(x)
}

// impossible catches the classic never-matching rule (BYMONTH=2;BYMONTHDAY=30)
// before an iterator spends seconds looking for it.
func (r *recurRule) impossible() bool {
	if len(r.byMonthDay) == 0 || len(r.byYearDay) > 0 || len(r.byWeekNo) > 0 {
		return false
	}
	months := r.byMonth
	if len(months) == 0 || r.freq == rrule.WEEKLY {
		return false
	}
	for _, m := range months {
		maxDay := daysIn(time.Month(m), 2000) // a leap year: Feb 29 is possible
		for _, d := range r.byMonthDay {
			if d < 0 {
				d = -d
			}
			if d <= maxDay {
				return false
			}
		}
	}
	return true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func (r *recurRule) effectiveCount(x expansion) int {
	if x.count > 0 {
		return x.count
	}
	return r.count
}

// emitter collects instances and enforces the limits.
type emitter struct {
	x     expansion
	count int // remaining COUNT, 0 = unbounded
	out   []time.Time
	iter  int
	done  bool
}

// offer handles one rule instance in order. It returns an error when a limit
// is hit.
func (e *emitter) offer(t time.Time) error {
	if t.Before(e.x.start) {
		return nil
	}
	if t.After(e.x.hi) || (e.x.past != nil && e.x.past(t)) {
		e.done = true
		return nil
	}
	if !t.Before(e.x.lo) && (e.x.keep == nil || e.x.keep(t)) {
		if len(e.out) >= e.x.maxOcc {
			e.done = true
			return fmt.Errorf("more than %d occurrences: %w", e.x.maxOcc, ErrLimit)
		}
		e.out = append(e.out, t)
	}
	if e.count > 0 {
		e.count--
		if e.count == 0 {
			e.done = true
		}
	}
	return nil
}

func (e *emitter) tick() error {
	e.iter++
	if e.iter > e.x.maxIter {
		e.done = true
		return fmt.Errorf("more than %d iterations: %w", e.x.maxIter, ErrLimit)
	}
	return nil
}

// expandCoarse runs WEEKLY, MONTHLY and YEARLY rules through rrule-go.
func (r *recurRule) expandCoarse(x expansion) ([]time.Time, error) {
	start := x.start
	if x.dateOnly {
		start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	}
	opt := rrule.ROption{
		Freq:       r.freq,
		Interval:   r.interval,
		Wkst:       r.wkst,
		Bysetpos:   r.bySetPos,
		Bymonth:    r.byMonth,
		Bymonthday: r.byMonthDay,
		Byweekday:  r.byDay,
		// rrule-go stops at the first instance after Until; without one it
		// assumes DTSTART + 292 years, which is why a VTIMEZONE rule starting
		// in 1601 yielded nothing in 2025.
		Until: x.hi,
	}
	// Parts that RFC 5545 marks N/A for a frequency are ignored, as libical
	// does; rrule-go would apply them as filters.
	if r.freq == rrule.YEARLY {
		opt.Byweekno = r.byWeekNo
		opt.Byyearday = r.byYearDay
		// What the rule leaves open comes from DTSTART (RFC 5545 §3.3.10):
		// "BYMONTHDAY=29" is the 29th of DTSTART's month, "BYWEEKNO=20" is
		// DTSTART's weekday in week 20. libical reads them so; rrule-go
		// would take every month, every day of the week.
		if len(opt.Byweekno) > 0 && len(opt.Byweekday) == 0 && len(opt.Bymonthday) == 0 && len(opt.Byyearday) == 0 {
			opt.Byweekday = []rrule.Weekday{weekdayOf(start.Weekday())}
		}
		if len(opt.Bymonthday) > 0 && len(opt.Bymonth) == 0 && len(opt.Byweekno) == 0 && len(opt.Byyearday) == 0 {
			opt.Bymonth = []int{int(start.Month())}
		}
	}
	if r.freq == rrule.WEEKLY {
		opt.Bymonthday = nil
	}
	if !x.dateOnly {
		opt.Byhour, opt.Byminute, opt.Bysecond = r.byHour, r.byMinute, r.bySecond
	}
	// With BYWEEKNO, libical steps INTERVAL in week-numbering years (the
	// year that owns most of the week) counted from DTSTART's week-year when
	// DTSTART is an instance, else from its calendar year. Run every year
	// and keep the years on the interval (no skipping ahead then).
	weekYears := 0
	if r.freq == rrule.YEARLY && len(opt.Byweekno) > 0 && opt.Interval > 1 {
		weekYears, opt.Interval = opt.Interval, 1
	}
	wkst := time.Weekday((r.wkst.Day() + 1) % 7) // rrule-go counts from Monday
	wy0, first := start.Year(), true
	skip := x.skipSafe && r.effectiveCount(x) == 0 && weekYears == 0
	alignStart(&opt, start, x.lo, skip)
	// rrule-go looks for the next instance until year 9999 without yielding,
	// which for a rule that never matches again (BYSETPOS=2 of a one-day
	// week, the 5th Monday on the 1st) costs up to 40k periods per call.
	// The Gregorian calendar repeats every 400 years (146097 days, exactly
	// 20871 weeks), so run the rule shifted by whole 400-year cycles to end
	// just before 9999: the instances are the same, shifted, and a fruitless
	// search ends within 400 years of the window.
	shift := max(0, (9999-x.hi.Year())/400*400)
	opt.Dtstart = opt.Dtstart.AddDate(shift, 0, 0)
	opt.Until = opt.Until.AddDate(shift, 0, 0)
	rule, err := rrule.NewRRule(opt)
	if err != nil {
		return nil, fmt.Errorf("rrule: %w", err)
	}
	// COUNT is counted here, from the real DTSTART: rrule-go starts at the
	// aligned period start and would count instances before DTSTART.
	e := &emitter{x: x, count: r.effectiveCount(x)}
	next := rule.Iterator()
	for !e.done {
		if err := e.tick(); err != nil {
			return e.out, err
		}
		t, ok := next()
		if !ok {
			break
		}
		t = t.AddDate(-shift, 0, 0)
		if weekYears > 0 {
			if t.Before(start) {
				continue
			}
			if first && t.Equal(start) {
				wy0 = weekYear(start, wkst)
			}
			first = false
			if mod(int64(weekYear(t, wkst)-wy0), int64(weekYears)) != 0 {
				continue
			}
		}
		if err := e.offer(t); err != nil {
			return e.out, err
		}
	}
	return e.out, nil
}

// alignStart moves rrule-go's DTSTART back to the start of DTSTART's period
// (week, month, year), and with skip forward by whole periods (INTERVAL ×
// FREQ) to the period before lo, spelling out the BYxxx defaults rrule-go
// would otherwise derive from DTSTART. Aligned periods are whole, which
// BYSETPOS needs (rrule-go counts positions in the partial first week from
// DTSTART on), and the instances from there on are the real ones; those
// before the real DTSTART are dropped by the caller.
func alignStart(opt *rrule.ROption, start, lo time.Time, skip bool) {
	noDayParts := len(opt.Byweekno) == 0 && len(opt.Byyearday) == 0 &&
		len(opt.Bymonthday) == 0 && len(opt.Byweekday) == 0
	var aligned time.Time
	switch opt.Freq {
	case rrule.YEARLY:
		k := 0
		if skip {
			k = max(0, (lo.Year()-start.Year())/opt.Interval-1)
		}
		aligned = time.Date(start.Year()+k*opt.Interval, 1, 1, 0, 0, 0, 0, time.UTC)
		if noDayParts {
			if len(opt.Bymonth) == 0 {
				opt.Bymonth = []int{int(start.Month())}
			}
			opt.Bymonthday = []int{start.Day()}
		}
	case rrule.MONTHLY:
		k := 0
		if skip {
			months := (lo.Year()-start.Year())*12 + int(lo.Month()) - int(start.Month())
			k = max(0, months/opt.Interval-1)
		}
		aligned = time.Date(start.Year(), start.Month()+time.Month(k*opt.Interval), 1, 0, 0, 0, 0, time.UTC)
		if noDayParts {
			opt.Bymonthday = []int{start.Day()}
		}
	case rrule.WEEKLY:
		wkst := time.Weekday((opt.Wkst.Day() + 1) % 7) // rrule-go counts from Monday
		back := (int(start.Weekday()) - int(wkst) + 7) % 7
		weekStart := time.Date(start.Year(), start.Month(), start.Day()-back, 0, 0, 0, 0, time.UTC)
		k := 0
		if skip {
			period := 7 * 24 * time.Hour * time.Duration(opt.Interval)
			k = max(0, int(lo.Sub(weekStart)/period)-1)
		}
		aligned = weekStart.AddDate(0, 0, 7*opt.Interval*k)
		if noDayParts {
			opt.Byweekday = []rrule.Weekday{weekdayOf(start.Weekday())}
		}
	default:
		opt.Dtstart = start
		return
	}
	if len(opt.Byhour) == 0 {
		opt.Byhour = []int{start.Hour()}
	}
	if len(opt.Byminute) == 0 {
		opt.Byminute = []int{start.Minute()}
	}
	if len(opt.Bysecond) == 0 {
		opt.Bysecond = []int{start.Second()}
	}
	opt.Dtstart = aligned
}

// weekYear is the year that owns t's week (weeks start on wkst; a week
// belongs to the year holding at least four of its days, RFC 5545 BYWEEKNO).
func weekYear(t time.Time, wkst time.Weekday) int {
	back := (int(t.Weekday()) - int(wkst) + 7) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-back+3, 0, 0, 0, 0, time.UTC).Year()
}

func weekdayOf(d time.Weekday) rrule.Weekday {
	return [...]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}[d]
}

// expandFine expands DAILY, HOURLY, MINUTELY and SECONDLY rules. A period is
// one INTERVAL × unit step from DTSTART's truncated start; periods on days,
// hours or minutes that a BYxxx limit rejects are skipped arithmetically, so
// the cost is proportional to the periods actually visited in the window.
func (r *recurRule) expandFine(x expansion) ([]time.Time, error) {
	var unit int64
	switch r.freq {
	case rrule.DAILY:
		unit = 86400
	case rrule.HOURLY:
		unit = 3600
	case rrule.MINUTELY:
		unit = 60
	default:
		unit = 1
	}
	start := x.start
	if x.dateOnly {
		start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	}
	step := unit * int64(r.interval)
	s0 := start.Unix()
	p0 := s0 - mod(s0, unit)

	// Offsets (seconds into a period) of the candidates each period expands to.
	h, m, s := start.Clock()
	pick := func(by []int, def int) []int {
		if len(by) > 0 {
			return by
		}
		return []int{def}
	}
	var offsets []int64
	switch {
	case x.dateOnly:
		offsets = []int64{0}
	case r.freq == rrule.DAILY:
		for _, hh := range pick(r.byHour, h) {
			for _, mm := range pick(r.byMinute, m) {
				for _, ss := range pick(r.bySecond, s) {
					offsets = append(offsets, int64(hh*3600+mm*60+ss))
				}
			}
		}
	case r.freq == rrule.HOURLY:
		for _, mm := range pick(r.byMinute, m) {
			for _, ss := range pick(r.bySecond, s) {
				offsets = append(offsets, int64(mm*60+ss))
			}
		}
	case r.freq == rrule.MINUTELY:
		for _, ss := range pick(r.bySecond, s) {
			offsets = append(offsets, int64(ss))
		}
	default:
		offsets = []int64{0}
	}
	slices.Sort(offsets)
	offsets = slices.Compact(offsets)

	e := &emitter{x: x, count: r.effectiveCount(x)}
	var k int64
	if x.skipSafe && e.count == 0 && x.lo.After(start) {
		k = max(0, (x.lo.Unix()-p0)/step-1)
	}
	// jump moves k to the first period starting at or after boundary t.
	jump := func(t int64) {
		nk := ceilDiv(t-p0, step)
		if nk <= k {
			nk = k + 1
		}
		k = nk
	}
	hi := x.hi.Unix()
	cands := make([]time.Time, 0, len(offsets))
	for !e.done {
		if err := e.tick(); err != nil {
			return e.out, err
		}
		ps := p0 + k*step
		if ps > hi {
			break
		}
		pt := time.Unix(ps, 0).UTC()
		if !r.dayMatches(pt) {
			jump(ps - mod(ps, 86400) + 86400)
			continue
		}
		if r.freq > rrule.DAILY && len(r.byHour) > 0 && !slices.Contains(r.byHour, pt.Hour()) {
			jump(ps - mod(ps, 3600) + 3600)
			continue
		}
		if r.freq > rrule.HOURLY && len(r.byMinute) > 0 && !slices.Contains(r.byMinute, pt.Minute()) {
			jump(ps - mod(ps, 60) + 60)
			continue
		}
		if r.freq == rrule.SECONDLY && len(r.bySecond) > 0 && !slices.Contains(r.bySecond, pt.Second()) {
			k++
			continue
		}
		cands = cands[:0]
		for _, off := range offsets {
			cands = append(cands, time.Unix(ps+off, 0).UTC())
		}
		for _, c := range applySetPos(cands, r.bySetPos) {
			if err := e.offer(c); err != nil {
				return e.out, err
			}
			if e.done {
				break
			}
		}
		k++
	}
	return e.out, nil
}

// dayMatches applies the day-level limits (BYMONTH, BYMONTHDAY, BYYEARDAY,
// BYDAY without ordinals) that RFC 5545 defines for DAILY and shorter.
func (r *recurRule) dayMatches(t time.Time) bool {
	if len(r.byMonth) > 0 && !slices.Contains(r.byMonth, int(t.Month())) {
		return false
	}
	if len(r.byMonthDay) > 0 {
		d, n := t.Day(), daysIn(t.Month(), t.Year())
		if !slices.Contains(r.byMonthDay, d) && !slices.Contains(r.byMonthDay, d-n-1) {
			return false
		}
	}
	if len(r.byYearDay) > 0 {
		d := t.YearDay()
		n := 365
		if daysIn(time.February, t.Year()) == 29 {
			n = 366
		}
		if !slices.Contains(r.byYearDay, d) && !slices.Contains(r.byYearDay, d-n-1) {
			return false
		}
	}
	if len(r.byDay) > 0 {
		wd := weekdayOf(t.Weekday())
		found := false
		for _, w := range r.byDay {
			if w.Day() == wd.Day() {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// applySetPos keeps the BYSETPOS positions (1-based, negative from the end)
// of one period's sorted candidates.
func applySetPos(c []time.Time, pos []int) []time.Time {
	if len(pos) == 0 {
		return c
	}
	var out []time.Time
	for _, p := range pos {
		i := p - 1
		if p < 0 {
			i = len(c) + p
		}
		if i >= 0 && i < len(c) && !slices.ContainsFunc(out, c[i].Equal) {
			out = append(out, c[i])
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a > 0) == (b > 0) {
		q++
	}
	return q
}
