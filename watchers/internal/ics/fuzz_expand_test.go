package ics

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/testcorpus"
)

// Corpus seeds: up to fuzzSeeds calendars of at most fuzzSeedMax bytes
// (the fuzzer runs every seed before mutating; a large one slows every
// iteration that starts from it).
const (
	fuzzSeeds   = 150
	fuzzSeedMax = 16 << 10
	// Limits of the fuzzed expansion: small, so that an input cannot
	// make one iteration slow, and so that reaching them is exercised.
	fuzzMaxOcc  = 500
	fuzzMaxIter = 20000
	// maxEventJSON is the bus's default message limit: a described event
	// must always fit.
	maxEventJSON = 1 << 20
)

// FuzzExpand parses any bytes as iCalendar and expands every event over
// bounded windows, the watcher's path from a calendar file to events.
// Whatever the input: Parse and Occurrences return errors, never a panic
// (their recover turns one into an "internal error", a failure here);
// no event yields more than the occurrence limit; occurrences lie in their
// window, sorted, each once, never ending before they start; a limit hit
// is an ErrLimit; every described event encodes within the bus's 1 MB.
//
// Seeds: testdata/*.ics, testdata/fuzz/FuzzExpand (crashers found before)
// and a sample of the small calendars of ../shared/corpus when present,
// the libical OSS-Fuzz regressions among them.
//
//	go test ./watchers/internal/ics -run '^$' -fuzz '^FuzzExpand$' -fuzztime 5m
func FuzzExpand(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.ics"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, data := range testcorpus.Seeds("ics", fuzzSeedMax, fuzzSeeds, func(p string) bool {
		switch filepath.Ext(p) {
		case ".ics", ".txt":
			return filepath.Base(p) != "icalrecur_test.txt" // rule goldens, not iCalendar
		case "":
			return strings.Contains(p, filepath.Join("libical", "test-data"))
		}
		return false
	}) {
		f.Add(data)
	}
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:m\nDTSTART:20260101T000000Z\nRRULE:FREQ=SECONDLY\nEND:VEVENT\nEND:VCALENDAR\n"))
	f.Add([]byte("BEGIN:VEVENT\nUID:y\nDTSTART;VALUE=DATE:20260131\nRRULE:FREQ=MONTHLY;BYMONTHDAY=31,-31;BYSETPOS=2\nRDATE;VALUE=PERIOD:20260101T000000Z/PT1H\nEND:VEVENT\n"))
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:X\nBEGIN:STANDARD\nDTSTART:16010101T000000\nTZOFFSETFROM:+1400\nTZOFFSETTO:-1200\nRRULE:FREQ=YEARLY\nEND:STANDARD\nEND:VTIMEZONE\nBEGIN:VEVENT\nUID:z\nDTSTART;TZID=X:20260301T020000\nDURATION:-P1D\nEND:VEVENT\nEND:VCALENDAR\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := Parse(bytes.NewReader(data), WithMaxOccurrences(fuzzMaxOcc), WithMaxIterations(fuzzMaxIter))
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Parse panicked: %v", err)
			}
			return
		}
		if cal == nil {
			t.Fatal("no error and no calendar")
		}
		for _, w := range windows(cal) {
			for _, e := range cal.Events {
				occ, err := e.Occurrences(w[0], w[1], time.UTC)
				if err != nil && strings.Contains(err.Error(), "internal error") {
					t.Fatalf("Occurrences panicked: %v", err)
				}
				if len(occ) > fuzzMaxOcc {
					t.Fatalf("%q: %d occurrences, limit %d (err %v)", e.UID, len(occ), fuzzMaxOcc, err)
				}
				if len(occ) == fuzzMaxOcc && err != nil && !errors.Is(err, ErrLimit) {
					t.Errorf("%q: at the limit with an error that is not ErrLimit: %v", e.UID, err)
				}
				checkOccurrences(t, "fuzz", w[0], w[1], occ)
				if w[0].Year() < 1 || w[1].Year() > 9999 {
					// The window around a start in year 0 or 9999 cannot
					// be written in JSON (RFC 3339 years); the watchers'
					// windows are around now (crasher a95a3ac6efef5bb9).
					continue
				}
				ce, err := Describe("fuzz", "", "fuzz.ics", e, w[0], w[1], time.UTC)
				if err != nil {
					continue
				}
				raw, err := json.Marshal(ce)
				if err != nil {
					t.Fatalf("%q: described event does not encode: %v", e.UID, err)
				}
				if len(raw) > maxEventJSON {
					t.Fatalf("%q: described event of %d bytes, bus limit %d", e.UID, len(raw), maxEventJSON)
				}
			}
		}
	})
}
