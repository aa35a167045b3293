// Package rules is agentd's rule language: conditions written in expr
// (github.com/expr-lang/expr) over an Env of the event, its facts, the user
// and the settings, and actions that suggest, remind, mute or set a priority.
//
// The built-in rules are YAML files shipped in the binary (builtin/*.yaml,
// one per source kind; BuiltinYAML returns their text, comments included);
// a user rule in the config with the same name replaces a built-in one.
package rules

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Actions a rule can take.
const (
	ActionSuggest  = "suggest"
	ActionRemind   = "remind"
	ActionMute     = "mute"
	ActionPriority = "priority"
)

// Rule is one rule as written in YAML. Expressions (when, at, and the
// expression forms of priority, before and expires) are expr source over Env;
// title, body and why are text/template source over Env.
type Rule struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// When is a boolean expression; the rule acts only when it is true.
	When string `yaml:"when"`
	// Action is suggest, remind, mute or priority.
	Action string `yaml:"action"`
	// Kind is what suggest produces: suggestion (default) or draft.
	Kind  string `yaml:"kind,omitempty"`
	Title string `yaml:"title,omitempty"`
	Body  string `yaml:"body,omitempty"`
	// Priority is low, normal, high or urgent, or an expression returning
	// one of those (e.g. `facts.x ? "high" : "low"`). For suggest and remind
	// it is the candidate's priority (default normal); for the priority
	// action it is the priority to set on everything the event produces.
	Priority string `yaml:"priority,omitempty"`
	// At (remind) is an expression returning the time.Time to remind about,
	// e.g. facts.starts_at; the reminder is due Before that.
	At string `yaml:"at,omitempty"`
	// Before and Expires are a duration ("15m", "72h") or an expression
	// returning a time.Duration (settings.feed_max_age, days(2)).
	Before string `yaml:"before,omitempty"`
	// Expires is how long after the event's time the suggestion stops being
	// worth showing; empty or zero means never.
	Expires string `yaml:"expires,omitempty"`
	// Why is a one-line template a person can read; default "rule <name>".
	Why string `yaml:"why,omitempty"`
	// Enabled=false switches the rule off (and, for a user rule named like a
	// built-in one, switches the built-in one off).
	Enabled *bool `yaml:"enabled,omitempty"`
	// Origin says where the rule was written, for error messages:
	// "builtin.yaml:12" or "config.yaml:40".
	Origin string `yaml:"-"`
}

// IsEnabled reports whether the rule is on (rules are on unless said otherwise).
func (r Rule) IsEnabled() bool { return r.Enabled == nil || *r.Enabled }

// The built-in rules, one file per source kind (feed.yaml, calendar.yaml,
// mail.yaml), read in name order.
//
//go:embed builtin/*.yaml
var builtinFS embed.FS

// BuiltinYAML returns the source of the built-in rules, comments included,
// each file behind a "# builtin/<file>" line.
func BuiltinYAML() []byte {
	var out []byte
	for _, f := range builtinFiles() {
		data, _ := builtinFS.ReadFile("builtin/" + f)
		out = append(out, "# builtin/"+f+"\n"...)
		out = append(out, data...)
		out = append(out, '\n')
	}
	return out
}

// BuiltinFile is the folder built-in rules carry in their Origin
// ("builtin/feed.yaml:12").
const BuiltinFile = "builtin"

func builtinFiles() []string {
	entries, _ := fs.ReadDir(builtinFS, "builtin")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// Builtin returns the built-in rules.
func Builtin() ([]Rule, error) {
	var all []Rule
	for _, f := range builtinFiles() {
		data, err := builtinFS.ReadFile("builtin/" + f)
		if err != nil {
			return nil, fmt.Errorf("built-in rules %s: %w", f, err)
		}
		rs, err := Parse(BuiltinFile+"/"+f, data)
		if err != nil {
			return nil, fmt.Errorf("built-in rules: %w", err)
		}
		all = append(all, rs...)
	}
	return all, nil
}

// Parse reads rules from YAML: either a list of rules or a mapping with a
// "rules" key holding one. file names the source in each rule's Origin
// ("file:line") and in errors. Unknown fields are errors, so a misspelt
// "wehn:" does not silently make a rule fire on everything.
func Parse(file string, data []byte) ([]Rule, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, fmt.Errorf("rules %s: %w", file, err)
	}
	var out []Rule
	for _, doc := range f.Docs {
		if doc.Body == nil {
			continue
		}
		body := doc.Body
		if m, ok := body.(*ast.MappingNode); ok {
			body = nil
			for _, kv := range m.Values {
				if kv.Key.String() == "rules" {
					body = kv.Value
				}
			}
			if body == nil {
				return nil, fmt.Errorf("rules %s: want a list of rules or a mapping with a \"rules\" key", file)
			}
		}
		rs, err := ParseNode(file, body)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// ParseNode decodes a YAML sequence of rules, such as the value of the
// "rules:" key of a config file, setting each rule's Origin to file:line.
func ParseNode(file string, node ast.Node) ([]Rule, error) {
	if node == nil || node.Type() == ast.NullType {
		return nil, nil
	}
	seq, ok := node.(*ast.SequenceNode)
	if !ok {
		return nil, fmt.Errorf("rules %s:%d: want a list of rules, got %s", file, line(node), node.Type())
	}
	out := make([]Rule, 0, len(seq.Values))
	for _, item := range seq.Values {
		var r Rule
		if err := yaml.NodeToValue(item, &r, yaml.DisallowUnknownField()); err != nil {
			return nil, fmt.Errorf("rules %s:%d: %w", file, line(item), err)
		}
		r.Origin = fmt.Sprintf("%s:%d", file, line(item))
		out = append(out, r)
	}
	return out, nil
}

func line(n ast.Node) int {
	if t := n.GetToken(); t != nil && t.Position != nil {
		return t.Position.Line
	}
	return 0
}

// Merge returns the rules in effect: the built-in ones in their order, each
// replaced in place by a user rule of the same name, then the other user
// rules in their order. Disabled rules (Enabled=false) are dropped, so a
// user rule `{name: feed-interest, enabled: false}` switches a built-in off.
// Two user rules with the same name are both kept, for Compile to report.
func Merge(builtin, user []Rule) []Rule {
	byName := make(map[string]int, len(user))
	for i, r := range user {
		if _, dup := byName[r.Name]; !dup {
			byName[r.Name] = i
		}
	}
	replaced := make(map[int]bool)
	out := make([]Rule, 0, len(builtin)+len(user))
	for _, b := range builtin {
		if i, ok := byName[b.Name]; ok {
			replaced[i] = true
			if user[i].IsEnabled() {
				out = append(out, user[i])
			}
			continue
		}
		if b.IsEnabled() {
			out = append(out, b)
		}
	}
	for i, r := range user {
		if !replaced[i] && r.IsEnabled() {
			out = append(out, r)
		}
	}
	return out
}

// Error is a problem with one rule, at compile time or when it runs.
type Error struct {
	Rule   string
	Origin string
	// Field is the rule's field at fault: "when", "title", "at" ….
	Field string
	Err   error
}

func (e *Error) Error() string {
	where := e.Rule
	if where == "" {
		where = "(unnamed)"
	}
	if e.Origin != "" {
		where += " (" + e.Origin + ")"
	}
	if e.Field == "" {
		return fmt.Sprintf("rule %s: %v", where, e.Err)
	}
	return fmt.Sprintf("rule %s: %s: %v", where, e.Field, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Errors returns the per-rule errors inside err (as returned by Compile or
// Evaluate), so a caller can log or count them by rule.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		var re *Error
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if errors.As(err, &re) {
			out = append(out, re)
		}
	}
	walk(err)
	return out
}
