package rules

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Set is a compiled, immutable list of rules, safe for concurrent use.
type Set struct {
	mute     []*compiled
	priority []*compiled
	produce  []*compiled // suggest and remind, in rule order
	rules    []Rule
}

// Outcome is what the rules made of one event.
type Outcome struct {
	// Candidates are the suggestions and reminders the rules propose, in
	// rule order. Empty when Muted.
	Candidates []Candidate
	Muted      bool
	MutedBy    string
	// Priority, when not empty, overrides every candidate's priority: the
	// last matching priority rule wins.
	Priority string
}

// Candidate is one proposed suggestion or reminder.
type Candidate struct {
	Rule     string
	Kind     string // suggestion, draft or reminder
	Title    string
	Body     string
	Priority string
	Why      string
	// Due is when a reminder fires (At minus Before); zero for suggestions.
	Due time.Time
	// Expires is how long after the event's time the candidate stays worth
	// showing; 0 means never.
	Expires time.Duration
}

type compiled struct {
	rule     Rule
	when     *vm.Program
	title    *template.Template
	body     *template.Template
	why      *template.Template
	priority valueOf[string]
	at       *vm.Program
	before   valueOf[time.Duration]
	expires  valueOf[time.Duration]
}

// valueOf is a field written either as a literal or as an expression.
type valueOf[T any] struct {
	literal T
	program *vm.Program // nil: use literal
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

var (
	durationType = reflect.TypeOf(time.Duration(0))
	timeType     = reflect.TypeOf(time.Time{})
	stringType   = reflect.TypeOf("")
)

// Compile checks and compiles rules: every expression is type-checked
// against Env, when must be boolean, templates must parse. It reports every
// problem it finds, each naming the rule, where it was written and the field.
// Disabled rules are skipped.
func Compile(rs []Rule) (*Set, error) {
	s := &Set{}
	var errs []error
	seen := make(map[string]string, len(rs))
	for _, r := range rs {
		if !r.IsEnabled() {
			continue
		}
		if prev, dup := seen[r.Name]; dup && r.Name != "" {
			errs = append(errs, &Error{Rule: r.Name, Origin: r.Origin, Field: "name",
				Err: fmt.Errorf("defined twice (also at %s)", prev)})
			continue
		}
		seen[r.Name] = r.Origin
		c, err := compileRule(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.rules = append(s.rules, r)
		switch r.Action {
		case ActionMute:
			s.mute = append(s.mute, c)
		case ActionPriority:
			s.priority = append(s.priority, c)
		default:
			s.produce = append(s.produce, c)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Rules returns the compiled rules in order.
func (s *Set) Rules() []Rule {
	return append([]Rule(nil), s.rules...)
}

func compileRule(r Rule) (*compiled, error) {
	var errs []error
	fail := func(field string, err error) {
		errs = append(errs, &Error{Rule: r.Name, Origin: r.Origin, Field: field, Err: err})
	}
	if !namePattern.MatchString(r.Name) {
		fail("name", fmt.Errorf("%q: want letters, digits, '.', '_' or '-'", r.Name))
	}
	c := &compiled{rule: r}
	if strings.TrimSpace(r.When) == "" {
		fail("when", errors.New("missing (write `when: true` to match every event)"))
	} else if p, err := expr.Compile(r.When, append(exprOptions(), expr.AsBool())...); err != nil {
		fail("when", err)
	} else {
		c.when = p
	}

	switch r.Action {
	case ActionSuggest, ActionRemind:
		if r.Action == ActionSuggest {
			switch r.Kind {
			case "", "suggestion", "draft":
			default:
				fail("kind", fmt.Errorf("%q: want suggestion or draft", r.Kind))
			}
		} else if r.Kind != "" && r.Kind != "reminder" {
			fail("kind", fmt.Errorf("%q: a remind rule makes reminders", r.Kind))
		}
		if strings.TrimSpace(r.Title) == "" {
			fail("title", errors.New("missing"))
		}
		c.title = parseTemplate(r.Title, "title", fail)
		c.body = parseTemplate(r.Body, "body", fail)
		c.priority = compilePriority(r.Priority, "normal", fail)
		c.expires = compileDuration(r.Expires, "expires", fail)
		// A remind rule needs a time; a suggest rule may have one too: the
		// moment the suggestion is shown (a birthday, in the morning).
		switch {
		case r.Action == ActionRemind && strings.TrimSpace(r.At) == "":
			fail("at", errors.New("missing: a remind rule needs the time to remind about"))
		case strings.TrimSpace(r.At) != "":
			if p, err := compileTyped(r.At, timeType); err != nil {
				fail("at", err)
			} else {
				c.at = p
			}
			c.before = compileDuration(r.Before, "before", fail)
		case r.Before != "":
			fail("before", errors.New("before needs at (the time it counts back from)"))
		}
	case ActionMute:
		if r.Title != "" || r.Body != "" || r.At != "" || r.Priority != "" {
			fail("action", errors.New("a mute rule takes only name, description, when and why"))
		}
	case ActionPriority:
		if r.Priority == "" {
			fail("priority", errors.New("missing: a priority rule needs the priority to set"))
		}
		c.priority = compilePriority(r.Priority, "", fail)
		if r.Title != "" || r.Body != "" || r.At != "" {
			fail("action", errors.New("a priority rule takes only name, description, when, priority and why"))
		}
	default:
		fail("action", fmt.Errorf("%q: want suggest, remind, mute or priority", r.Action))
	}

	why := r.Why
	if strings.TrimSpace(why) == "" {
		why = "rule " + r.Name
	}
	c.why = parseTemplate(why, "why", fail)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func parseTemplate(src, field string, fail func(string, error)) *template.Template {
	// A misspelt fact fails the rule (logged) rather than showing the user
	// "<no value>"; `{{with index .Facts "x"}}` reads a fact that may be absent.
	t, err := template.New(field).Funcs(templateFuncs()).Option("missingkey=error").Parse(src)
	if err != nil {
		fail(field, err)
		return nil
	}
	return t
}

// compileTyped compiles an expression whose result must be of type want
// (or of a type only known when it runs, such as a fact).
func compileTyped(src string, want reflect.Type) (*vm.Program, error) {
	p, err := expr.Compile(src, exprOptions()...)
	if err != nil {
		return nil, err
	}
	if got := p.Node().Type(); got != nil && got.Kind() != reflect.Interface && got != want {
		return nil, fmt.Errorf("want %s, got %s", want, got)
	}
	return p, nil
}

func compilePriority(src, def string, fail func(string, error)) valueOf[string] {
	src = strings.TrimSpace(src)
	if src == "" {
		return valueOf[string]{literal: def}
	}
	if validPriority(src) {
		return valueOf[string]{literal: src}
	}
	p, err := compileTyped(src, stringType)
	if err != nil {
		fail("priority", fmt.Errorf("not low, normal, high or urgent, and not an expression: %w", err))
		return valueOf[string]{}
	}
	return valueOf[string]{program: p}
}

func compileDuration(src, field string, fail func(string, error)) valueOf[time.Duration] {
	src = strings.TrimSpace(src)
	if src == "" {
		return valueOf[time.Duration]{}
	}
	if d, err := parseDuration(src); err == nil {
		if d < 0 {
			fail(field, fmt.Errorf("%s: negative", src))
		}
		return valueOf[time.Duration]{literal: d}
	}
	p, err := compileTyped(src, durationType)
	if err != nil {
		fail(field, fmt.Errorf("not a duration, and not an expression: %w", err))
		return valueOf[time.Duration]{}
	}
	return valueOf[time.Duration]{program: p}
}

// parseDuration reads a Go duration with the config's day and week units
// in front: "21d", "2w", "1d12h", "90m".
func parseDuration(s string) (time.Duration, error) {
	var total time.Duration
	for _, u := range []struct {
		suffix byte
		unit   time.Duration
	}{{'w', 7 * 24 * time.Hour}, {'d', 24 * time.Hour}} {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i > 0 && i < len(s) && s[i] == u.suffix {
			n, err := strconv.Atoi(s[:i])
			if err != nil {
				return 0, err
			}
			total += time.Duration(n) * u.unit
			s = s[i+1:]
		}
	}
	if s == "" {
		return total, nil
	}
	d, err := time.ParseDuration(s)
	return total + d, err
}

func validPriority(p string) bool {
	switch p {
	case "low", "normal", "high", "urgent":
		return true
	}
	return false
}

// Evaluate runs the rules on env (a nil Set has no rules). Mute rules run first; if one matches, the
// outcome is muted and nothing else runs. A rule that fails at run time is
// skipped: the others still produce their candidates, and the error (a join
// of *Error, see Errors) says which rule failed.
func (s *Set) Evaluate(env Env) (Outcome, error) {
	var out Outcome
	if s == nil {
		return out, nil
	}
	var errs []error
	// Box the env once: each expr.Run would otherwise copy it into an interface.
	var boxed any = env

	for _, c := range s.mute {
		ok, err := c.matches(boxed)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			out.Muted, out.MutedBy = true, c.rule.Name
			return out, errors.Join(errs...)
		}
	}
	for _, c := range s.priority {
		ok, err := c.matches(boxed)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		p, err := c.priorityOf(boxed)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out.Priority = p
	}
	for _, c := range s.produce {
		ok, err := c.matches(boxed)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		cand, err := c.candidate(&env, boxed)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out.Candidates = append(out.Candidates, cand)
	}
	return out, errors.Join(errs...)
}

func (c *compiled) fail(field string, err error) error {
	return &Error{Rule: c.rule.Name, Origin: c.rule.Origin, Field: field, Err: err}
}

func (c *compiled) matches(env any) (bool, error) {
	v, err := expr.Run(c.when, env)
	if err != nil {
		return false, c.fail("when", err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, c.fail("when", fmt.Errorf("want a boolean, got %T", v))
	}
	return b, nil
}

func (c *compiled) priorityOf(env any) (string, error) {
	if c.priority.program == nil {
		return c.priority.literal, nil
	}
	v, err := expr.Run(c.priority.program, env)
	if err != nil {
		return "", c.fail("priority", err)
	}
	p, ok := v.(string)
	if !ok || !validPriority(p) {
		return "", c.fail("priority", fmt.Errorf("got %v, want low, normal, high or urgent", v))
	}
	return p, nil
}

func durationOf(c *compiled, field string, v valueOf[time.Duration], env any) (time.Duration, error) {
	if v.program == nil {
		return v.literal, nil
	}
	out, err := expr.Run(v.program, env)
	if err != nil {
		return 0, c.fail(field, err)
	}
	d, ok := out.(time.Duration)
	if !ok {
		return 0, c.fail(field, fmt.Errorf("want a duration, got %T", out))
	}
	return d, nil
}

func (c *compiled) candidate(env *Env, boxed any) (Candidate, error) {
	cand := Candidate{Rule: c.rule.Name, Kind: c.rule.Kind}
	if c.rule.Action == ActionRemind {
		cand.Kind = "reminder"
	} else if cand.Kind == "" {
		cand.Kind = "suggestion"
	}
	var err error
	if cand.Title, err = render(c.title, env); err != nil {
		return Candidate{}, c.fail("title", err)
	}
	if cand.Title = strings.Join(strings.Fields(cand.Title), " "); cand.Title == "" {
		return Candidate{}, c.fail("title", errors.New("renders empty"))
	}
	if cand.Body, err = render(c.body, env); err != nil {
		return Candidate{}, c.fail("body", err)
	}
	cand.Body = strings.TrimSpace(cand.Body)
	if cand.Why, err = render(c.why, env); err != nil {
		return Candidate{}, c.fail("why", err)
	}
	cand.Why = strings.Join(strings.Fields(cand.Why), " ")
	if cand.Priority, err = c.priorityOf(boxed); err != nil {
		return Candidate{}, err
	}
	if cand.Expires, err = durationOf(c, "expires", c.expires, boxed); err != nil {
		return Candidate{}, err
	}
	if c.at != nil {
		v, err := expr.Run(c.at, boxed)
		if err != nil {
			return Candidate{}, c.fail("at", err)
		}
		at, ok := v.(time.Time)
		if !ok || at.IsZero() {
			return Candidate{}, c.fail("at", fmt.Errorf("want a time, got %v (%T)", v, v))
		}
		before, err := durationOf(c, "before", c.before, boxed)
		if err != nil {
			return Candidate{}, err
		}
		cand.Due = at.Add(-before)
	}
	return cand, nil
}

func render(t *template.Template, env *Env) (string, error) {
	if t == nil {
		return "", nil
	}
	var b strings.Builder
	if err := t.Execute(&b, env); err != nil {
		return "", err
	}
	return b.String(), nil
}
