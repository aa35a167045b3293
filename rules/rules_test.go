package rules

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func boolp(b bool) *bool { return &b }

// suggestRule is a valid rule for tests to start from.
func suggestRule(name string) Rule {
	return Rule{
		Name:   name,
		Origin: "test.yaml:1",
		When:   `event.type == "feed.item"`,
		Action: ActionSuggest,
		Title:  "Read: {{.Event.Subject}}",
	}
}

func TestBuiltin(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Rule{}
	for _, r := range rs {
		byName[r.Name] = r
	}
	for _, name := range []string{"feed-interest", "calendar-reminder", "mail-awaiting-my-reply"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("built-in rule %s missing", name)
		}
	}
	if o := byName["feed-interest"].Origin; !strings.HasPrefix(o, "builtin/feed.yaml:") || o == "builtin/feed.yaml:0" {
		t.Errorf("Origin = %q, want builtin/feed.yaml:<line>", o)
	}
	if _, err := Compile(rs); err != nil {
		t.Fatalf("built-in rules do not compile: %v", err)
	}
	// Readers get the commented source, including the mute example.
	if src := string(BuiltinYAML()); !strings.Contains(src, "# - name: mute-sponsored") {
		t.Error("BuiltinYAML lacks the commented mute example")
	}
}

func TestFeedInterestRule(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	set, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	itemTime := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	base := func(age time.Duration, interests, inTitle []string) Env {
		return Env{
			Event: EventEnv{Type: "feed.item", Source: "feed:go-blog", Subject: "Go 1.30 is released", Time: itemTime},
			Facts: map[string]any{
				"interests": interests, "interests_in_title": inTitle, "age": age,
				"feed": "go-blog", "link": "https://go.dev/blog/go1.30",
				"summary": "The Go team is happy to announce Go 1.30.",
			},
			Settings: Settings{FeedMaxAge: 72 * time.Hour},
			Now:      itemTime.Add(age),
		}
	}
	tests := map[string]struct {
		env      Env
		want     bool
		priority string
		why      string
	}{
		"match in title": {
			env: base(time.Hour, []string{"golang"}, []string{"golang"}), want: true, priority: "normal",
			why: `matches your interest "golang" (feed go-blog)`,
		},
		"match elsewhere only": {
			env: base(time.Hour, []string{"golang", "release notes"}, []string{}), want: true, priority: "low",
			why: `matches your interests "golang", "release notes" (feed go-blog)`,
		},
		"too old":      {env: base(73*time.Hour, []string{"golang"}, []string{"golang"})},
		"no interest":  {env: base(time.Hour, []string{}, []string{})},
		"not a feed":   {env: func() Env { e := base(time.Hour, []string{"golang"}, nil); e.Event.Type = "mail.received"; return e }()},
		"max age edge": {env: base(72*time.Hour, []string{"golang"}, []string{"golang"})},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := set.Evaluate(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(out.Candidates) == 1; got != tc.want {
				t.Fatalf("candidates = %+v, want one: %v", out.Candidates, tc.want)
			}
			if !tc.want {
				return
			}
			c := out.Candidates[0]
			if c.Title != "Read: Go 1.30 is released" {
				t.Errorf("Title = %q", c.Title)
			}
			if want := "The Go team is happy to announce Go 1.30.\nhttps://go.dev/blog/go1.30"; c.Body != want {
				t.Errorf("Body = %q, want %q", c.Body, want)
			}
			if c.Priority != tc.priority {
				t.Errorf("Priority = %q, want %q", c.Priority, tc.priority)
			}
			if c.Why != tc.why {
				t.Errorf("Why = %q, want %q", c.Why, tc.why)
			}
			if c.Expires != 72*time.Hour || c.Kind != "suggestion" || c.Rule != "feed-interest" {
				t.Errorf("candidate = %+v", c)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := map[string]struct {
		edit func(*Rule)
		want []string // substrings of the error
	}{
		"bad syntax": {
			edit: func(r *Rule) { r.When = `event.type == ` },
			want: []string{"rule r (test.yaml:1): when:", "unexpected token EOF"},
		},
		"unknown name": {
			edit: func(r *Rule) { r.When = `fact.interests != nil` },
			want: []string{"rule r (test.yaml:1): when:", "unknown name fact"},
		},
		"unknown field": {
			edit: func(r *Rule) { r.When = `event.subjet == "x"` },
			want: []string{"rule r (test.yaml:1): when:", "has no field subjet"},
		},
		"when not boolean": {
			edit: func(r *Rule) { r.When = `event.subject` },
			want: []string{"rule r (test.yaml:1): when:", "expected bool"},
		},
		"when missing": {
			edit: func(r *Rule) { r.When = " " },
			want: []string{"rule r (test.yaml:1): when: missing"},
		},
		"wall clock now()": {
			edit: func(r *Rule) { r.When = `now().Hour() > 3` },
			want: []string{"rule r (test.yaml:1): when:"},
		},
		"bad template": {
			edit: func(r *Rule) { r.Body = "{{.Event.Subject" },
			want: []string{"rule r (test.yaml:1): body:", "unclosed action"},
		},
		"template unknown function": {
			edit: func(r *Rule) { r.Title = "{{shout .Event.Subject}}" },
			want: []string{"rule r (test.yaml:1): title:", `"shout" not defined`},
		},
		"title missing": {
			edit: func(r *Rule) { r.Title = "" },
			want: []string{"rule r (test.yaml:1): title: missing"},
		},
		"unknown action": {
			edit: func(r *Rule) { r.Action = "shout" },
			want: []string{"rule r (test.yaml:1): action:", `"shout"`},
		},
		"bad kind": {
			edit: func(r *Rule) { r.Kind = "memo" },
			want: []string{"rule r (test.yaml:1): kind:"},
		},
		"bad priority": {
			edit: func(r *Rule) { r.Priority = "highest" },
			want: []string{"rule r (test.yaml:1): priority:", "unknown name highest"},
		},
		"priority expression not a string": {
			edit: func(r *Rule) { r.Priority = "1 + 2" },
			want: []string{"rule r (test.yaml:1): priority:", "want string, got int"},
		},
		"expires not a duration": {
			edit: func(r *Rule) { r.Expires = `event.subject` },
			want: []string{"rule r (test.yaml:1): expires:", "want time.Duration, got string"},
		},
		"negative expires": {
			edit: func(r *Rule) { r.Expires = "-1h" },
			want: []string{"rule r (test.yaml:1): expires:", "negative"},
		},
		"remind without at": {
			edit: func(r *Rule) { r.Action = ActionRemind },
			want: []string{"rule r (test.yaml:1): at: missing"},
		},
		"remind at not a time": {
			edit: func(r *Rule) { r.Action, r.At = ActionRemind, "event.subject" },
			want: []string{"rule r (test.yaml:1): at:", "want time.Time, got string"},
		},
		"before without at": {
			edit: func(r *Rule) { r.Before = "10m" },
			want: []string{"rule r (test.yaml:1): before:", "needs at"},
		},
		"at not a time": {
			edit: func(r *Rule) { r.At = "event.subject" },
			want: []string{"rule r (test.yaml:1): at:"},
		},
		"priority rule without priority": {
			edit: func(r *Rule) { r.Action, r.Title = ActionPriority, "" },
			want: []string{"rule r (test.yaml:1): priority: missing"},
		},
		"mute rule with a title": {
			edit: func(r *Rule) { r.Action = ActionMute },
			want: []string{"rule r (test.yaml:1): action:", "a mute rule takes only"},
		},
		"bad name": {
			edit: func(r *Rule) { r.Name = "my rule" },
			want: []string{`rule my rule (test.yaml:1): name: "my rule"`},
		},
		"bad why": {
			edit: func(r *Rule) { r.Why = "{{if}}" },
			want: []string{"rule r (test.yaml:1): why:"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := suggestRule("r")
			tc.edit(&r)
			set, err := Compile([]Rule{suggestRule("fine"), r})
			if err == nil {
				t.Fatalf("Compile succeeded (%d rules), want an error", len(set.Rules()))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "rule fine") {
				t.Errorf("error blames the valid rule: %v", err)
			}
			errs := Errors(err)
			if len(errs) == 0 || errs[0].Rule != r.Name {
				t.Errorf("Errors(err) = %v, want errors of rule %q", errs, r.Name)
			}
		})
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	a, b := suggestRule("a"), suggestRule("b")
	a.When = "nope"
	b.Title = "{{"
	dup := suggestRule("a")
	dup.Origin = "test.yaml:9"
	_, err := Compile([]Rule{a, b, dup})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, w := range []string{"rule a (test.yaml:1): when:", "rule b (test.yaml:1): title:", "rule a (test.yaml:9): name: defined twice (also at test.yaml:1)"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

func TestParse(t *testing.T) {
	src := `
# comment
rules:
  - name: mute-ads
    when: event.type == "feed.item" && "ads" in facts.categories
    action: mute

  - name: long-remind
    when: "true"
    action: remind
    title: Soon
    at: event.time
    before: 15m
`
	rs, err := Parse("config.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("got %d rules, want 2", len(rs))
	}
	if rs[0].Origin != "config.yaml:4" || rs[1].Origin != "config.yaml:8" {
		t.Errorf("origins = %q, %q; want config.yaml:4, config.yaml:8", rs[0].Origin, rs[1].Origin)
	}
	if rs[1].Before != "15m" || rs[1].At != "event.time" {
		t.Errorf("rule = %+v", rs[1])
	}

	// A bare list works too.
	if rs, err := Parse("r.yaml", []byte("- name: x\n  when: 'true'\n  action: mute\n")); err != nil || len(rs) != 1 {
		t.Errorf("bare list: %v, %v", rs, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]struct {
		src  string
		want string
	}{
		"misspelt field": {src: "- name: x\n  wehn: 'true'\n  action: mute\n", want: "rules c.yaml:1:"},
		"not a list":     {src: "rules: 3\n", want: "rules c.yaml:1: want a list of rules"},
		"no rules key":   {src: "planner: {}\n", want: `a mapping with a "rules" key`},
		"broken yaml":    {src: "- name: [x\n", want: "rules c.yaml:"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	b1, b2, b3 := suggestRule("b1"), suggestRule("b2"), suggestRule("b3")
	b2.Origin = "builtin.yaml:5"
	override := suggestRule("b2")
	override.Title = "mine"
	override.Origin = "config.yaml:3"
	disableB3 := Rule{Name: "b3", Enabled: boolp(false)}
	extra := suggestRule("u1")
	offExtra := suggestRule("u2")
	offExtra.Enabled = boolp(false)

	tests := map[string]struct {
		builtin, user []Rule
		want          []string // name@origin in order
	}{
		"no user rules":        {builtin: []Rule{b1, b2}, want: []string{"b1@test.yaml:1", "b2@builtin.yaml:5"}},
		"override in place":    {builtin: []Rule{b1, b2, b3}, user: []Rule{override}, want: []string{"b1@test.yaml:1", "b2@config.yaml:3", "b3@test.yaml:1"}},
		"disable a built-in":   {builtin: []Rule{b1, b2, b3}, user: []Rule{disableB3}, want: []string{"b1@test.yaml:1", "b2@builtin.yaml:5"}},
		"user rules appended":  {builtin: []Rule{b1}, user: []Rule{extra, offExtra}, want: []string{"b1@test.yaml:1", "u1@test.yaml:1"}},
		"duplicate user rules": {builtin: []Rule{b2}, user: []Rule{override, override}, want: []string{"b2@config.yaml:3", "b2@config.yaml:3"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Merge(tc.builtin, tc.user)
			var names []string
			for _, r := range got {
				names = append(names, r.Name+"@"+r.Origin)
			}
			if strings.Join(names, " ") != strings.Join(tc.want, " ") {
				t.Errorf("Merge = %v, want %v", names, tc.want)
			}
		})
	}
	if got := Merge([]Rule{b2}, []Rule{override}); got[0].Title != "mine" {
		t.Errorf("override kept the built-in's title %q", got[0].Title)
	}
}

func TestEvaluate(t *testing.T) {
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	env := Env{
		Event: EventEnv{Type: "calendar.event.changed", Source: "calendar:work", Kind: "calendar", Name: "work", Subject: "Standup", Time: at},
		Facts: map[string]any{"starts_at": at.Add(2 * time.Hour), "categories": []string{"Ads", "Go"}},
		User:  UserEnv{Interests: []string{"go", "nats"}},
		Now:   at,
	}
	rule := func(r Rule) Rule {
		if r.Origin == "" {
			r.Origin = "test.yaml:1"
		}
		return r
	}
	tests := map[string]struct {
		rules      []Rule
		candidates []string // rule:kind:priority:due
		muted      string
		priority   string
		errRules   []string
	}{
		"remind before start": {
			rules: []Rule{rule(Rule{Name: "r", When: "facts.starts_at != nil", Action: ActionRemind,
				Title: "{{.Event.Subject}} soon", At: "facts.starts_at", Before: "15m", Priority: "high"})},
			candidates: []string{"r:reminder:high:11:45"},
		},
		"draft with expression priority and days()": {
			rules: []Rule{rule(Rule{Name: "d", When: `hasAny(user.interests, ["nats", "x"]) && now - event.time < days(1)`,
				Action: ActionSuggest, Kind: "draft", Title: "t", Priority: `event.kind == "calendar" ? "urgent" : "low"`})},
			candidates: []string{"d:draft:urgent:-"},
		},
		"mute wins over everything": {
			rules: []Rule{
				rule(Rule{Name: "s", When: "true", Action: ActionSuggest, Title: "t"}),
				rule(Rule{Name: "m", When: `any(facts.categories, lower(#) == "ads")`, Action: ActionMute}),
			},
			muted: "m",
		},
		"mute not matching": {
			rules: []Rule{
				rule(Rule{Name: "s", When: "true", Action: ActionSuggest, Title: "t"}),
				rule(Rule{Name: "m", When: `"spam" in facts.categories`, Action: ActionMute}),
			},
			candidates: []string{"s:suggestion:normal:-"},
		},
		"last priority rule wins": {
			rules: []Rule{
				rule(Rule{Name: "s", When: "true", Action: ActionSuggest, Title: "t", Priority: "low"}),
				rule(Rule{Name: "p1", When: "true", Action: ActionPriority, Priority: "high"}),
				rule(Rule{Name: "p2", When: `event.source == "calendar:work"`, Action: ActionPriority, Priority: "urgent"}),
				rule(Rule{Name: "p3", When: "false", Action: ActionPriority, Priority: "low"}),
			},
			candidates: []string{"s:suggestion:low:-"},
			priority:   "urgent",
		},
		"runtime error skips only that rule": {
			rules: []Rule{
				rule(Rule{Name: "bad", When: `facts.missing.deeper == 1`, Action: ActionSuggest, Title: "t"}),
				rule(Rule{Name: "badat", When: "true", Action: ActionRemind, Title: "t", At: "facts.categories"}),
				rule(Rule{Name: "badprio", When: "true", Action: ActionSuggest, Title: "t", Priority: `event.subject`}),
				rule(Rule{Name: "emptytitle", When: "true", Action: ActionSuggest, Title: "{{if false}}x{{end}} "}),
				rule(Rule{Name: "missingfact", When: "true", Action: ActionSuggest, Title: "t", Body: "{{.Facts.lnk}}"}),
				rule(Rule{Name: "good", When: "true", Action: ActionSuggest, Title: "t",
					Body: `{{with index .Facts "lnk"}}{{.}}{{else}}no link{{end}}`}),
			},
			candidates: []string{"good:suggestion:normal:-"},
			errRules:   []string{"bad", "badat", "badprio", "emptytitle", "missingfact"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			set, err := Compile(tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			out, err := set.Evaluate(env)
			var got []string
			for _, c := range out.Candidates {
				due := "-"
				if !c.Due.IsZero() {
					due = c.Due.Format("15:04")
				}
				got = append(got, c.Rule+":"+c.Kind+":"+c.Priority+":"+due)
			}
			if strings.Join(got, " ") != strings.Join(tc.candidates, " ") {
				t.Errorf("candidates = %v, want %v", got, tc.candidates)
			}
			if out.MutedBy != tc.muted || out.Muted != (tc.muted != "") {
				t.Errorf("muted = %v by %q, want %q", out.Muted, out.MutedBy, tc.muted)
			}
			if out.Priority != tc.priority {
				t.Errorf("priority override = %q, want %q", out.Priority, tc.priority)
			}
			var errRules []string
			for _, e := range Errors(err) {
				errRules = append(errRules, e.Rule)
			}
			if len(tc.errRules) > 0 {
				if strings.Join(errRules, " ") != strings.Join(tc.errRules, " ") {
					t.Errorf("failed rules = %v, want %v (err: %v)", errRules, tc.errRules, err)
				}
			} else if err != nil {
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
}

// Text from a feed or a mail is data: it is printed as it is, never run as
// a template or an expression.
func TestUntrustedTextStaysData(t *testing.T) {
	set, err := Compile([]Rule{{
		Name: "echo", Origin: "test.yaml:1", When: `event.subject != ""`, Action: ActionSuggest,
		Title: "Read: {{.Event.Subject}}", Body: "{{.Facts.summary}}", Why: "{{.Facts.feed}}",
	}})
	if err != nil {
		t.Fatal(err)
	}
	hostile := map[string]string{
		"template": "{{.User.Email}}",
		"expr":     `event.type == "feed.item" || true`,
		"call":     `{{template "title" .}}{{printf "%s" "x"}}`,
	}
	for name, text := range hostile {
		t.Run(name, func(t *testing.T) {
			env := Env{
				Event: EventEnv{Subject: text},
				Facts: map[string]any{"summary": text, "feed": text},
				User:  UserEnv{Email: "me@example.org"},
			}
			out, err := set.Evaluate(env)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Candidates) != 1 {
				t.Fatalf("candidates = %+v", out.Candidates)
			}
			c := out.Candidates[0]
			if c.Title != "Read: "+text || c.Body != text || c.Why != text {
				t.Errorf("got title %q body %q why %q, want the text %q verbatim", c.Title, c.Body, c.Why, text)
			}
			if strings.Contains(c.Title+c.Body+c.Why, "me@example.org") {
				t.Error("the user's address leaked through a feed text")
			}
		})
	}
}

func TestTemplateHelpers(t *testing.T) {
	tests := map[string]struct {
		got, want string
	}{
		"excerpt short":      {got: excerpt(20, "  Hello\n  world "), want: "Hello world"},
		"excerpt word cut":   {got: excerpt(16, "The quick brown fox jumps"), want: "The quick brown…"},
		"excerpt mid word":   {got: excerpt(18, "The quick brown fox jumps"), want: "The quick brown…"},
		"excerpt long word":  {got: excerpt(8, "Supercalifragilistic"), want: "Supercal…"},
		"excerpt exact":      {got: excerpt(9, "The quick"), want: "The quick"},
		"excerpt no limit":   {got: excerpt(0, " a  b "), want: "a b"},
		"excerpt punct":      {got: excerpt(10, "Hello, you. Again"), want: "Hello, you…"},
		"excerpt runes":      {got: excerpt(3, "Ééééé"), want: "Ééé…"},
		"excerpt nil":        {got: excerpt(5, nil), want: ""},
		"quoted list":        {got: quoted([]string{"a", `b"c`}), want: `"a", "b\"c"`},
		"quoted one":         {got: quoted("go"), want: `"go"`},
		"join":               {got: join([]any{"a", 1}, "+"), want: "a+1"},
		"short days":         {got: shortDuration(72 * time.Hour), want: "3d"},
		"short hours":        {got: shortDuration(5*time.Hour + 10*time.Minute), want: "5h"},
		"short minutes":      {got: shortDuration(90 * time.Second), want: "1m"},
		"short not duration": {got: shortDuration("x"), want: "x"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestErrorsUnwrap(t *testing.T) {
	inner := errors.New("boom")
	err := errors.Join(&Error{Rule: "a", Field: "when", Err: inner}, &Error{Rule: "b", Err: inner})
	got := Errors(err)
	if len(got) != 2 || got[0].Rule != "a" || got[1].Rule != "b" {
		t.Fatalf("Errors = %v", got)
	}
	if !errors.Is(err, inner) {
		t.Error("errors.Is does not reach the cause")
	}
	if got[1].Error() != "rule b: boom" {
		t.Errorf("Error() = %q", got[1].Error())
	}
}

func TestParseDurationUnits(t *testing.T) {
	cases := map[string]time.Duration{
		"21d": 21 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "1d12h": 36 * time.Hour,
		"1w2d": 9 * 24 * time.Hour, "90m": 90 * time.Minute, "0": 0,
	}
	for in, want := range cases {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"d", "3x", "1d2d", "-"} {
		if _, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) succeeded", bad)
		}
	}
}
