package rules

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/expr-lang/expr"
)

// Env is what a rule sees. Expressions use the lowercase names from the expr
// tags (event.subject, facts.interests, settings.feed_max_age, now);
// templates use the Go names ({{.Event.Subject}}, {{.Facts.interests}}).
//
// Everything in Env is data: text from a mail or a feed only ever reaches a
// rule as a value, never as expression or template source.
type Env struct {
	Event EventEnv `expr:"event"`
	// Facts are computed by the planner's enrichers; which keys exist depends
	// on the event type (see builtin.yaml for the feed.item facts). A missing
	// key reads as nil.
	Facts    map[string]any `expr:"facts"`
	User     UserEnv        `expr:"user"`
	Settings Settings       `expr:"settings"`
	// Now is the planner's clock, in the user's time zone, so now.Hour() is a
	// local hour. It replaces expr's built-in now().
	Now time.Time `expr:"now"`
}

// EventEnv is the envelope of the event being planned.
type EventEnv struct {
	ID   string `expr:"id"`
	Type string `expr:"type"`
	// Source is "feed:<name>", "mail:<account>" or "calendar:<name>";
	// Kind and Name are its two halves.
	Source  string    `expr:"source"`
	Kind    string    `expr:"kind"`
	Name    string    `expr:"name"`
	Subject string    `expr:"subject"`
	Time    time.Time `expr:"time"`
	Seen    time.Time `expr:"seen"`
}

// UserEnv describes the person agentd works for.
type UserEnv struct {
	Name      string   `expr:"name"`
	Email     string   `expr:"email"`
	Interests []string `expr:"interests"`
}

// Settings are the tunables from the config that rules refer to by name, so
// a user changes a number in one place instead of editing every rule.
type Settings struct {
	// FeedMaxAge is planner.feed_max_age: older feed items are not suggested.
	FeedMaxAge time.Duration `expr:"feed_max_age"`
	// RemindBefore is the default lead time of a meeting reminder
	// (calendar remind_before, default 10m); a calendar's own setting and
	// the event's VALARM come through facts.remind_before.
	RemindBefore time.Duration `expr:"remind_before"`
	// AgendaAt is the local time of the morning agenda, as time since
	// midnight (planner.agenda_at, default 07:30).
	AgendaAt time.Duration `expr:"agenda_at"`
	// FollowUpAfter is how long agentd waits for an answer to a question
	// the user asked before suggesting a follow-up (planner.follow_up_after,
	// default 3d).
	FollowUpAfter time.Duration `expr:"follow_up_after"`
	// LeaveBefore is how long before an off-site event, or before being at
	// a station or airport, the user is told to leave when nothing says how
	// long the trip takes (planner.leave_before, default 45m).
	LeaveBefore time.Duration `expr:"leave_before"`
	// ListBackfill is set by `agentd plan`: what a new account's look-back
	// reveals is listed item by item as well as in its one summary.
	ListBackfill bool `expr:"list_backfill"`
	// Drafts is set when a model drafts replies (llm configured): a
	// question is then worth its own suggestion, the draft, even when a
	// reminder of the same mail says what is asked.
	Drafts bool `expr:"drafts"`
}

// exprOptions are the compile options shared by every expression: the Env
// type for checking, our helper functions, and no built-in now() (which
// would read the wall clock instead of the planner's).
func exprOptions() []expr.Option {
	return []expr.Option{
		expr.Env(Env{}),
		expr.DisableBuiltin("now"),
		expr.Function("days", exprDays, new(func(int) time.Duration), new(func(float64) time.Duration)),
		expr.Function("hours", exprHours, new(func(int) time.Duration), new(func(float64) time.Duration)),
		expr.Function("hasAny", exprHasAny, new(func(any, any) bool)),
		expr.Function("hasAll", exprHasAll, new(func(any, any) bool)),
	}
}

func exprDays(params ...any) (any, error) {
	return scaleDuration("days", 24*time.Hour, params)
}

func exprHours(params ...any) (any, error) {
	return scaleDuration("hours", time.Hour, params)
}

func scaleDuration(name string, unit time.Duration, params []any) (any, error) {
	if len(params) != 1 {
		return nil, fmt.Errorf("%s: want 1 argument, got %d", name, len(params))
	}
	switch n := params[0].(type) {
	case int:
		return time.Duration(n) * unit, nil
	case float64:
		return time.Duration(n * float64(unit)), nil
	default:
		return nil, fmt.Errorf("%s: want a number, got %T", name, params[0])
	}
}

// exprHasAny reports whether the two lists share an element.
func exprHasAny(params ...any) (any, error) {
	a, b, err := twoLists("hasAny", params)
	if err != nil {
		return nil, err
	}
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true, nil
			}
		}
	}
	return false, nil
}

// exprHasAll reports whether every element of the second list is in the first.
func exprHasAll(params ...any) (any, error) {
	a, b, err := twoLists("hasAll", params)
	if err != nil {
		return nil, err
	}
next:
	for _, y := range b {
		for _, x := range a {
			if x == y {
				continue next
			}
		}
		return false, nil
	}
	return true, nil
}

func twoLists(name string, params []any) ([]any, []any, error) {
	if len(params) != 2 {
		return nil, nil, fmt.Errorf("%s: want 2 lists, got %d arguments", name, len(params))
	}
	a, err := asList(params[0])
	if err != nil {
		return nil, nil, fmt.Errorf("%s: first argument: %w", name, err)
	}
	b, err := asList(params[1])
	if err != nil {
		return nil, nil, fmt.Errorf("%s: second argument: %w", name, err)
	}
	return a, b, nil
}

// asList accepts []string (facts), []any (expression literals) and nil
// (a missing fact, treated as empty).
func asList(v any) ([]any, error) {
	switch l := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return l, nil
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, fmt.Errorf("want a list, got %T", v)
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, nil
}

// templateFuncs are available in title, body and why templates.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"excerpt": excerpt,
		"quoted":  quoted,
		"join":    join,
		"lower":   func(v any) string { return strings.ToLower(text(v)) },
		"upper":   func(v any) string { return strings.ToUpper(text(v)) },
		"short":   shortDuration,
	}
}

// text renders a template argument; a missing fact (nil) is the empty string.
func text(v any) string {
	switch s := v.(type) {
	case nil:
		return ""
	case string:
		return s
	case fmt.Stringer:
		return s.String()
	default:
		return fmt.Sprint(v)
	}
}

// excerpt returns at most n runes of v, cut at a word boundary when one is
// near, with an ellipsis when something was cut. Runs of white space become
// one space. Only the start of a long text is read.
func excerpt(n int, v any) string {
	s := text(v)
	var b strings.Builder
	count, space := 0, false
	cut, atSpace := false, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		add := 1
		if space {
			add = 2
		}
		if n > 0 && count+add > n {
			cut, atSpace = true, space
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		count += add
	}
	head := b.String()
	if !cut {
		return head
	}
	// Cut inside a word: drop its start if the previous word ends near.
	if sp := strings.LastIndexByte(head, ' '); !atSpace && sp > len(head)*4/5 {
		head = head[:sp]
	}
	return strings.TrimRight(head, " ,;:.-") + "…"
}

// quoted renders a list as `"a", "b"` (or one value as `"a"`).
func quoted(v any) string {
	l, err := asList(v)
	if err != nil {
		return strconv.Quote(text(v))
	}
	parts := make([]string, len(l))
	for i, x := range l {
		parts[i] = strconv.Quote(text(x))
	}
	return strings.Join(parts, ", ")
}

// join renders a list joined by sep.
func join(v any, sep string) string {
	l, err := asList(v)
	if err != nil {
		return text(v)
	}
	parts := make([]string, len(l))
	for i, x := range l {
		parts[i] = text(x)
	}
	return strings.Join(parts, sep)
}

// shortDuration renders a duration the way a person says it: "3d", "5h", "12m".
func shortDuration(v any) string {
	d, ok := v.(time.Duration)
	if !ok {
		return text(v)
	}
	switch {
	case d >= 48*time.Hour:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d >= time.Hour:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	default:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
}
