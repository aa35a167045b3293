package llm

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		in   string
		want time.Duration
	}{
		"empty":          {"", 0},
		"seconds":        {"120", 2 * time.Minute},
		"padded":         {" 5 ", 5 * time.Second},
		"zero":           {"0", 0},
		"negative":       {"-3", 0},
		"http date":      {now.Add(45 * time.Second).Format(http.TimeFormat), 45 * time.Second},
		"past date":      {now.Add(-time.Hour).Format(http.TimeFormat), 0},
		"huge is capped": {"99999999", maxRetryAfter},
		"garbage":        {"soon", 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := parseRetryAfter(tc.in, now); got != tc.want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	schema := Schema{Name: "t", JSON: []byte(`{
	  "type": "object",
	  "properties": {
	    "title": {"type": "string", "maxLength": 5},
	    "kind": {"type": "string", "enum": ["a", "b"]},
	    "n": {"type": "integer", "minimum": 0, "maximum": 10},
	    "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
	    "note": {"type": ["string", "null"]},
	    "rank": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}
	  },
	  "required": ["title", "kind", "n"],
	  "additionalProperties": false
	}`)}
	tests := map[string]struct {
		in   string
		want string // "" = valid; else the reason's start
	}{
		"valid":              {`{"title":"hi","kind":"a","n":3,"tags":["x"],"note":null,"rank":[{"id":"e1"}]}`, ""},
		"not JSON":           {`Sure: {"title"`, "not JSON"},
		"two values":         {`{"title":"hi","kind":"a","n":3} {}`, "more than one"},
		"not an object":      {`[1]`, "$: want [object]"},
		"missing required":   {`{"title":"hi","n":3}`, "$.kind: required"},
		"wrong type":         {`{"title":5,"kind":"a","n":3}`, "$.title: want [string]"},
		"not in enum":        {`{"title":"hi","kind":"c","n":3}`, "$.kind: not one of"},
		"too long":           {`{"title":"héllo!","kind":"a","n":3}`, "$.title: longer than 5"},
		"fraction":           {`{"title":"hi","kind":"a","n":1.5}`, "$.n: want [integer]"},
		"below minimum":      {`{"title":"hi","kind":"a","n":-1}`, "$.n: below"},
		"too many items":     {`{"title":"hi","kind":"a","n":1,"tags":["a","b","c"]}`, "$.tags: 3 items"},
		"item type":          {`{"title":"hi","kind":"a","n":1,"tags":[1]}`, "$.tags[0]: want"},
		"nested required":    {`{"title":"hi","kind":"a","n":1,"rank":[{}]}`, "$.rank[0].id: required"},
		"extra key":          {`{"title":"hi","kind":"a","n":1,"x":1}`, "$.x: not allowed"},
		"null where allowed": {`{"title":"hi","kind":"b","n":10,"note":null}`, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := schema.Validate([]byte(tc.in))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("invalid: %v", err)
				}
				return
			}
			var oe *OutputError
			if !errors.As(err, &oe) || !errors.Is(err, ErrInvalidOutput) {
				t.Fatalf("error %v, want *OutputError", err)
			}
			if len(oe.Reason) < len(tc.want) || oe.Reason[:len(tc.want)] != tc.want {
				t.Errorf("reason %q, want prefix %q", oe.Reason, tc.want)
			}
		})
	}
}

func TestExtractJSON(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":      {`{"a":1}`, `{"a":1}`},
		"fenced":     {"```json\n{\"a\":1}\n```", `{"a":1}`},
		"with prose": {"Here you go: {\"a\":1} Hope it helps.", `{"a":1}`},
		"prose only": {"no idea", "no idea"},
		"whitespace": {"\n {\"a\":1}\n", `{"a":1}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := extractJSON(tc.in); got != tc.want {
				t.Errorf("extractJSON(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMentionsFormat(t *testing.T) {
	tests := map[string]struct {
		msg  string
		want bool
	}{
		"openai":    {"Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", true},
		"llama.cpp": {"Either \"json_schema\" or \"grammar\" can be specified, but not both", true},
		"other":     {"max_tokens is too large", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := mentionsFormat(tc.msg); got != tc.want {
				t.Errorf("mentionsFormat = %v", got)
			}
		})
	}
}
