package feed

import (
	"testing"
	"time"
)

func TestNextWait(t *testing.T) {
	const every = 30 * time.Minute
	tests := map[string]struct {
		every      time.Duration
		failures   int
		retryAfter time.Duration
		jitter     float64
		want       time.Duration
	}{
		"success, no jitter":            {every: every, want: every},
		"success, most jitter down":     {every: every, jitter: -1, want: 27 * time.Minute},
		"success, most jitter up":       {every: every, jitter: 1, want: 33 * time.Minute},
		"jitter out of range is capped": {every: every, jitter: 7, want: 33 * time.Minute},
		"first failure retries soon":    {every: every, failures: 1, want: time.Minute},
		"second failure doubles":        {every: every, failures: 2, want: 2 * time.Minute},
		"fifth failure":                 {every: every, failures: 5, want: 16 * time.Minute},
		"backoff capped at 8x every":    {every: every, failures: 30, want: 4 * time.Hour},
		"backoff capped at 24h":         {every: 6 * time.Hour, failures: 30, want: 24 * time.Hour},
		"fast feed never backs off slower than 8x": {
			every: time.Second, failures: 3, want: 8 * time.Second,
		},
		"retry-after beyond backoff is a floor": {
			every: every, failures: 1, retryAfter: 2 * time.Hour, jitter: -1, want: 2 * time.Hour,
		},
		"retry-after jitter only adds": {
			every: every, failures: 1, retryAfter: 2 * time.Hour, jitter: 1, want: 2*time.Hour + 6*time.Minute,
		},
		"retry-after shorter than backoff changes nothing": {
			every: every, failures: 3, retryAfter: 10 * time.Second, want: 4 * time.Minute,
		},
		"retry-after capped at a week": {
			every: every, failures: 1, retryAfter: 30 * 24 * time.Hour, jitter: -1, want: 7 * 24 * time.Hour,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := nextWait(tc.every, tc.failures, tc.retryAfter, tc.jitter); got != tc.want {
				t.Errorf("nextWait(%s, %d, %s, %v) = %s, want %s", tc.every, tc.failures, tc.retryAfter, tc.jitter, got, tc.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		in   string
		want time.Duration
	}{
		"absent":         {"", 0},
		"seconds":        {"120", 2 * time.Minute},
		"spaces":         {"  30 ", 30 * time.Second},
		"zero":           {"0", 0},
		"negative":       {"-5", 0},
		"http date":      {"Sun, 01 Mar 2026 12:10:00 GMT", 10 * time.Minute},
		"date in past":   {"Sun, 01 Mar 2026 11:00:00 GMT", 0},
		"rfc850 date":    {"Sunday, 01-Mar-26 13:00:00 GMT", time.Hour},
		"garbage":        {"soon", 0},
		"huge is capped": {"99999999999", maxRetryAfter},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := parseRetryAfter(tc.in, now); got != tc.want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
