package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in a config file. Its text names the file, the
// line, the key path and what would be valid, e.g.
//
//	/home/a/.config/agentd/config.yaml:12: sources.feeds[0].every: "30x" is not a duration (examples: 90s, 30m, 2h, 1d)
//
// Parse and Load return every problem they find as *Error values joined with
// errors.Join, ordered by position; use Errors to get them back.
type Error struct {
	File   string
	Line   int
	Column int
	// Path is the key path, e.g. "sources.feeds[0].every"; empty for YAML
	// syntax errors, which have no key yet.
	Path string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors returns the config problems inside err (as returned by Parse or
// Load), in file order. It returns nil if err holds none.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// joinErrors sorts problems by position (then key path, then text) so that
// the same file always yields the same report, and joins them.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	errs = slices.CompactFunc(errs, func(a, b *Error) bool { return *a == *b })
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return errors.Join(joined...)
}
