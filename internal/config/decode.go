package config

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// The config is decoded by walking goccy/go-yaml's syntax tree rather than
// with yaml.Unmarshal: the decoder stops at the first error, while a person
// fixing a config wants every problem at once, each with its key path and
// the valid choices at that spot.

// decoder walks one file's syntax tree, collecting problems.
type decoder struct {
	file    string // as named in errors
	dir     string // absolute directory of the file, for relative paths
	env     environment
	anchors map[string]ast.Node
	errs    []*Error
	// digestTo is where notify.digest.to is (or would be): its default
	// comes from user.email, known only once both sections are read.
	digestTo val
}

// val is a value in the tree at a key path. node is nil when the key is
// absent; line and col then point at the enclosing mapping.
type val struct {
	node      ast.Node
	path      string
	line, col int
}

func (v val) absent() bool { return v.node == nil }

func (v val) null() bool {
	if v.node == nil {
		return true
	}
	_, ok := v.node.(*ast.NullNode)
	return ok
}

func (v val) child(key string) string {
	if v.path == "" {
		return key
	}
	return v.path + "." + key
}

func parse(path string, data []byte, env environment) (*Config, error) {
	file := path
	if file == "" {
		file = "<config>"
	}
	abs, err := filepath.Abs(path) // "" → the working directory
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	dir := abs
	if path != "" {
		dir = filepath.Dir(abs)
	} else {
		abs = ""
	}
	d := &decoder{file: file, dir: dir, env: env, anchors: map[string]ast.Node{}}

	// The YAML parser counts the CRLF ending a comment as two lines, so
	// that every error after a comment in a file saved on Windows named a
	// later line. YAML reads CRLF as LF anyway (FuzzConfig b15ad7783d03b421).
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	tree, err := parser.ParseBytes(data, 0)
	if err != nil {
		var ye yaml.Error
		e := &Error{File: file, Msg: "YAML syntax: " + err.Error()}
		if errors.As(err, &ye) {
			e.Msg = "YAML syntax: " + ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				e.Line, e.Column = tk.Position.Line, tk.Position.Column
			}
		}
		return nil, joinErrors([]*Error{e})
	}
	var body ast.Node
	for _, doc := range tree.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			line, col := position(doc.Body)
			d.errs = append(d.errs, &Error{File: file, Line: line, Column: col,
				Msg: "only one YAML document is allowed in a config file; remove the second ---"})
			break
		}
		body = doc.Body
	}
	if body == nil {
		return nil, joinErrors([]*Error{{File: file, Line: 1, Column: 1,
			Msg: "the config file is empty (`agentd init` writes a commented example)"}})
	}
	ast.Walk(anchorCollector(d.anchors), body)

	c := &Config{Path: abs}
	line, col := position(body)
	d.config(val{node: d.resolve(body), line: line, col: col}, c)
	if err := joinErrors(d.errs); err != nil {
		return nil, err
	}
	return c, nil
}

// anchorCollector records &anchors so that *aliases can be resolved.
type anchorCollector map[string]ast.Node

func (a anchorCollector) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok && an.Name != nil {
		a[an.Name.GetToken().Value] = an.Value
	}
	return a
}

// position is where a node starts (a block mapping's own token is its
// first colon: use its first key instead).
func position(n ast.Node) (line, col int) {
	if n == nil {
		return 0, 0
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && m.Values[0].Key != nil && !m.IsFlowStyle {
		n = m.Values[0].Key
	}
	if mv, ok := n.(*ast.MappingValueNode); ok && mv.Key != nil {
		n = mv.Key
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line, tk.Position.Column
	}
	return 0, 0
}

// resolve looks through anchors, tags and aliases to the value.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for range 32 { // bounds alias chains
		switch t := n.(type) {
		case *ast.AnchorNode:
			n = t.Value
		case *ast.TagNode:
			n = t.Value
		case *ast.AliasNode:
			target, ok := d.anchors[t.Value.GetToken().Value]
			if !ok {
				return n
			}
			n = target
		default:
			return n
		}
	}
	return n
}

func (d *decoder) at(parent val, n ast.Node, path string) val {
	line, col := position(n)
	if line == 0 {
		line, col = parent.line, parent.col
	}
	return val{node: d.resolve(n), path: path, line: line, col: col}
}

func (d *decoder) errorf(v val, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: v.line, Column: v.col, Path: v.path,
		Msg: fmt.Sprintf(format, args...)})
}

// describe names what a node is, for "expected X, got Y" messages.
func describe(n ast.Node) string {
	switch t := n.(type) {
	case nil, *ast.NullNode:
		return "nothing (null)"
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		return fmt.Sprintf("the string %q", t.Value)
	case *ast.LiteralNode:
		return "a text block"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "the number " + t.GetToken().Value
	case *ast.BoolNode:
		return "the boolean " + t.GetToken().Value
	case *ast.AliasNode:
		return "an alias to an unknown anchor"
	}
	return "a " + n.Type().String()
}

// fields is a mapping whose keys have been checked against the valid ones.
type fields struct {
	parent val
	m      map[string]val
}

func (f fields) get(key string) val {
	if v, ok := f.m[key]; ok {
		return v
	}
	return val{path: f.parent.child(key), line: f.parent.line, col: f.parent.col}
}

// fields checks that v is a mapping whose keys are among keys (in the order
// shown in errors). A null or absent v is an empty mapping. ok is false if v
// is not a mapping.
func (d *decoder) fields(v val, what string, keys ...string) (fields, bool) {
	f := fields{parent: v, m: map[string]val{}}
	if v.null() {
		return f, true
	}
	m, isMap := v.node.(*ast.MappingNode)
	if !isMap {
		d.errorf(v, "expected %s (a mapping with keys %s), got %s", what, strings.Join(keys, ", "), describe(v.node))
		return f, false
	}
	var merges []*ast.MappingValueNode
	for _, mv := range m.Values {
		if _, isMerge := mv.Key.(*ast.MergeKeyNode); isMerge {
			merges = append(merges, mv)
			continue
		}
		d.field(f, mv, what, keys)
	}
	// Keys written in the mapping win over merged (<<: *anchor) ones.
	for _, mv := range merges {
		src := d.resolve(mv.Value)
		var maps []ast.Node
		if seq, ok := src.(*ast.SequenceNode); ok {
			for _, item := range seq.Values {
				maps = append(maps, d.resolve(item))
			}
		} else {
			maps = append(maps, src)
		}
		for _, mn := range maps {
			mm, ok := mn.(*ast.MappingNode)
			if !ok {
				d.errorf(d.at(v, mv, v.child("<<")), "a merge key (<<) takes an alias to a mapping, got %s", describe(mn))
				continue
			}
			for _, inner := range mm.Values {
				if _, taken := f.m[keyText(inner.Key)]; !taken {
					d.field(f, inner, what, keys)
				}
			}
		}
	}
	return f, true
}

func (d *decoder) field(f fields, mv *ast.MappingValueNode, what string, keys []string) {
	key := keyText(mv.Key)
	line, col := position(mv.Key)
	path := f.parent.child(key)
	if !slices.Contains(keys, key) {
		kv := val{path: path, line: line, col: col}
		switch {
		case slices.Contains(keys, key+"_env"):
			d.errorf(kv, "secrets are not written in the config file: use %[1]s_env (an environment variable), %[1]s_file (a file holding it) or %[1]s_command (a command printing it, e.g. pass show mail/work)", key)
		case suggest(key, keys) != "":
			d.errorf(kv, "unknown key %q in %s (did you mean %q?); valid keys: %s", key, what, suggest(key, keys), strings.Join(keys, ", "))
		default:
			d.errorf(kv, "unknown key %q in %s; valid keys: %s", key, what, strings.Join(keys, ", "))
		}
		return
	}
	v := d.at(val{line: line, col: col}, mv.Value, path)
	if v.node == nil || v.line == 0 {
		v.line, v.col = line, col
	}
	if _, isNull := v.node.(*ast.NullNode); isNull {
		// Point at the key: the null token sits after it.
		v.line, v.col = line, col
	}
	f.m[key] = v
}

func keyText(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if k == nil || k.GetToken() == nil {
		return ""
	}
	return k.GetToken().Value
}

// suggest returns the valid key closest to key, if it looks like a typo.
func suggest(key string, keys []string) string {
	best, bestDist := "", 3
	for _, k := range keys {
		if dist := editDistance(key, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// list returns the items of a list; nil for null or absent.
func (d *decoder) list(v val, what string) []val {
	if v.null() {
		return nil
	}
	seq, ok := v.node.(*ast.SequenceNode)
	if !ok {
		d.errorf(v, "expected a list of %s, got %s", what, describe(v.node))
		return nil
	}
	items := make([]val, len(seq.Values))
	for i, n := range seq.Values {
		items[i] = d.at(v, n, fmt.Sprintf("%s[%d]", v.path, i))
	}
	return items
}

// str returns a scalar's text ("" for null or absent). Numbers and booleans
// are taken as written, so `name: 2024` is the name "2024".
func (d *decoder) str(v val) string {
	if v.null() {
		return ""
	}
	switch t := v.node.(type) {
	case *ast.StringNode:
		return t.Value
	case *ast.LiteralNode:
		return t.Value.Value
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return t.GetToken().Value
	}
	d.errorf(v, "expected a string, got %s", describe(v.node))
	return ""
}

func (d *decoder) strs(v val, what string) []string {
	var out []string
	for _, item := range d.list(v, what) {
		if s := d.str(item); s != "" {
			out = append(out, s)
		} else if item.null() {
			d.errorf(item, "empty list item; expected %s", what)
		}
	}
	return out
}

func (d *decoder) boolp(v val) *bool {
	if v.null() {
		return nil
	}
	b, ok := v.node.(*ast.BoolNode)
	if !ok {
		d.errorf(v, "expected true or false, got %s", describe(v.node))
		return nil
	}
	return &b.Value
}

// integer reads a whole number; ok is false if absent or invalid.
func (d *decoder) integer(v val, lo, hi int64) (int64, bool) {
	if v.null() {
		return 0, false
	}
	n, ok := v.node.(*ast.IntegerNode)
	var x int64
	if ok {
		switch iv := n.Value.(type) {
		case int64:
			x = iv
		case uint64:
			ok = iv <= uint64(hi)
			x = int64(min(iv, uint64(hi)))
		default:
			ok = false
		}
	}
	if !ok || x < lo || x > hi {
		d.errorf(v, "expected a whole number from %d to %d, got %s", lo, hi, describe(v.node))
		return 0, false
	}
	return x, true
}

func (d *decoder) duration(v val, def, least Duration) Duration {
	if v.null() {
		return def
	}
	if n, ok := v.node.(*ast.IntegerNode); ok {
		d.errorf(v, "%s is not a duration: add a unit (%s)", n.GetToken().Value, durationExamples)
		return def
	}
	s := d.str(v)
	if s == "" {
		return def
	}
	dur, err := ParseDuration(s)
	if err != nil {
		d.errorf(v, "%q is not a duration (%s)", s, durationExamples)
		return def
	}
	if dur < least {
		if least <= 0 {
			d.errorf(v, "%q must not be negative", s)
		} else {
			d.errorf(v, "%q is too short: the least is %s", s, least)
		}
		return def
	}
	return dur
}

// oneOf reads a string that must be one of valid; def when absent.
func (d *decoder) oneOf(v val, what, def string, valid ...string) string {
	s := d.str(v)
	if s == "" {
		return def
	}
	if !slices.Contains(valid, s) {
		d.errorf(v, "%q is not a valid %s (valid: %s)", s, what, strings.Join(valid, ", "))
		return def
	}
	return s
}

// path reads a file system path: ~ and $XDG variables expanded, relative
// paths made absolute against the config's directory.
func (d *decoder) path(v val) string {
	s := d.str(v)
	if s == "" {
		return ""
	}
	p, err := resolvePath(s, d.dir, d.env)
	if err != nil {
		d.errorf(v, "%q: %v", s, err)
		return ""
	}
	return p
}

// required reports an absent or empty value.
func (d *decoder) required(v val, s, help string) bool {
	if s != "" {
		return true
	}
	if v.absent() || v.null() {
		d.errorf(v, "required: %s", help)
	} else {
		d.errorf(v, "must not be empty: %s", help)
	}
	return false
}

// secret reads <prefix>_env, <prefix>_file and <prefix>_command.
// requiredSecret is secret for a secret that must be set. A literal
// "<prefix>:" key already got its own error (use <prefix>_env…), which says
// all there is to say; it is not reported twice.
func (d *decoder) requiredSecret(f fields, prefix string) Secret {
	s := d.secret(f, prefix)
	if s.IsSet() {
		return s
	}
	path := f.parent.child(prefix)
	for _, e := range d.errs {
		if e.Path == path {
			return s
		}
	}
	d.errorf(f.get(prefix), "required: set %[1]s_env, %[1]s_file or %[1]s_command", prefix)
	return s
}

func (d *decoder) secret(f fields, prefix string) Secret {
	s := Secret{key: f.parent.child(prefix), dir: d.dir}
	envV, fileV, cmdV := f.get(prefix+"_env"), f.get(prefix+"_file"), f.get(prefix+"_command")
	s.Env = d.str(envV)
	s.File = d.path(fileV)
	s.Command = d.str(cmdV)
	if s.Env != "" && !isEnvName(s.Env) {
		// Not echoed: a mistaken value here may be the secret itself.
		d.errorf(envV, "not an environment variable name (letters, digits and _, not starting with a digit); give the variable's name, not the secret")
	}
	set := 0
	for _, v := range []val{envV, fileV, cmdV} {
		if !v.null() {
			set++
			if set == 2 {
				d.errorf(v, "set only one of %[1]s_env, %[1]s_file and %[1]s_command", prefix)
			}
		}
	}
	return s
}

func isEnvName(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// validName reports whether s can be a source or rule name: it goes into
// NATS subjects and KV keys.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		lowerOrDigit := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !lowerOrDigit && (i == 0 || c != '-' && c != '_') {
			return false
		}
	}
	return true
}

const nameHelp = "use lowercase letters, digits, - and _, starting with a letter or digit, at most 64 characters (names become part of NATS subjects and keys)"

// names checks names for validity and uniqueness within one kind.
type names struct {
	what string
	seen map[string]val
}

func (d *decoder) name(n *names, v val, example string) string {
	s := d.str(v)
	if !d.required(v, s, fmt.Sprintf("a short unique name for this %s, e.g. %s", n.what, example)) {
		return ""
	}
	if !validName(s) {
		d.errorf(v, "%q is not a valid name: %s", s, nameHelp)
		return s
	}
	if prev, dup := n.seen[s]; dup {
		d.errorf(v, "%q is already the name of %s (line %d); %s names must be unique", s, strings.TrimSuffix(prev.path, ".name"), prev.line, n.what)
		return s
	}
	n.seen[s] = v
	return s
}
