// Package testcorpus finds the shared test corpus of real-world mail, feeds
// and calendars for the tests that read it. The corpus is too big for the
// repository: it lives in ../shared/corpus beside the module root.
//
// Outside CI a missing corpus skips the test, and the test binary says so
// once on stderr, so that a green run does not hide that the corpus tests
// did not run. With CI=true a missing corpus fails the test: CI must not
// pass without them.
package testcorpus

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// TB is the part of testing.TB that Dir uses; the package's own tests pass
// a fake to see a failure without failing.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// announced makes the "corpus absent" note appear once per test binary, not
// once per skipped test.
var announced sync.Once

// Dir returns the corpus directory sub (joined; none for the corpus root).
// When it is absent, it fails the test if the CI environment variable is
// true, and skips it otherwise.
func Dir(tb testing.TB, sub ...string) string {
	tb.Helper()
	p, err := path(sub...)
	return check(tb, p, err, inCI(), os.Stderr, &announced)
}

// Lookup returns the corpus directory sub and whether it exists, for tests
// that only add corpus files when present (fuzz seeds) and must run without.
func Lookup(sub ...string) (string, bool) {
	p, err := path(sub...)
	if err != nil {
		return "", false
	}
	_, err = os.Stat(p)
	return p, err == nil
}

// check returns p if it exists (err is from finding p), else fails or skips
// tb; the first skip writes a note to note.
func check(tb TB, p string, err error, ci bool, note io.Writer, once *sync.Once) string {
	tb.Helper()
	if err == nil {
		_, err = os.Stat(p)
	}
	if err == nil {
		return p
	}
	if ci {
		tb.Fatalf("test corpus missing (CI is set, so this fails instead of skipping): %v", err)
		return ""
	}
	once.Do(func() {
		fmt.Fprintf(note, "testcorpus: corpus tests skipped, the shared corpus is missing: %v\n", err)
	})
	tb.Skipf("test corpus missing: %v", err)
	return ""
}

// path is ../shared/corpus/sub... from the module root.
func path(sub ...string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	root, err := moduleRoot(wd)
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{filepath.Dir(root), "shared", "corpus"}, sub...)...), nil
}

// moduleRoot is the nearest directory at or above dir with a go.mod: a
// test binary runs in its package's directory, at any depth.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("find the module root: %w", err)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod at or above %s", dir)
		}
		d = parent
	}
}

// inCI reports whether the CI environment variable is true (GitHub Actions,
// GitLab and most CI systems set CI=true).
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}
