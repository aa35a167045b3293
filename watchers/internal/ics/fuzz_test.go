package ics

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/testcorpus"
)

// FuzzParse feeds arbitrary bytes to Parse and expands what parses. Parse and
// Occurrences turn a panic into an "internal error"; the fuzzer treats that
// as a failure, so the recover never hides a bug.
//
//	go test ./watchers/internal/ics -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.ics"))
	// A few corpus files when present (the fuzz test runs without): the
	// libical OSS-Fuzz regressions and the full-history VTIMEZONEs.
	if corpus, ok := testcorpus.Lookup("ics"); ok {
		for _, pattern := range []string{
			filepath.Join(corpus, "libical", "test-data", "fuzz*"),
			filepath.Join(corpus, "libical", "test-data", "poc-*"),
			filepath.Join(corpus, "libical", "test-data", "zoneinfo2025c-pure", "Europe", "*.ics"),
			filepath.Join(corpus, "python-recurring-ical-events", "recurring_ical_events", "test", "calendars", "*range*.ics"),
		} {
			m, _ := filepath.Glob(pattern)
			seeds = append(seeds, m...)
		}
	}
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte(vcal("BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Europe/Paris:20260329T023000\nRRULE:FREQ=HOURLY;BYSETPOS=-1;BYMINUTE=1,2\nEXDATE:20260330T000000Z\nEND:VEVENT")))
	f.Add([]byte("X;A=b\n"))
	f.Add([]byte("BEGIN:VEVENT\nDTSTART;VALUE=DATE:20240229\nRRULE:FREQ=YEARLY;BYWEEKNO=53;INTERVAL=7;BYDAY=-1SU\nEND:VEVENT"))
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := Parse(bytes.NewReader(data), WithMaxIterations(20000), WithMaxOccurrences(2000))
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Parse panicked: %v", err)
			}
			return
		}
		for _, w := range windows(cal) {
			_, err := cal.Occurrences(w[0], w[1], time.UTC)
			if err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Occurrences panicked: %v", err)
			}
		}
		if _, err := cal.Occurrences(from, from.AddDate(1, 0, 0), nil); err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("Occurrences panicked: %v", err)
		}
	})
}
