package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/agentd/agentd"

// TestImportRules parses the import clauses of every non-test Go file in the
// module (go/parser, no toolchain call, so it is cheap) and checks them
// against the rules. Test files are left out on purpose: a planner test may
// run real mails through the watcher's parser to test the whole path.
func TestImportRules(t *testing.T) {
	root := moduleRoot(t)
	imports := packageImports(t, root, false)
	if len(imports) < 10 {
		t.Fatalf("found only %d packages under %s; is the walk broken?", len(imports), root)
	}
	var bad []string
	for pkg, imps := range imports {
		for _, imp := range imps {
			if why := forbidden(pkg, imp); why != "" {
				bad = append(bad, pkg+" imports "+imp+": "+why)
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// TestNATSOnlyInBusTests extends the NATS rule to test files: tests
// elsewhere use the real bus through internal/bus, not a hand-made
// nats-server (cmd tests may, to run a server as a separate process).
func TestNATSOnlyInBusTests(t *testing.T) {
	imports := packageImports(t, moduleRoot(t), true)
	var bad []string
	for pkg, imps := range imports {
		if strings.HasPrefix(pkg, module+"/cmd/") {
			continue
		}
		for _, imp := range imps {
			if why := forbidden(pkg, imp); why != "" && isNATS(imp) {
				bad = append(bad, pkg+" (tests) imports "+imp+": "+why)
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// TestForbidden keeps the checker honest: each rule must catch the import
// it was written against.
func TestForbidden(t *testing.T) {
	tests := map[string]struct {
		pkg, imp string
		bad      bool
	}{
		"mail imports calendar watcher":  {"watchers/mail", "watchers/calendar", true},
		"mail imports calendar sub":      {"watchers/mail/imap", "watchers/calendar/source", true},
		"calendar imports mail parser":   {"watchers/calendar", "watchers/mail/message", true},
		"shared leaf imports a family":   {"watchers/internal/ics", "watchers/calendar", true},
		"mail uses the shared leaf":      {"watchers/mail", "watchers/internal/ics", false},
		"mail within its family":         {"watchers/mail/imap", "watchers/mail/message", false},
		"watcher uses the runner":        {"watchers/feed", "watchers", false},
		"watcher imports planner":        {"watchers/feed", "planner", true},
		"planner imports watcher runner": {"planner", "watchers", true},
		"planner imports mail parser":    {"planner/correspondence", "watchers/mail/message", true},
		"planner imports notifiers":      {"planner/agenda", "notifiers", true},
		"planner uses rules":             {"planner", "rules", false},
		"rules imports event":            {"rules", "event", true},
		"event imports state":            {"event", "internal/state", true},
		"notifier imports planner":       {"notifiers/desktop", "planner", true},
		"app knows everyone":             {"internal/app", "watchers/mail/imap", false},
		"stdlib":                         {"watchers/mail", "strings", false},
		"bus uses nats.go":               {"internal/bus", "github.com/nats-io/nats.go/jetstream", false},
		"bus embeds nats-server":         {"internal/bus", "github.com/nats-io/nats-server/v2/server", false},
		"state imports jetstream":        {"internal/state", "github.com/nats-io/nats.go/jetstream", true},
		"app imports nats.go":            {"internal/app", "github.com/nats-io/nats.go", true},
		"cmd imports nats-server":        {"cmd/agentd", "github.com/nats-io/nats-server/v2/server", true},
		"watcher imports nats.go":        {"watchers/feed", "github.com/nats-io/nats.go", true},
		"watcher uses the bus":           {"watchers/mail/maildir", "internal/bus", false},
		"other module":                   {"watchers/feed", "github.com/mmcdole/gofeed", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pkg, imp := module+"/"+tc.pkg, module+"/"+tc.imp
			if tc.imp == "strings" || strings.Contains(tc.imp, ".") {
				imp = tc.imp // the standard library or another module
			}
			if why := forbidden(pkg, imp); (why != "") != tc.bad {
				t.Errorf("forbidden(%s, %s) = %q, want forbidden: %v", tc.pkg, tc.imp, why, tc.bad)
			}
		})
	}
}

// forbidden says why pkg must not import imp, or "" if it may. Both are full
// import paths.
func forbidden(pkg, imp string) string {
	if isNATS(imp) && pkg != module+"/internal/bus" && !strings.HasPrefix(pkg, module+"/internal/bus/") {
		return "only internal/bus talks to NATS (nats.go, nats-server); use bus.Handler, bus.Message and state.Store"
	}
	p, ok1 := strings.CutPrefix(pkg, module+"/")
	i, ok2 := strings.CutPrefix(imp, module+"/")
	if !ok1 || !ok2 {
		return "" // the standard library and other modules are not our rules' business
	}
	top := func(s string) string { a, _, _ := strings.Cut(s, "/"); return a }
	switch top(p) {
	case "event":
		return "event is the contract every side shares; it imports nothing of agentd"
	case "rules":
		return "rules is a leaf: the rule language knows nothing of who evaluates it"
	case "watchers":
		switch top(i) {
		case "planner", "notifiers", "cmd":
			return "watchers know nothing of the planner, the notifiers or the CLI"
		case "internal":
			if strings.HasPrefix(i, "internal/app") {
				return "only cmd knows internal/app"
			}
		case "watchers":
			if f, g := family(p), family(i); g != "" && g != "internal" && f != g {
				return "watchers/" + g + " is a watcher family; only its own packages import it (share code through event or watchers/internal)"
			}
		}
	case "planner":
		switch top(i) {
		case "watchers":
			return "the planner knows events, not the watchers that publish them"
		case "notifiers", "cmd":
			return "the planner knows nothing of the notifiers or the CLI"
		case "internal":
			if strings.HasPrefix(i, "internal/app") {
				return "only cmd knows internal/app"
			}
		}
	case "notifiers":
		switch top(i) {
		case "watchers", "planner", "cmd":
			return "notifiers deliver suggestions; they know nothing of watchers or the planner"
		case "internal":
			if strings.HasPrefix(i, "internal/app") {
				return "only cmd knows internal/app"
			}
		}
	}
	return ""
}

// isNATS reports whether imp is part of NATS (client, server, their keys).
func isNATS(imp string) bool { return strings.HasPrefix(imp, "github.com/nats-io/") }

// family is the watcher family of a path under watchers/ ("mail" for
// watchers/mail/imap), "internal" for the shared leaves under
// watchers/internal, and "" for the watchers package itself (the runner
// every family uses).
func family(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) < 2 || parts[0] != "watchers" {
		return ""
	}
	return parts[1]
}

// packageImports maps each package's import path to the imports of its
// non-test files, and of its test files too if tests is set.
func packageImports(t *testing.T, root string, tests bool) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || (!tests && strings.HasSuffix(p, "_test.go")) {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		pkg := module
		if rel != "." {
			pkg = path.Join(module, filepath.ToSlash(rel))
		}
		for _, s := range f.Imports {
			imp, err := strconv.Unquote(s.Path.Value)
			if err != nil {
				return err
			}
			out[pkg] = append(out[pkg], imp)
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// moduleRoot finds the directory of go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
