package ics

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-ical"
)

// maxDepth bounds component nesting. Real calendars nest three deep
// (VCALENDAR > VEVENT > VALARM); anything past this is hostile input.
const maxDepth = 16

// maxWarnings bounds how many problems a lenient parse keeps.
const maxWarnings = 100

// errSyntax marks a content line that is not "NAME;PARAM=V:VALUE".
var errSyntax = errors.New("malformed content line")

// decoder reads RFC 5545 content lines into go-ical components.
//
// go-ical's own Decoder is strict (one bad line fails the whole file), panics
// on some malformed parameter lists (it peeks past the end of "X;A=b" with no
// colon), builds parameter values byte by byte (quadratic on long values) and
// recurses without a depth bound. Subscribed calendars are often slightly
// broken, so this reader is linear, bounded and lenient: a bad line is
// skipped and reported, an unclosed component is closed at EOF. The result is
// go-ical's own model (ical.Component / ical.Prop), so its value helpers apply.
type decoder struct {
	strict   bool
	warnings []error
	dropped  int
}

// warn records a problem (line 0: not tied to a line); in strict mode it is
// returned as the error instead.
func (d *decoder) warn(line int, err error) error {
	if line > 0 {
		err = fmt.Errorf("line %d: %w", line, err)
	}
	if d.strict {
		return err
	}
	if len(d.warnings) < maxWarnings {
		d.warnings = append(d.warnings, err)
	} else {
		d.dropped++
	}
	return nil
}

// decode returns the top-level components. Components that are not inside a
// VCALENDAR (a bare VEVENT, as some tools write) are returned as they are; the
// caller treats them as one implicit calendar.
func (d *decoder) decode(data []byte) ([]*ical.Component, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var (
		top   []*ical.Component
		stack []*ical.Component
	)
	blank := 0
	err := unfold(data, func(lineNo int, line string) error {
		if strings.TrimSpace(line) == "" {
			if blank == 0 {
				blank = lineNo
			}
			return nil
		}
		if blank > 0 && d.strict {
			// RFC 5545 has no empty content line; only trailing ones pass.
			return fmt.Errorf("line %d: empty line", blank)
		}
		prop, err := parseContentLine(line)
		if err != nil {
			return d.warn(lineNo, err)
		}
		switch prop.Name {
		case "BEGIN":
			name := strings.ToUpper(strings.TrimSpace(prop.Value))
			if name == "" {
				return d.warn(lineNo, fmt.Errorf("%w: BEGIN without a component name", errSyntax))
			}
			if len(stack) >= maxDepth {
				return fmt.Errorf("line %d: components nested deeper than %d", lineNo, maxDepth)
			}
			comp := ical.NewComponent(name)
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, comp)
			} else {
				top = append(top, comp)
			}
			stack = append(stack, comp)
		case "END":
			name := strings.ToUpper(strings.TrimSpace(prop.Value))
			i := len(stack) - 1
			for i >= 0 && stack[i].Name != name {
				i--
			}
			if i < 0 {
				return d.warn(lineNo, fmt.Errorf("END:%s without a matching BEGIN", name))
			}
			if i != len(stack)-1 {
				if err := d.warn(lineNo, fmt.Errorf("END:%s closes unterminated %s", name, stack[len(stack)-1].Name)); err != nil {
					return err
				}
			}
			stack = stack[:i]
		default:
			if len(stack) == 0 {
				return d.warn(lineNo, fmt.Errorf("property %s outside any component", prop.Name))
			}
			cur := stack[len(stack)-1]
			cur.Props[prop.Name] = append(cur.Props[prop.Name], *prop)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(stack) > 0 {
		if err := d.warn(0, fmt.Errorf("end of data inside %s", stack[len(stack)-1].Name)); err != nil {
			return nil, err
		}
	}
	if len(top) == 0 {
		return nil, errors.New("no iCalendar component found")
	}
	return top, nil
}

// unfold splits data into logical content lines (RFC 5545 §3.1): CRLF, LF and
// a lone CR all end a line; a line starting with a space or tab continues the
// previous one. fn gets the 1-based number of the line's first physical line.
func unfold(data []byte, fn func(lineNo int, line string) error) error {
	var (
		cur     strings.Builder
		curNo   int
		have    bool
		physNo  int
		pending = data
	)
	flush := func() error {
		if !have {
			return nil
		}
		have = false
		s := cur.String()
		cur.Reset()
		return fn(curNo, s)
	}
	for len(pending) > 0 {
		i := bytes.IndexAny(pending, "\r\n")
		var line []byte
		if i < 0 {
			line, pending = pending, nil
		} else {
			line = pending[:i]
			if pending[i] == '\r' && i+1 < len(pending) && pending[i+1] == '\n' {
				pending = pending[i+2:]
			} else {
				pending = pending[i+1:]
			}
		}
		physNo++
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') && have {
			cur.Write(line[1:])
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		cur.Write(line)
		curNo = physNo
		have = true
	}
	return flush()
}

// parseContentLine parses "NAME *(;PARAM=VALUE[,VALUE]) : VALUE" in one pass.
// Parameter values may be quoted (and then hold ';', ':' and ','); RFC 6868
// caret escapes (^n, ^', ^^) are decoded.
func parseContentLine(line string) (*ical.Prop, error) {
	i := strings.IndexAny(line, ";:")
	if i < 0 {
		return nil, fmt.Errorf("%w: no colon", errSyntax)
	}
	name := strings.ToUpper(strings.TrimSpace(line[:i]))
	if name == "" || !isName(name) {
		return nil, fmt.Errorf("%w: bad property name %q", errSyntax, truncate(line[:i], 40))
	}
	prop := &ical.Prop{Name: name, Params: make(ical.Params)}
	rest := line[i:]
	for len(rest) > 0 && rest[0] == ';' {
		rest = rest[1:]
		eq := strings.IndexAny(rest, "=:;")
		if eq < 0 || rest[eq] != '=' {
			// A parameter without "=": tolerated when the line still has its
			// value (some writers emit "DTSTART;VALUE:..." style junk).
			if eq >= 0 && rest[eq] != '=' {
				rest = rest[eq:]
				continue
			}
			return nil, fmt.Errorf("%w: parameter without value", errSyntax)
		}
		pname := strings.ToUpper(strings.TrimSpace(rest[:eq]))
		rest = rest[eq+1:]
		for {
			var v string
			if len(rest) > 0 && rest[0] == '"' {
				end := strings.IndexByte(rest[1:], '"')
				if end < 0 {
					return nil, fmt.Errorf("%w: unterminated quoted parameter", errSyntax)
				}
				v = rest[1 : end+1]
				rest = rest[end+2:]
				// Tolerate junk between the closing quote and the next
				// delimiter by dropping it.
				if j := strings.IndexAny(rest, ",;:"); j > 0 {
					rest = rest[j:]
				}
			} else {
				j := strings.IndexAny(rest, ",;:")
				if j < 0 {
					return nil, fmt.Errorf("%w: no colon after parameters", errSyntax)
				}
				v, rest = rest[:j], rest[j:]
			}
			if pname != "" {
				prop.Params[pname] = append(prop.Params[pname], caretDecode(strings.TrimSpace(v)))
			}
			if len(rest) > 0 && rest[0] == ',' {
				rest = rest[1:]
				continue
			}
			break
		}
	}
	if len(rest) == 0 || rest[0] != ':' {
		return nil, fmt.Errorf("%w: no colon after parameters", errSyntax)
	}
	prop.Value = rest[1:]
	return prop, nil
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func caretDecode(s string) string {
	if !strings.Contains(s, "^") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '^' && i+1 < len(s) {
			switch s[i+1] {
			case 'n', 'N':
				b.WriteByte('\n')
				i++
				continue
			case '\'':
				b.WriteByte('"')
				i++
				continue
			case '^':
				b.WriteByte('^')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
