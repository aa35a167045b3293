package ics

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// perFileTimeout bounds parsing plus expanding one corpus file; the slowest
// real file takes a few milliseconds.
const perFileTimeout = 10 * time.Second

// corpusFiles lists the iCalendar inputs of the corpus: every .ics, the
// .txt files that are iCalendar (ical4j transform samples, the libical
// recurrence stream, a python-recurring-ical-events file), and libical's
// extension-less OSS-Fuzz regressions.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	root := needCorpus(t, "ics")
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch ext := filepath.Ext(path); {
		case ext == ".ics", ext == ".txt":
		case ext == "" && strings.Contains(path, filepath.Join("libical", "test-data")):
		default:
			return nil
		}
		if filepath.Base(path) == "icalrecur_test.txt" { // rule goldens, not iCalendar
			return nil
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 400 {
		t.Fatalf("found %d corpus files under %s, want 400+", len(files), root)
	}
	return files
}

type corpusResult struct {
	cal      *Calendar
	parseErr error
	occ      int
	occErrs  []error
}

// runFile parses and expands one file in a goroutine so a hang fails the
// test instead of stalling it.
func runFile(t *testing.T, path string, opts ...Option) corpusResult {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan corpusResult, 1)
	go func() {
		var r corpusResult
		r.cal, r.parseErr = Parse(bytes.NewReader(data), opts...)
		if r.parseErr == nil {
			for _, w := range windows(r.cal) {
				occ, err := r.cal.Occurrences(w[0], w[1], time.UTC)
				r.occ += len(occ)
				if err != nil {
					r.occErrs = append(r.occErrs, err)
				}
				checkOccurrences(t, path, w[0], w[1], occ)
			}
		}
		done <- r
	}()
	select {
	case r := <-done:
		return r
	case <-time.After(perFileTimeout):
		t.Fatalf("%s: parse+expand did not finish within %v", path, perFileTimeout)
		return corpusResult{}
	}
}

// windows are a fixed recent window and one year from the calendar's first
// event, so old sample files expand too.
func windows(c *Calendar) [][2]time.Time {
	w := [][2]time.Time{{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}}
	var first time.Time
	for _, e := range c.Events {
		if e.hasStart && (first.IsZero() || e.Start.Before(first)) {
			first = e.Start
		}
	}
	if !first.IsZero() {
		w = append(w, [2]time.Time{first.AddDate(0, 0, -1), first.AddDate(1, 0, 0)})
	}
	return w
}

// checkOccurrences asserts the invariants every expansion must keep.
func checkOccurrences(t *testing.T, path string, from, to time.Time, occ []Occurrence) {
	seen := map[string]bool{}
	for i, o := range occ {
		if o.End.Before(o.Start) {
			t.Errorf("%s: %q ends %v before it starts %v", path, o.UID, o.End, o.Start)
		}
		if !o.Start.Before(to) || (o.End.After(o.Start) && !o.End.After(from)) {
			t.Errorf("%s: %q [%v, %v] outside window [%v, %v)", path, o.UID, o.Start, o.End, from, to)
		}
		if i > 0 && o.Start.Before(occ[i-1].Start) {
			t.Errorf("%s: occurrences not sorted at %d", path, i)
		}
		if o.Event == nil {
			t.Errorf("%s: %q has no Event", path, o.UID)
		}
		key := fmt.Sprintf("%s|%p|%d", o.UID, o.Event, o.RecurrenceID.Unix())
		if o.UID != "" && seen[key] {
			t.Errorf("%s: %q instance %v returned twice", path, o.UID, o.RecurrenceID)
		}
		seen[key] = true
	}
}

// TestCorpusParses runs every iCalendar file of the corpus through Parse and
// two Occurrences windows: each parses or fails with an error, never panics
// or hangs, and expansion errors are only limits or rules we refuse.
func TestCorpusParses(t *testing.T) {
	files := corpusFiles(t)
	root := needCorpus(t)
	var parsed, failed, events, occ, limited int
	for _, path := range files {
		rel, _ := filepath.Rel(root, path)
		r := runFile(t, path)
		if r.parseErr != nil {
			failed++
			if strings.Contains(r.parseErr.Error(), "internal error") {
				t.Errorf("%s: Parse recovered a panic: %v", rel, r.parseErr)
			}
			t.Logf("%s: %v", rel, r.parseErr)
			continue
		}
		parsed++
		events += len(r.cal.Events)
		occ += r.occ
		for _, err := range r.occErrs {
			if strings.Contains(err.Error(), "internal error") {
				t.Errorf("%s: expansion recovered a panic: %v", rel, err)
			}
			if errors.Is(err, ErrLimit) {
				limited++
			}
			t.Logf("%s: expansion: %v", rel, err)
		}
	}
	t.Logf("corpus: %d files, %d parsed (%d events, %d occurrences in the windows), %d rejected, %d expansions hit a limit",
		len(files), parsed, events, occ, failed, limited)
	if parsed < len(files)*9/10 {
		t.Errorf("only %d of %d corpus files parse", parsed, len(files))
	}
}

// ical4jStillValid lists ical4j samples/invalid files that a strict parse
// accepts, with why. The others fail Strict for: no VERSION or PRODID,
// VERSION:1.0, a VALARM without ACTION, empty lines between components,
// unterminated VEVENT, a line without colon, bad date-times (also in
// VFREEBUSY/VTODO), non-UTC CREATED, TZIDs without VTIMEZONE, an ATTENDEE
// that is not a URI, GEO with an escaped ';'. The lenient default reads all
// of them.
var ical4jStillValid = map[string]string{
	"OZMovies.ics": "every line is well-formed and every rule Strict checks holds; what ical4j's " +
		"validator objects to is content (an ATTENDEE with the made-up URI scheme \"invalid:\", " +
		"a VTIMEZONE whose observances start after the events)",
}

// TestICal4jInvalidSamples checks that every ical4j samples/invalid file
// fails cleanly under Strict (an error, no panic) or is listed in
// ical4jStillValid, and that a lenient parse never panics.
func TestICal4jInvalidSamples(t *testing.T) {
	dir := needCorpus(t, "ics", "ical4j", "src", "test", "resources", "samples", "invalid")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for _, ent := range entries {
		name := ent.Name()
		t.Run(name, func(t *testing.T) {
			strict := runFile(t, filepath.Join(dir, name), Strict())
			lenient := runFile(t, filepath.Join(dir, name))
			for _, err := range []error{strict.parseErr, lenient.parseErr} {
				if err != nil && strings.Contains(err.Error(), "internal error") {
					t.Errorf("recovered a panic: %v", err)
				}
			}
			reason, listed := ical4jStillValid[name]
			switch {
			case strict.parseErr != nil && listed:
				t.Errorf("now rejected (%v); drop it from ical4jStillValid (%s)", strict.parseErr, reason)
			case strict.parseErr != nil:
				rejected++
				t.Logf("strict: %v; lenient: %d events, %d warnings", strict.parseErr, eventsOf(lenient.cal), warningsOf(lenient.cal))
			case !listed:
				t.Errorf("strict parse accepted an invalid sample (%d events)", len(strict.cal.Events))
			}
		})
	}
	t.Logf("ical4j samples/invalid: %d files, %d rejected by Strict, %d accepted as documented", len(entries), rejected, len(ical4jStillValid))
}

func eventsOf(c *Calendar) int {
	if c == nil {
		return -1
	}
	return len(c.Events)
}

func warningsOf(c *Calendar) int {
	if c == nil {
		return -1
	}
	return len(c.Warnings)
}
