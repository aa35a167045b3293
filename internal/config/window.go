package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DailyWindow is a span of wall-clock time repeated every day, such as quiet
// hours. Start and End are offsets from midnight; End <= Start means the
// window wraps midnight ("22:00-07:00"). Times are wall-clock times in the
// user's zone, so a window keeps its clock times across DST changes.
type DailyWindow struct {
	Start, End time.Duration
}

// ParseDailyWindow reads "HH:MM-HH:MM" (end may be "24:00").
func ParseDailyWindow(s string) (DailyWindow, error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return DailyWindow{}, fmt.Errorf("%q is not a time window: expected HH:MM-HH:MM, e.g. 22:00-07:00", s)
	}
	start, err := parseClock(from, false)
	if err != nil {
		return DailyWindow{}, fmt.Errorf("%q: start %w (expected HH:MM-HH:MM, e.g. 22:00-07:00)", s, err)
	}
	end, err := parseClock(to, true)
	if err != nil {
		return DailyWindow{}, fmt.Errorf("%q: end %w (expected HH:MM-HH:MM, e.g. 22:00-07:00)", s, err)
	}
	if start == end || start == 0 && end == 24*time.Hour {
		// A full-day or empty window is almost certainly a typo; neither
		// means anything useful for quiet or working hours.
		return DailyWindow{}, fmt.Errorf("%q: start and end are the same time of day", s)
	}
	if end == 24*time.Hour {
		end = 0
	}
	return DailyWindow{Start: start, End: end}, nil
}

// parseClock reads "HH:MM" (or "H:MM") as an offset from midnight.
func parseClock(s string, allow24 bool) (time.Duration, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(mm) != 2 || len(hh) == 0 || len(hh) > 2 {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && (m != 0 || !allow24) {
		return 0, fmt.Errorf("%q is not a time of day HH:MM (00:00 to 23:59)", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// wraps reports whether the window crosses midnight.
func (w DailyWindow) wraps() bool { return w.End <= w.Start }

// clock returns t's wall-clock offset from midnight in loc.
func clock(t time.Time, loc *time.Location) time.Duration {
	if loc != nil {
		t = t.In(loc)
	}
	h, m, s := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second +
		time.Duration(t.Nanosecond())
}

// Contains reports whether t falls inside the window, reading t's wall clock
// in loc (t's own location if loc is nil).
func (w DailyWindow) Contains(t time.Time, loc *time.Location) bool {
	c := clock(t, loc)
	if w.wraps() {
		return c >= w.Start || c < w.End
	}
	return c >= w.Start && c < w.End
}

// at returns the instant of wall-clock offset off on the day of (y, m, d) in
// loc. A time skipped by a DST jump is moved forward by the jump, as
// time.Date does.
func at(y int, m time.Month, d int, off time.Duration, loc *time.Location) time.Time {
	return time.Date(y, m, d, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, loc)
}

// NextEnd returns the first end of the window after t, reading wall clocks in
// t's location (pass t.In(user location)). Inside the window that is when
// it ends; outside it, the end of the next occurrence.
func (w DailyWindow) NextEnd(t time.Time) time.Time {
	loc := t.Location()
	y, m, d := t.Date()
	for i := 0; i <= 2; i++ {
		if e := at(y, m, d+i, w.End, loc); e.After(t) {
			return e
		}
	}
	return at(y, m, d+3, w.End, loc) // unreachable: a day always has an end
}

// String formats the window as ParseDailyWindow reads it.
func (w DailyWindow) String() string {
	return fmtClock(w.Start) + "-" + fmtClock(w.End)
}

func fmtClock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// WorkingHours is a daily window on some days of the week. Days is indexed
// by time.Weekday (Days[time.Sunday] ...). For a window that wraps midnight
// ("22:00-06:00 Mon-Fri"), the day is the one the shift starts on.
type WorkingHours struct {
	DailyWindow
	Days [7]bool
}

// ParseWorkingHours reads "09:00-18:00 Mon-Fri", "09:00-17:00 Mon,Wed,Fri" or
// "08:00-12:00 Mon-Fri,Sat". Without days it means Monday to Friday.
func ParseWorkingHours(s string) (WorkingHours, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields) > 2 {
		return WorkingHours{}, fmt.Errorf("%q is not working hours: expected HH:MM-HH:MM DAYS, e.g. \"09:00-18:00 Mon-Fri\" or \"09:00-17:00 Mon,Wed,Fri\"", s)
	}
	w, err := ParseDailyWindow(fields[0])
	if err != nil {
		return WorkingHours{}, err
	}
	wh := WorkingHours{DailyWindow: w}
	spec := "Mon-Fri"
	if len(fields) == 2 {
		spec = fields[1]
	}
	days, err := parseDays(spec)
	if err != nil {
		return WorkingHours{}, fmt.Errorf("%q: %w", s, err)
	}
	wh.Days = days
	return wh, nil
}

const dayHelp = "days are Mon Tue Wed Thu Fri Sat Sun, as a range Mon-Fri or a list Mon,Wed,Fri"

func parseDays(spec string) ([7]bool, error) {
	var days [7]bool
	for part := range strings.SplitSeq(spec, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := parseWeekday(from)
		if !ok {
			return days, fmt.Errorf("%q is not a day (%s)", from, dayHelp)
		}
		b := a
		if isRange {
			if b, ok = parseWeekday(to); !ok {
				return days, fmt.Errorf("%q is not a day (%s)", to, dayHelp)
			}
		}
		// Ranges may wrap the week: Fri-Mon.
		for d := a; ; d = (d + 1) % 7 {
			days[d] = true
			if d == b {
				break
			}
		}
	}
	return days, nil
}

func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || s == name[:3] {
			return d, true
		}
	}
	return 0, false
}

// Contains reports whether t falls in working hours, reading t's wall clock
// and weekday in loc (t's own location if loc is nil).
func (w WorkingHours) Contains(t time.Time, loc *time.Location) bool {
	if loc != nil {
		t = t.In(loc)
	}
	c := clock(t, nil)
	wd := t.Weekday()
	if !w.wraps() {
		return w.Days[wd] && c >= w.Start && c < w.End
	}
	return w.Days[wd] && c >= w.Start || w.Days[(wd+6)%7] && c < w.End
}

// NextEnd returns the first end of working hours after t on a working day,
// reading wall clocks in t's location; the zero time if no day is set.
func (w WorkingHours) NextEnd(t time.Time) time.Time {
	loc := t.Location()
	y, m, d := t.Date()
	for i := -1; i <= 8; i++ {
		startDay := time.Date(y, m, d+i, 12, 0, 0, 0, loc).Weekday()
		if !w.Days[startDay] {
			continue
		}
		endDay := d + i
		if w.wraps() {
			endDay++
		}
		if e := at(y, m, endDay, w.End, loc); e.After(t) {
			return e
		}
	}
	return time.Time{}
}

// String formats the working hours as ParseWorkingHours reads them.
func (w WorkingHours) String() string {
	return w.DailyWindow.String() + " " + daysString(w.Days)
}

func daysString(days [7]bool) string {
	// Print in Monday-first order, collapsing runs of 3+ days into ranges.
	order := [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var parts []string
	for i := 0; i < 7; {
		if !days[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < 7 && days[order[j+1]] {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, order[i].String()[:3]+"-"+order[j].String()[:3])
		default:
			for k := i; k <= j; k++ {
				parts = append(parts, order[k].String()[:3])
			}
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
