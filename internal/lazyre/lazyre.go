// Package lazyre holds regular expressions that are compiled on first use.
//
// agentd's extractors and redactors hold about a hundred package-level
// regexps; compiled at start they cost 4 MB of heap that a daemon watching
// only feeds, or running without a model, never uses (a Unicode letter
// class alone compiles to 5 KB per occurrence). New checks the syntax at
// once, so a bad pattern still stops the program at start as
// regexp.MustCompile would; the program is built the first time a method
// runs, once, safely from any goroutine.
package lazyre

import (
	"regexp"
	"regexp/syntax"
	"sync"
)

// Regexp is a regexp.Regexp compiled on first use.
type Regexp struct {
	expr string
	get  func() *regexp.Regexp
}

// New checks expr's syntax (panicking like regexp.MustCompile) and returns
// a Regexp compiled on first use.
func New(expr string) *Regexp {
	if _, err := syntax.Parse(expr, syntax.Perl); err != nil {
		panic(`lazyre: New(` + expr + `): ` + err.Error())
	}
	return &Regexp{expr: expr, get: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

// Compiled returns the compiled regexp, compiling it if needed.
func (r *Regexp) Compiled() *regexp.Regexp { return r.get() }

// String returns the source text.
func (r *Regexp) String() string { return r.expr }

// The methods below are those of regexp.Regexp that agentd uses.

func (r *Regexp) MatchString(s string) bool            { return r.get().MatchString(s) }
func (r *Regexp) FindStringIndex(s string) []int       { return r.get().FindStringIndex(s) }
func (r *Regexp) FindStringSubmatch(s string) []string { return r.get().FindStringSubmatch(s) }
func (r *Regexp) FindStringSubmatchIndex(s string) []int {
	return r.get().FindStringSubmatchIndex(s)
}
func (r *Regexp) FindAllStringIndex(s string, n int) [][]int {
	return r.get().FindAllStringIndex(s, n)
}
func (r *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return r.get().FindAllStringSubmatch(s, n)
}
func (r *Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return r.get().FindAllStringSubmatchIndex(s, n)
}
func (r *Regexp) ReplaceAllString(src, repl string) string {
	return r.get().ReplaceAllString(src, repl)
}
func (r *Regexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return r.get().ReplaceAllStringFunc(src, repl)
}
func (r *Regexp) Split(s string, n int) []string { return r.get().Split(s, n) }
