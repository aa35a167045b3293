package testcorpus

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeTB records what check asked of the test instead of doing it.
type fakeTB struct {
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
}

func TestCheck(t *testing.T) {
	present := t.TempDir()
	absent := filepath.Join(present, "missing")
	tests := map[string]struct {
		path        string
		ci          bool
		want        string
		skip, fail  bool
		noteWritten bool
	}{
		"present":            {path: present, want: present},
		"present in CI":      {path: present, ci: true, want: present},
		"absent skips":       {path: absent, skip: true, noteWritten: true},
		"absent fails in CI": {path: absent, ci: true, fail: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var tb fakeTB
			var note bytes.Buffer
			got := check(&tb, tc.path, nil, tc.ci, &note, new(sync.Once))
			if got != tc.want || tb.skipped != tc.skip || tb.failed != tc.fail {
				t.Errorf("check = %q, skipped %v, failed %v; want %q, %v, %v (%s)", got, tb.skipped, tb.failed, tc.want, tc.skip, tc.fail, tb.msg)
			}
			if (note.Len() > 0) != tc.noteWritten {
				t.Errorf("note %q, want written: %v", note.String(), tc.noteWritten)
			}
		})
	}
}

func TestCheckNotesOnce(t *testing.T) {
	var note bytes.Buffer
	var once sync.Once
	absent := filepath.Join(t.TempDir(), "missing")
	for range 3 {
		var tb fakeTB
		check(&tb, absent, nil, false, &note, &once)
		if !tb.skipped {
			t.Fatal("absent corpus not skipped")
		}
	}
	if n := strings.Count(note.String(), "testcorpus:"); n != 1 {
		t.Errorf("note written %d times, want once: %q", n, note.String())
	}
}

func TestModuleRoot(t *testing.T) {
	top := t.TempDir()
	deep := filepath.Join(top, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := moduleRoot(deep); err == nil {
		t.Error("found a module root with no go.mod")
	}
	if err := os.WriteFile(filepath.Join(top, "a", "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := moduleRoot(deep); err != nil || got != filepath.Join(top, "a") {
		t.Errorf("moduleRoot = %q, %v; want %q", got, err, filepath.Join(top, "a"))
	}
}

// The corpus is found beside this repository's root, from this package two
// levels down.
func TestPathFromModuleRoot(t *testing.T) {
	p, err := path("mail")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(filepath.Dir(mustGetwd(t))) // internal/testcorpus
	if want := filepath.Join(filepath.Dir(root), "shared", "corpus", "mail"); p != want {
		t.Errorf("path = %q, want %q", p, want)
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// TestDirFailsInCI runs Dir for a corpus directory that does not exist in a
// child test binary with CI=true: the child test must fail, not skip.
func TestDirFailsInCI(t *testing.T) {
	if os.Getenv("TESTCORPUS_CHILD") == "1" {
		Dir(t, "no-such-directory-in-the-corpus")
		return
	}
	for _, ci := range []string{"true", ""} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDirFailsInCI$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTCORPUS_CHILD=1", "CI="+ci)
		out, err := cmd.CombinedOutput()
		switch {
		case ci == "true" && (err == nil || !strings.Contains(string(out), "--- FAIL")):
			t.Errorf("CI=true: child passed (%v), want a failure:\n%s", err, out)
		case ci == "" && (err != nil || !strings.Contains(string(out), "--- SKIP")):
			t.Errorf("CI unset: child %v, want a skip:\n%s", err, out)
		case ci == "" && strings.Count(string(out), "testcorpus: corpus tests skipped") != 1:
			t.Errorf("CI unset: want the note once on stderr:\n%s", out)
		}
	}
}
