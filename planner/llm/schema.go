package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Schema is the JSON schema an answer must match, sent as
// response_format.json_schema when the server supports it. Servers in strict
// mode (OpenAI) want every property listed in required and
// "additionalProperties": false on every object; write schemas that way.
//
// Only a subset of JSON schema is validated locally, the part agentd's
// prompts use: type (a name or a list), properties, required,
// additionalProperties: false, enum, items, maxLength, maxItems, minimum and
// maximum. Other keywords are sent to the server but not checked here.
type Schema struct {
	Name string          // [a-zA-Z0-9_-]{1,64}, required by OpenAI
	JSON json.RawMessage // the schema document
}

type schemaNode struct {
	Type                 typeList               `json:"type"`
	Properties           map[string]*schemaNode `json:"properties"`
	Required             []string               `json:"required"`
	AdditionalProperties *bool                  `json:"additionalProperties"`
	Enum                 []any                  `json:"enum"`
	Items                *schemaNode            `json:"items"`
	MaxLength            *int                   `json:"maxLength"`
	MaxItems             *int                   `json:"maxItems"`
	Minimum              *float64               `json:"minimum"`
	Maximum              *float64               `json:"maximum"`
}

// typeList accepts "type": "string" and "type": ["string", "null"].
type typeList []string

func (t *typeList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*t = typeList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("type: want a string or a list of strings")
	}
	*t = many
	return nil
}

// validator checks decoded answers against one compiled schema.
type validator struct{ root *schemaNode }

func compileSchema(s *Schema) (*validator, error) {
	if s == nil {
		return nil, nil
	}
	if s.Name == "" {
		return nil, fmt.Errorf("llm: schema has no name")
	}
	var root schemaNode
	if err := json.Unmarshal(s.JSON, &root); err != nil {
		return nil, fmt.Errorf("llm: schema %s: %w", s.Name, err)
	}
	return &validator{root: &root}, nil
}

// Validate checks that data is one JSON value matching the schema. It
// returns an *OutputError (errors.Is ErrInvalidOutput) when not.
func (s Schema) Validate(data []byte) error {
	v, err := compileSchema(&s)
	if err != nil {
		return err
	}
	return v.validate(ModeJSONSchema, data)
}

func (v *validator) validate(mode Mode, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var val any
	if err := dec.Decode(&val); err != nil {
		return &OutputError{Mode: mode, Reason: "not JSON: " + err.Error(), Content: string(data)}
	}
	if dec.More() {
		return &OutputError{Mode: mode, Reason: "more than one JSON value", Content: string(data)}
	}
	if reason := v.root.check(val, "$"); reason != "" {
		return &OutputError{Mode: mode, Reason: reason, Content: string(data)}
	}
	return nil
}

// check returns "" when val matches n, or where and why it does not.
func (n *schemaNode) check(val any, path string) string {
	if n == nil {
		return ""
	}
	if len(n.Type) > 0 && !slices.ContainsFunc(n.Type, func(t string) bool { return hasType(val, t) }) {
		return fmt.Sprintf("%s: want %v, got %s", path, []string(n.Type), typeName(val))
	}
	if len(n.Enum) > 0 && !slices.ContainsFunc(n.Enum, func(e any) bool { return sameValue(e, val) }) {
		return fmt.Sprintf("%s: not one of the allowed values", path)
	}
	switch x := val.(type) {
	case map[string]any:
		for _, k := range n.Required {
			if _, ok := x[k]; !ok {
				return fmt.Sprintf("%s.%s: required", path, k)
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the first problem reported is stable
		for _, k := range keys {
			p, ok := n.Properties[k]
			if !ok {
				if n.AdditionalProperties != nil && !*n.AdditionalProperties {
					return fmt.Sprintf("%s.%s: not allowed", path, k)
				}
				continue
			}
			if r := p.check(x[k], path+"."+k); r != "" {
				return r
			}
		}
	case []any:
		if n.MaxItems != nil && len(x) > *n.MaxItems {
			return fmt.Sprintf("%s: %d items, at most %d", path, len(x), *n.MaxItems)
		}
		for i, e := range x {
			if r := n.Items.check(e, path+"["+strconv.Itoa(i)+"]"); r != "" {
				return r
			}
		}
	case string:
		if n.MaxLength != nil && utf8.RuneCountInString(x) > *n.MaxLength {
			return fmt.Sprintf("%s: longer than %d characters", path, *n.MaxLength)
		}
	case json.Number:
		f, _ := x.Float64()
		if n.Minimum != nil && f < *n.Minimum {
			return fmt.Sprintf("%s: below minimum %v", path, *n.Minimum)
		}
		if n.Maximum != nil && f > *n.Maximum {
			return fmt.Sprintf("%s: above maximum %v", path, *n.Maximum)
		}
	}
	return ""
}

func hasType(val any, t string) bool {
	switch t {
	case "object":
		_, ok := val.(map[string]any)
		return ok
	case "array":
		_, ok := val.([]any)
		return ok
	case "string":
		_, ok := val.(string)
		return ok
	case "boolean":
		_, ok := val.(bool)
		return ok
	case "null":
		return val == nil
	case "number":
		_, ok := val.(json.Number)
		return ok
	case "integer":
		n, ok := val.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f)
	}
	return false // an unknown type name never matches, so a typo in a schema shows up in tests
}

func typeName(val any) string {
	switch val.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", val)
}

// sameValue compares an enum entry (decoded without UseNumber) with a value
// from the answer (decoded with it).
func sameValue(enum, val any) bool {
	if n, ok := val.(json.Number); ok {
		f, err := n.Float64()
		e, isNum := enum.(float64)
		return err == nil && isNum && e == f
	}
	switch e := enum.(type) {
	case string, bool, nil:
		return e == val
	}
	return false
}
