package config

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	cases := map[string]struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		"seconds":          {in: "90s", want: 90 * time.Second},
		"minutes":          {in: "30m", want: 30 * time.Minute},
		"go compound":      {in: "1h30m", want: 90 * time.Minute},
		"days":             {in: "14d", want: 14 * day},
		"days and hours":   {in: "1d12h", want: 36 * time.Hour},
		"weeks":            {in: "2w", want: 14 * day},
		"weeks and days":   {in: "1w2d", want: 9 * day},
		"fraction of day":  {in: "1.5d", want: 36 * time.Hour},
		"milliseconds":     {in: "250ms", want: 250 * time.Millisecond},
		"micro sign":       {in: "3µs", want: 3 * time.Microsecond},
		"zero":             {in: "0", want: 0},
		"negative":         {in: "-1d", want: -day},
		"long and precise": {in: "200d1ns", want: 200*day + 1},
		"no unit":          {in: "30", wantErr: "missing unit"},
		"unknown unit":     {in: "30x", wantErr: `unknown unit "x"`},
		"month is not m":   {in: "1mo", wantErr: `unknown unit "mo"`},
		"empty":            {in: "", wantErr: "empty"},
		"sign only":        {in: "-", wantErr: "not a duration"},
		"no number":        {in: "d", wantErr: "expected a number"},
		"two dots":         {in: "1.2.3s", wantErr: "expected a number"},
		"space":            {in: "1d 2h", wantErr: `unknown unit "d "`},
		"overflow":         {in: "99999999999w", wantErr: "too long"},
		"overflow in sum":  {in: "15000w15000w", wantErr: "too long"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseDuration(%q) = %v, %v; want error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got.D() != tc.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tc.in, got.D(), err, tc.want)
			}
		})
	}
}

func TestDurationString(t *testing.T) {
	cases := map[string]struct {
		d    time.Duration
		want string
	}{
		"zero":         {0, "0s"},
		"seconds":      {90 * time.Second, "1m30s"},
		"minutes":      {30 * time.Minute, "30m"},
		"hours":        {2 * time.Hour, "2h"},
		"hours+min":    {90 * time.Minute, "1h30m"},
		"days":         {72 * time.Hour, "3d"},
		"days+hours":   {36 * time.Hour, "1d12h"},
		"days+seconds": {24*time.Hour + time.Second, "1d1s"},
		"sub-second":   {1500 * time.Millisecond, "1.5s"},
		"negative":     {-36 * time.Hour, "-1d12h"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := Duration(tc.d).String()
			if s != tc.want {
				t.Errorf("String() = %q, want %q", s, tc.want)
			}
			back, err := ParseDuration(s)
			if err != nil || back.D() != tc.d {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, back.D(), err, tc.d)
			}
		})
	}
}

func TestDurationText(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("1d12h")); err != nil || d.D() != 36*time.Hour {
		t.Fatalf("UnmarshalText = %v, %v", d, err)
	}
	if b, _ := d.MarshalText(); string(b) != "1d12h" {
		t.Errorf("MarshalText = %q", b)
	}
	if err := d.UnmarshalText([]byte("soon")); err == nil {
		t.Error("UnmarshalText(soon) succeeded")
	}
}

func TestParseSize(t *testing.T) {
	cases := map[string]struct {
		in      string
		want    int64
		wantErr bool
	}{
		"bytes":      {in: "2048", want: 2048},
		"B":          {in: "512B", want: 512},
		"KB decimal": {in: "10KB", want: 10_000},
		"MB decimal": {in: "10MB", want: 10_000_000},
		"MiB":        {in: "10MiB", want: 10 << 20},
		"lower kib":  {in: "512kib", want: 512 << 10},
		"space":      {in: "1 GiB", want: 1 << 30},
		"fraction":   {in: "1.5MiB", want: 3 << 19},
		"unit only":  {in: "MB", wantErr: true},
		"bad unit":   {in: "10XB", wantErr: true},
		"too large":  {in: "99999999999GiB", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := parseSize(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want && !tc.wantErr {
				t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90s", "1d12h", "2w", "1.5d", "-3h", "0", "200d1ns", "1.000000001s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d.D() == math.MinInt64 {
			return // has no positive counterpart to print
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %d; String %q reads back as %d, %v", s, d, d.String(), back, err)
		}
	})
}
