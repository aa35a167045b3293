package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
)

// The evaluation set (issue 10): testdata/scenarios/NN-name/ at the repo
// root, each a small mailbox, calendar and feeds with what a careful human
// assistant would raise at a pinned moment (expect) and what would be wrong
// or noise (must_not). TestScenarios runs every scenario through the same
// path as `agentd plan` (app.Plan over a Maildir with .Sent, a folder of
// .ics files and file:// feeds) and scores the output.
//
// Scoring, per output of Plan:
//   - the first output that matches an expectation is a hit (recall counts
//     the expectations hit);
//   - another output about the same story (matching that expectation too, or
//     sharing its about reference) is a duplicate;
//   - a summary (the morning agenda, the look-back summary) counts once, not
//     per line: it is neutral beside expected stories, one false alarm in a
//     quiet scenario, and judged by a matcher only when it names its rule;
//   - an output matching allow (acceptable, not required) is neutral;
//   - anything else is a false alarm: a must_not hit, an output about an
//     expected story that gets it wrong (the wrong time, not saying what is
//     due; listed as WRONG), or noise nobody asked for.
//
// precision = hits / (hits + duplicates + false alarms).
// Run `go test ./internal/app -run TestScenarios -v` to see the figures,
// the misses and the false alarms; SCENARIO=NN limits it to scenarios whose
// directory starts with NN.

// Thresholds: when the set was written the rules scored precision 0.22,
// recall 10/45, 3 duplicates, 33 false alarms; after the issue-10 class
// fixes they score precision 1.00, recall 45/45, no duplicate, no false
// alarm. The test fails when a change makes any figure worse than below
// (a little slack for one honest trade-off); the set was seen while the
// classes were fixed, so new, unseen scenarios are the real measure.
const (
	minPrecision   = 0.95
	minRecall      = 0.95
	maxDuplicates  = 0
	maxFalseAlarms = 1
)

type scenario struct {
	Title string `yaml:"title"`
	// Class is the issue 10 class it exercises ("03-dates"…) or "corpus".
	Class string `yaml:"class"`
	// Quiet: nothing should be raised (a third of the set).
	Quiet bool   `yaml:"quiet"`
	Lang  string `yaml:"lang"`
	User  struct {
		Name         string   `yaml:"name"`
		Email        string   `yaml:"email"`
		Aliases      []string `yaml:"aliases"`
		Zone         string   `yaml:"zone"`
		Interests    []any    `yaml:"interests"`
		WorkingHours string   `yaml:"working_hours"`
	} `yaml:"user"`
	Now     string    `yaml:"now"`
	Horizon string    `yaml:"horizon"` // default 48h, as `agentd plan`
	Expect  []matcher `yaml:"expect"`
	MustNot []matcher `yaml:"must_not"`
	// Allow: outputs that are acceptable but not required (a low-priority
	// "this looks like phishing" note); neutral.
	Allow    []matcher `yaml:"allow"`
	Comments string    `yaml:"notes"`
}

// matcher describes one output. Every field given must hold.
type matcher struct {
	Kind string `yaml:"kind"` // reminder, suggestion, draft
	Rule string `yaml:"rule"` // a rule name, e.g. calendar-agenda
	// Priority, when given, is the highest priority allowed (low…urgent).
	Priority string `yaml:"priority"`
	About    string `yaml:"about"` // Message-ID, event UID or feed GUID
	// DueAfter/DueBefore bound a reminder's Due (RFC 3339, or
	// "2006-01-02 15:04" in the user's zone).
	DueAfter  string `yaml:"due_after"`
	DueBefore string `yaml:"due_before"`
	// MustMention: each term appears in the title or body (any case); a
	// term "a|b" is satisfied by either.
	MustMention []string `yaml:"must_mention"`
	Note        string   `yaml:"note"`

	after, before time.Time
}

type scored struct {
	scenarios, quietKept                       int
	hits, expected, dups, falseAlarms, outputs int
}

func (s *scored) add(o scored) {
	s.scenarios += o.scenarios
	s.quietKept += o.quietKept
	s.hits += o.hits
	s.expected += o.expected
	s.dups += o.dups
	s.falseAlarms += o.falseAlarms
	s.outputs += o.outputs
}

func (s scored) precision() float64 {
	n := s.hits + s.dups + s.falseAlarms
	if n == 0 {
		return 1
	}
	return float64(s.hits) / float64(n)
}

func (s scored) recall() float64 {
	if s.expected == 0 {
		return 1
	}
	return float64(s.hits) / float64(s.expected)
}

func (s scored) String() string {
	return fmt.Sprintf("%2d scenarios  precision %.2f  recall %.2f (%d/%d)  duplicates %d  false alarms %d",
		s.scenarios, s.precision(), s.recall(), s.hits, s.expected, s.dups, s.falseAlarms)
}

func TestScenarios(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "scenarios")
	dirs, err := filepath.Glob(filepath.Join(root, "[0-9]*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no scenarios under %s: %v", root, err)
	}
	sort.Strings(dirs)
	only := os.Getenv("SCENARIO")
	byClass := map[string]*scored{}
	var total, quiet scored
	var report []string
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if only != "" && !strings.HasPrefix(name, only) {
			continue
		}
		sc, err := loadScenario(dir)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		res, lines := runScenario(t, dir, sc)
		report = append(report, lines...)
		if byClass[sc.Class] == nil {
			byClass[sc.Class] = &scored{}
		}
		byClass[sc.Class].add(res)
		total.add(res)
		if sc.Quiet {
			quiet.add(res)
		}
	}
	for _, l := range report {
		t.Log(l)
	}
	classes := make([]string, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	t.Log("per class:")
	for _, c := range classes {
		t.Logf("  %-22s %s", c, byClass[c])
	}
	t.Logf("  %-22s %d of %d stayed quiet, %d false alarms", "quiet scenarios", quiet.quietKept, quiet.scenarios, quiet.falseAlarms)
	t.Logf("overall: %s", total)
	if only != "" {
		return
	}
	if total.scenarios < 40 {
		t.Errorf("%d scenarios read, the set has at least 40", total.scenarios)
	}
	if p := total.precision(); p < minPrecision {
		t.Errorf("precision %.2f fell below %.2f", p, minPrecision)
	}
	if r := total.recall(); r < minRecall {
		t.Errorf("recall %.2f fell below %.2f", r, minRecall)
	}
	if total.dups > maxDuplicates {
		t.Errorf("%d duplicates, at most %d", total.dups, maxDuplicates)
	}
	if total.falseAlarms > maxFalseAlarms {
		t.Errorf("%d false alarms, at most %d", total.falseAlarms, maxFalseAlarms)
	}
}

func loadScenario(dir string) (*scenario, error) {
	b, err := os.ReadFile(filepath.Join(dir, "scenario.yaml"))
	if err != nil {
		return nil, err
	}
	var sc scenario
	if err := yaml.UnmarshalWithOptions(b, &sc, yaml.Strict()); err != nil {
		return nil, err
	}
	if sc.Now == "" || sc.User.Zone == "" || sc.User.Email == "" || sc.Class == "" {
		return nil, fmt.Errorf("now, user.zone, user.email and class are required")
	}
	if len(sc.Expect) == 0 && !sc.Quiet {
		return nil, fmt.Errorf("no expectations: mark it quiet")
	}
	if sc.Quiet && len(sc.MustNot) == 0 {
		return nil, fmt.Errorf("a quiet scenario says what must not be raised")
	}
	loc, err := time.LoadLocation(sc.User.Zone)
	if err != nil {
		return nil, err
	}
	for _, ms := range [][]matcher{sc.Expect, sc.MustNot, sc.Allow} {
		for i := range ms {
			if ms[i].after, err = parseWhen(ms[i].DueAfter, loc); err != nil {
				return nil, err
			}
			if ms[i].before, err = parseWhen(ms[i].DueBefore, loc); err != nil {
				return nil, err
			}
		}
	}
	return &sc, nil
}

func parseWhen(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02 15:04", s, loc)
}

// scenarioConfig lays the scenario out as agentd would read it: a
// Maildir++ account (INBOX at the root, .Sent beside it), the calendar
// folder as a vdir and each feed file as a file:// feed.
func scenarioConfig(t *testing.T, dir string, sc *scenario) *config.Config {
	t.Helper()
	tmp := t.TempDir()
	var src strings.Builder
	mails, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
	sent, _ := filepath.Glob(filepath.Join(dir, "mail", "sent", "*.eml"))
	if len(mails)+len(sent) > 0 {
		md := filepath.Join(tmp, "Mail")
		for _, f := range []string{"", ".Sent"} {
			for _, sub := range []string{"cur", "new", "tmp"} {
				if err := os.MkdirAll(filepath.Join(md, f, sub), 0o700); err != nil {
					t.Fatal(err)
				}
			}
		}
		copyMail := func(files []string, folder, flags string) {
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				name := strings.TrimSuffix(filepath.Base(f), ".eml") + ".scenario:2," + flags
				if err := os.WriteFile(filepath.Join(md, folder, "cur", name), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		copyMail(mails, "", "")
		copyMail(sent, ".Sent", "S")
		fmt.Fprintf(&src, "  mail:\n    - {name: inbox, maildir: %q, lookback: 60d}\n", md)
	}
	if ics, _ := filepath.Glob(filepath.Join(dir, "calendar", "*.ics")); len(ics) > 0 {
		abs, err := filepath.Abs(filepath.Join(dir, "calendar"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&src, "  calendars:\n    - {name: cal, path: %q}\n", abs)
	}
	if feeds, _ := filepath.Glob(filepath.Join(dir, "feeds", "*")); len(feeds) > 0 {
		src.WriteString("  feeds:\n")
		for i, f := range feeds {
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&src, "    - {name: feed%d, url: %q}\n", i+1, "file://"+abs)
		}
	}
	user := map[string]any{"email": sc.User.Email, "timezone": sc.User.Zone}
	if sc.User.Name != "" {
		user["name"] = sc.User.Name
	}
	if len(sc.User.Aliases) > 0 {
		user["aliases"] = sc.User.Aliases
	}
	if sc.User.WorkingHours != "" {
		user["working_hours"] = sc.User.WorkingHours
	}
	parse := func(interests []any) (*config.Config, error) {
		if len(interests) > 0 {
			user["interests"] = interests
		}
		// JSON is YAML, and keeps every string quoted.
		u, err := json.Marshal(user)
		if err != nil {
			t.Fatal(err)
		}
		text := fmt.Sprintf("user: %s\nbus: {data_dir: %q}\nsources:\n%snotify: {terminal: {}}\n", u, filepath.Join(tmp, "data"), src.String())
		return config.Parse(filepath.Join(tmp, "config.yaml"), []byte(text))
	}
	cfg, err := parse(sc.User.Interests)
	if err != nil && len(sc.User.Interests) > 0 {
		// Interests written {topic, also} (issue 10, class 12) before the
		// config reads them: fall back to the topics alone.
		var plain []any
		for _, in := range sc.User.Interests {
			if m, ok := in.(map[string]any); ok {
				in = m["topic"]
			}
			plain = append(plain, in)
		}
		t.Logf("%s: interests %v are not read yet (%v); using the topics alone", filepath.Base(dir), sc.User.Interests, err)
		cfg, err = parse(plain)
	}
	if err != nil {
		t.Fatalf("%s: config: %v", dir, err)
	}
	return cfg
}

func runScenario(t *testing.T, dir string, sc *scenario) (scored, []string) {
	t.Helper()
	name := filepath.Base(dir)
	cfg := scenarioConfig(t, dir, sc)
	at, err := parseWhen(sc.Now, cfg.User.Location)
	if err != nil {
		t.Fatalf("%s: now: %v", name, err)
	}
	horizon := 48 * time.Hour
	if sc.Horizon != "" {
		if horizon, err = time.ParseDuration(sc.Horizon); err != nil {
			t.Fatalf("%s: horizon: %v", name, err)
		}
	}
	ss, failed, err := Plan(t.Context(), cfg, PlanOptions{At: at, Horizon: horizon})
	if err != nil {
		t.Fatalf("%s: plan: %v", name, err)
	}
	for _, f := range failed {
		t.Errorf("%s: source failed: %v", name, f)
	}
	res := scored{scenarios: 1}
	res.expected = len(sc.Expect)
	res.outputs = len(ss)
	var lines []string
	show := func(s event.Suggestion) string {
		due := ""
		if !s.Due.IsZero() {
			due = " @" + s.Due.In(cfg.User.Location).Format("Mon 02 Jan 15:04")
		}
		return fmt.Sprintf("%s%s %q [%s]", s.Kind, due, s.Title, s.Rule)
	}
	hitBy := make([]int, len(sc.Expect))
	for i := range hitBy {
		hitBy[i] = -1
	}
	used := make([]bool, len(ss))
	// Hits first, each expectation taking the first output that matches.
	for i, m := range sc.Expect {
		for j, s := range ss {
			if !used[j] && m.matches(s) {
				hitBy[i], used[j] = j, true
				res.hits++
				break
			}
		}
	}
	for j, s := range ss {
		if used[j] {
			continue
		}
		bad := -1
		for k, m := range sc.MustNot {
			if m.matches(s) {
				bad = k
				break
			}
		}
		allowed := false
		for _, m := range sc.Allow {
			allowed = allowed || m.matches(s)
		}
		story, wrong := -1, -1
		for i, m := range sc.Expect {
			if m.matches(s) || (m.About != "" && aboutRef(s, m.About)) {
				if hitBy[i] >= 0 {
					story = i
					break
				}
				if wrong < 0 {
					wrong = i
				}
			}
		}
		switch {
		case bad >= 0:
			res.falseAlarms++
			lines = append(lines, fmt.Sprintf("%s: FALSE ALARM %s (must not: %s)", name, show(s), sc.MustNot[bad].describe()))
		case allowed:
			// Acceptable, not required.
		case story >= 0:
			res.dups++
			lines = append(lines, fmt.Sprintf("%s: DUPLICATE %s (same story as %s)", name, show(s), show(ss[hitBy[story]])))
		case wrong >= 0:
			res.falseAlarms++
			lines = append(lines, fmt.Sprintf("%s: WRONG %s (about an expected story, but not %s)", name, show(s), sc.Expect[wrong].describe()))
		case isSummary(s) && sc.Quiet:
			// One summary, one output: in a scenario where nothing is
			// open, whatever it lists is noise.
			res.falseAlarms++
			lines = append(lines, fmt.Sprintf("%s: FALSE ALARM %s (a summary where nothing is open)", name, show(s)))
		case isSummary(s):
			// Neutral beside expected stories: not judged line by line.
		default:
			res.falseAlarms++
			lines = append(lines, fmt.Sprintf("%s: FALSE ALARM %s (not expected)", name, show(s)))
		}
	}
	for i, m := range sc.Expect {
		if hitBy[i] < 0 {
			lines = append(lines, fmt.Sprintf("%s: MISS %s", name, m.describe()))
		}
	}
	if sc.Quiet && res.falseAlarms == 0 {
		res.quietKept = 1
	}
	if testing.Verbose() && os.Getenv("SCENARIO") != "" {
		for _, s := range ss {
			lines = append(lines, fmt.Sprintf("%s: output %s about %v", name, show(s), s.About))
		}
	}
	return res, lines
}

func isSummary(s event.Suggestion) bool {
	return s.Rule == "calendar-agenda" || s.Rule == "mail-backfill-summary"
}

func aboutRef(s event.Suggestion, ref string) bool {
	ref = strings.Trim(ref, "<>")
	for _, a := range s.About {
		if strings.Trim(a.Ref, "<>") == ref {
			return true
		}
	}
	return false
}

func (m matcher) matches(s event.Suggestion) bool {
	// A summary is judged as a whole, and only by a matcher naming its rule:
	// its lines are not stories of their own.
	if isSummary(s) && m.Rule == "" {
		return false
	}
	if m.Kind != "" && m.Kind != s.Kind {
		return false
	}
	if m.Rule != "" && m.Rule != s.Rule {
		return false
	}
	if m.Priority != "" && event.PriorityRank(s.Priority) > event.PriorityRank(m.Priority) {
		return false
	}
	if m.About != "" && !aboutRef(s, m.About) {
		return false
	}
	if !m.after.IsZero() && (s.Due.IsZero() || s.Due.Before(m.after)) {
		return false
	}
	if !m.before.IsZero() && (s.Due.IsZero() || s.Due.After(m.before)) {
		return false
	}
	text := strings.ToLower(s.Title + "\n" + s.Body)
	for _, term := range m.MustMention {
		found := false
		for _, alt := range strings.Split(term, "|") {
			if strings.Contains(text, strings.ToLower(strings.TrimSpace(alt))) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (m matcher) describe() string {
	var parts []string
	for _, p := range [][2]string{{"kind", m.Kind}, {"rule", m.Rule}, {"about", m.About}, {"due_after", m.DueAfter}, {"due_before", m.DueBefore}} {
		if p[1] != "" {
			parts = append(parts, p[0]+"="+p[1])
		}
	}
	if len(m.MustMention) > 0 {
		parts = append(parts, "mentions="+strings.Join(m.MustMention, ","))
	}
	if m.Note != "" {
		parts = append(parts, "("+m.Note+")")
	}
	return strings.Join(parts, " ")
}
