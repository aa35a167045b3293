package assist

import (
	stdjson "encoding/json"
	"fmt"
	"strings"
)

func json(s string) stdjson.RawMessage { return stdjson.RawMessage(s) }

func decode(content string, v any) error {
	dec := stdjson.NewDecoder(strings.NewReader(content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}
