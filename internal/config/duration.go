package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written the Go way (90s, 30m, 1h30m) plus the
// units d (24h) and w (7d), as people think of ages and look-backs: 14d,
// 1d12h, 2w. Days are fixed 24-hour spans, not calendar days.
type Duration time.Duration

// durationExamples ends every "not a duration" message.
const durationExamples = "examples: 90s, 30m, 2h, 1d"

// ParseDuration parses s as a Duration. A unit is required after every
// number except a lone "0".
func ParseDuration(s string) (Duration, error) {
	orig := s
	if s == "" {
		return 0, errors.New("empty duration")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, fmt.Errorf("%q is not a duration", orig)
	}
	var total int64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		num := s[:i]
		if num == "" || num == "." || strings.Count(num, ".") > 1 {
			return 0, fmt.Errorf("%q is not a duration: expected a number at %q", orig, s)
		}
		s = s[i:]
		j := 0
		for j < len(s) && !(s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		unit := s[:j]
		s = s[j:]
		if unit == "" {
			return 0, fmt.Errorf("%q is not a duration: missing unit after %s (units: s, m, h, d, w)", orig, num)
		}
		scale, ok := durationUnit(unit)
		if !ok {
			return 0, fmt.Errorf("%q is not a duration: unknown unit %q (units: s, m, h, d, w; also ms, us, ns)", orig, unit)
		}
		v, err := segment(num, int64(scale))
		if err != nil || total > math.MaxInt64-v {
			return 0, fmt.Errorf("%q is not a duration: too long", orig)
		}
		total += v
	}
	if neg {
		total = -total
	}
	return Duration(total), nil
}

// segment computes num*scale in integers, so that long durations keep
// nanosecond precision; a fraction is rounded to the nanosecond.
func segment(num string, scale int64) (int64, error) {
	whole, frac, _ := strings.Cut(num, ".")
	var v int64
	if whole != "" {
		w, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || w > math.MaxInt64/scale {
			return 0, errors.New("overflow")
		}
		v = w * scale
	}
	if frac != "" {
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return 0, err
		}
		v += int64(math.Round(f * float64(scale)))
	}
	if v < 0 {
		return 0, errors.New("overflow")
	}
	return v, nil
}

func durationUnit(unit string) (time.Duration, bool) {
	switch unit {
	case "ns":
		return time.Nanosecond, true
	case "us", "µs", "μs":
		return time.Microsecond, true
	case "ms":
		return time.Millisecond, true
	case "s":
		return time.Second, true
	case "m":
		return time.Minute, true
	case "h":
		return time.Hour, true
	case "d":
		return 24 * time.Hour, true
	case "w":
		return 7 * 24 * time.Hour, true
	}
	return 0, false
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d so that ParseDuration reads it back: whole days as "d",
// the rest as Go does without trailing zero units ("3d", "1d12h", "1h30m",
// "90ms").
func (d Duration) String() string {
	td := time.Duration(d)
	if td == 0 {
		return "0s"
	}
	sign := ""
	if td < 0 {
		sign = "-"
		td = -td
	}
	const day = 24 * time.Hour
	var b strings.Builder
	b.WriteString(sign)
	if days := td / day; days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		td -= days * day
	}
	if td > 0 {
		s := td.String()
		// time.Duration prints 1h0m0s: the zero units are noise here.
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
		b.WriteString(s)
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// parseSize reads a byte count: a plain number, or a number with a unit
// (B, KB, MB, GB in powers of 1000; KiB, MiB, GiB in powers of 1024).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	if num == "" {
		return 0, fmt.Errorf("%q is not a size (examples: 1048576, 512KiB, 10MB)", s)
	}
	scale, ok := sizeUnit(unit)
	if !ok {
		return 0, fmt.Errorf("%q is not a size: unknown unit %q (units: B, KB, MB, GB, KiB, MiB, GiB)", s, t[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size (examples: 1048576, 512KiB, 10MB)", s)
	}
	v *= float64(scale)
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(v), nil
}

func sizeUnit(unit string) (int64, bool) {
	switch unit {
	case "", "b":
		return 1, true
	case "k", "kb":
		return 1000, true
	case "m", "mb":
		return 1000 * 1000, true
	case "g", "gb":
		return 1000 * 1000 * 1000, true
	case "kib":
		return 1 << 10, true
	case "mib":
		return 1 << 20, true
	case "gib":
		return 1 << 30, true
	}
	return 0, false
}
