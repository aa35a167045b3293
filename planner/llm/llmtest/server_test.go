package llmtest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/agentd/agentd/planner/llm/llmtest"
)

func post(t *testing.T, s *llmtest.Server, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(s.BaseURL()+"/chat/completions", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestWireFormat(t *testing.T) {
	const schema = `{"type":"object","properties":{"ok":{"type":"boolean"},"kind":{"type":"string","enum":["x","y"]}},"required":["ok","kind"]}`
	withSchema := `{"model":"m","messages":[{"role":"user","content":"12345678"}],"response_format":{"type":"json_schema","json_schema":{"name":"t","schema":` + schema + `,"strict":true}}}`
	inPrompt := `{"model":"m","messages":[{"role":"system","content":"Answer JSON matching: ` + jsonEscape(schema) + `"},{"role":"user","content":"hi"}]}`
	tests := map[string]struct {
		formats     llmtest.Formats
		body        string
		wantStatus  int
		wantContent string
	}{
		"json_schema":                 {body: withSchema, wantStatus: 200, wantContent: `{"kind":"x","ok":false}`},
		"json_schema unsupported":     {formats: llmtest.FormatsJSONObject, body: withSchema, wantStatus: 400},
		"no response_format accepted": {formats: llmtest.FormatsNone, body: withSchema, wantStatus: 400},
		"schema found in the prompt":  {formats: llmtest.FormatsNone, body: inPrompt, wantStatus: 200, wantContent: `{"kind":"x","ok":false}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := llmtest.New(t, llmtest.Config{Formats: tc.formats})
			status, out := post(t, s, tc.body)
			if status != tc.wantStatus {
				t.Fatalf("status %d: %v", status, out)
			}
			if status != 200 {
				if e, _ := out["error"].(map[string]any); e["param"] != "response_format" {
					t.Errorf("error %v does not name response_format", out)
				}
				return
			}
			ch := out["choices"].([]any)[0].(map[string]any)
			if c := ch["message"].(map[string]any)["content"]; c != tc.wantContent || ch["finish_reason"] != "stop" {
				t.Errorf("choice %v", ch)
			}
			if out["id"] == "" || out["model"] != "m" || out["usage"] == nil {
				t.Errorf("response %v", out)
			}
			if s.Calls() != 1 || len(s.Requests()) != 1 {
				t.Errorf("calls %d", s.Calls())
			}
		})
	}
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
