package config

import (
	"strings"
	"testing"
	"time"
)

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseDailyWindow(t *testing.T) {
	cases := map[string]struct {
		in         string
		start, end time.Duration
		wantErr    string
	}{
		"evening to morning": {in: "22:00-07:00", start: 22 * time.Hour, end: 7 * time.Hour},
		"day":                {in: "09:30-17:45", start: 9*time.Hour + 30*time.Minute, end: 17*time.Hour + 45*time.Minute},
		"single digit hour":  {in: "9:00-18:00", start: 9 * time.Hour, end: 18 * time.Hour},
		"until midnight":     {in: "20:00-24:00", start: 20 * time.Hour, end: 0},
		"spaces":             {in: " 22:00 - 07:00 ", start: 22 * time.Hour, end: 7 * time.Hour},
		"no dash":            {in: "22:00", wantErr: "HH:MM-HH:MM"},
		"hours only":         {in: "22-7", wantErr: "not a time of day"},
		"bad minute":         {in: "22:60-07:00", wantErr: "00:00 to 23:59"},
		"24 as start":        {in: "24:00-07:00", wantErr: "start"},
		"25 as end":          {in: "22:00-25:00", wantErr: "end"},
		"same":               {in: "07:00-07:00", wantErr: "same time"},
		"whole day":          {in: "00:00-24:00", wantErr: "same time"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w, err := ParseDailyWindow(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseDailyWindow(%q) = %v, %v; want error with %q", tc.in, w, err, tc.wantErr)
				}
				return
			}
			if err != nil || w.Start != tc.start || w.End != tc.end {
				t.Fatalf("ParseDailyWindow(%q) = %+v, %v; want %v-%v", tc.in, w, err, tc.start, tc.end)
			}
			if back, err := ParseDailyWindow(w.String()); err != nil || back != w {
				t.Errorf("String %q reads back as %+v, %v", w.String(), back, err)
			}
		})
	}
}

func TestDailyWindowContains(t *testing.T) {
	loc := paris(t)
	quiet := DailyWindow{Start: 22 * time.Hour, End: 7 * time.Hour}
	day := DailyWindow{Start: 9 * time.Hour, End: 17 * time.Hour}
	early := DailyWindow{Start: 2*time.Hour + 30*time.Minute, End: 4 * time.Hour}
	cases := map[string]struct {
		w    DailyWindow
		t    time.Time
		want bool
	}{
		"before start":                 {quiet, time.Date(2026, 6, 1, 21, 59, 59, 0, loc), false},
		"at start":                     {quiet, time.Date(2026, 6, 1, 22, 0, 0, 0, loc), true},
		"midnight":                     {quiet, time.Date(2026, 6, 2, 0, 0, 0, 0, loc), true},
		"just before end":              {quiet, time.Date(2026, 6, 2, 6, 59, 59, 0, loc), true},
		"at end":                       {quiet, time.Date(2026, 6, 2, 7, 0, 0, 0, loc), false},
		"noon":                         {quiet, time.Date(2026, 6, 2, 12, 0, 0, 0, loc), false},
		"utc instant read in paris":    {quiet, time.Date(2026, 6, 1, 20, 30, 0, 0, time.UTC), true}, // 22:30 CEST
		"day window inside":            {day, time.Date(2026, 6, 1, 12, 0, 0, 0, loc), true},
		"day window at end":            {day, time.Date(2026, 6, 1, 17, 0, 0, 0, loc), false},
		"spring forward after jump":    {quiet, time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), true},                   // 03:30 CEST
		"spring forward end is 7 CEST": {quiet, time.Date(2026, 3, 29, 5, 0, 0, 0, time.UTC), false},                   // 07:00 CEST
		"spring forward 6:59 CEST":     {quiet, time.Date(2026, 3, 29, 4, 59, 0, 0, time.UTC), true},                   // 06:59 CEST
		"spring skipped hour":          {early, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), true},                    // 03:00 CEST
		"spring before skipped hour":   {early, time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC), false},                  // 01:59 CET
		"fall back first 02:45":        {early, time.Date(2026, 10, 25, 0, 45, 0, 0, time.UTC), true},                  // 02:45 CEST
		"fall back second 02:45":       {early, time.Date(2026, 10, 25, 1, 45, 0, 0, time.UTC), true},                  // 02:45 CET
		"fall back 07:00 CET":          {quiet, time.Date(2026, 10, 25, 6, 0, 0, 0, time.UTC), false},                  // 07:00 CET
		"fall back 06:59 CET":          {quiet, time.Date(2026, 10, 25, 5, 59, 0, 0, time.UTC), true},                  // 06:59 CET
		"nil location uses t's own":    {quiet, time.Date(2026, 6, 1, 23, 0, 0, 0, time.FixedZone("X", 5*3600)), true}, // 23:00 there
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := loc
			if strings.HasPrefix(name, "nil location") {
				l = nil
			}
			if got := tc.w.Contains(tc.t, l); got != tc.want {
				t.Errorf("%v.Contains(%v) = %v, want %v", tc.w, tc.t.In(loc), got, tc.want)
			}
		})
	}
}

func TestDailyWindowNextEnd(t *testing.T) {
	loc := paris(t)
	quiet := DailyWindow{Start: 22 * time.Hour, End: 7 * time.Hour}
	cases := map[string]struct {
		t, want time.Time
	}{
		"inside before midnight": {time.Date(2026, 6, 1, 23, 0, 0, 0, loc), time.Date(2026, 6, 2, 7, 0, 0, 0, loc)},
		"inside after midnight":  {time.Date(2026, 6, 2, 3, 0, 0, 0, loc), time.Date(2026, 6, 2, 7, 0, 0, 0, loc)},
		"at end: the next one":   {time.Date(2026, 6, 2, 7, 0, 0, 0, loc), time.Date(2026, 6, 3, 7, 0, 0, 0, loc)},
		"outside: next end":      {time.Date(2026, 6, 2, 12, 0, 0, 0, loc), time.Date(2026, 6, 3, 7, 0, 0, 0, loc)},
		// The night of the spring change is an hour shorter, the autumn one
		// an hour longer; the window still ends at 07:00 on the wall clock.
		"spring forward night": {time.Date(2026, 3, 28, 23, 0, 0, 0, loc), time.Date(2026, 3, 29, 5, 0, 0, 0, time.UTC)},
		"fall back night":      {time.Date(2026, 10, 24, 23, 0, 0, 0, loc), time.Date(2026, 10, 25, 6, 0, 0, 0, time.UTC)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := quiet.NextEnd(tc.t)
			if !got.Equal(tc.want) {
				t.Errorf("NextEnd(%v) = %v, want %v", tc.t, got, tc.want.In(loc))
			}
		})
	}
	spring := quiet.NextEnd(time.Date(2026, 3, 28, 22, 0, 0, 0, loc)).Sub(time.Date(2026, 3, 28, 22, 0, 0, 0, loc))
	fall := quiet.NextEnd(time.Date(2026, 10, 24, 22, 0, 0, 0, loc)).Sub(time.Date(2026, 10, 24, 22, 0, 0, 0, loc))
	if spring != 8*time.Hour || fall != 10*time.Hour {
		t.Errorf("quiet nights across DST last %v and %v; want 8h and 10h", spring, fall)
	}
}

func TestParseWorkingHours(t *testing.T) {
	cases := map[string]struct {
		in      string
		days    string // Sun..Sat as 0/1
		str     string
		wantErr string
	}{
		"range":          {in: "09:00-18:00 Mon-Fri", days: "0111110", str: "09:00-18:00 Mon-Fri"},
		"default days":   {in: "09:00-18:00", days: "0111110", str: "09:00-18:00 Mon-Fri"},
		"list":           {in: "09:00-17:00 Mon,Wed,Fri", days: "0101010", str: "09:00-17:00 Mon,Wed,Fri"},
		"mixed":          {in: "08:00-12:00 Mon-Wed,Sat", days: "0111001", str: "08:00-12:00 Mon-Wed,Sat"},
		"wrapping range": {in: "10:00-16:00 Fri-Mon", days: "1100011", str: "10:00-16:00 Mon,Fri-Sun"},
		"full names":     {in: "09:00-18:00 monday-friday", days: "0111110", str: "09:00-18:00 Mon-Fri"},
		"bad day":        {in: "09:00-18:00 Mon-Fry", wantErr: `"Fry" is not a day`},
		"too many parts": {in: "09:00-18:00 Mon Fri", wantErr: "expected HH:MM-HH:MM DAYS"},
		"empty":          {in: "", wantErr: "expected HH:MM-HH:MM DAYS"},
		"bad window":     {in: "9-18 Mon-Fri", wantErr: "not a time of day"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w, err := ParseWorkingHours(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseWorkingHours(%q) = %v, %v; want error with %q", tc.in, w, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var days strings.Builder
			for _, on := range w.Days {
				if on {
					days.WriteByte('1')
				} else {
					days.WriteByte('0')
				}
			}
			if days.String() != tc.days || w.String() != tc.str {
				t.Errorf("ParseWorkingHours(%q) = days %s, %q; want %s, %q", tc.in, days.String(), w.String(), tc.days, tc.str)
			}
		})
	}
}

func TestWorkingHoursContainsAndNextEnd(t *testing.T) {
	loc := paris(t)
	office, err := ParseWorkingHours("09:00-18:00 Mon-Fri")
	if err != nil {
		t.Fatal(err)
	}
	night, err := ParseWorkingHours("22:00-06:00 Mon-Fri") // shifts start Mon..Fri evenings
	if err != nil {
		t.Fatal(err)
	}
	// 2026-06-01 is a Monday.
	cases := map[string]struct {
		w       WorkingHours
		t       time.Time
		in      bool
		nextEnd time.Time
	}{
		"monday noon":           {office, time.Date(2026, 6, 1, 12, 0, 0, 0, loc), true, time.Date(2026, 6, 1, 18, 0, 0, 0, loc)},
		"monday evening":        {office, time.Date(2026, 6, 1, 19, 0, 0, 0, loc), false, time.Date(2026, 6, 2, 18, 0, 0, 0, loc)},
		"saturday noon":         {office, time.Date(2026, 6, 6, 12, 0, 0, 0, loc), false, time.Date(2026, 6, 8, 18, 0, 0, 0, loc)},
		"friday night shift":    {night, time.Date(2026, 6, 5, 23, 0, 0, 0, loc), true, time.Date(2026, 6, 6, 6, 0, 0, 0, loc)},
		"saturday early, fri's": {night, time.Date(2026, 6, 6, 5, 0, 0, 0, loc), true, time.Date(2026, 6, 6, 6, 0, 0, 0, loc)},
		"saturday night off":    {night, time.Date(2026, 6, 6, 23, 0, 0, 0, loc), false, time.Date(2026, 6, 9, 6, 0, 0, 0, loc)},
		"monday early, sun off": {night, time.Date(2026, 6, 1, 5, 0, 0, 0, loc), false, time.Date(2026, 6, 2, 6, 0, 0, 0, loc)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.w.Contains(tc.t.UTC(), loc); got != tc.in {
				t.Errorf("Contains(%v) = %v, want %v", tc.t, got, tc.in)
			}
			if got := tc.w.NextEnd(tc.t); !got.Equal(tc.nextEnd) {
				t.Errorf("NextEnd(%v) = %v, want %v", tc.t, got, tc.nextEnd)
			}
		})
	}
}
