// Package llmtest is an in-process fake of an OpenAI-compatible server for
// tests of agentd's LLM client and of the planner that uses it.
//
// It speaks the real wire format (GET /v1/models, POST
// /v1/chat/completions with choices[0].message.content, finish_reason,
// usage, id and model), can be told which response_format types it
// supports (a server without json_schema answers 400 naming the parameter,
// as OpenAI, vLLM and llama.cpp do), answers from a scripted Responder
// (by default a minimal object valid for the requested schema), and fails
// on demand. It records every request body so tests can assert what left
// the process: redaction, batching, caching, budget and format fallback.
//
// It does not import package llm, so it checks the client against the wire
// format rather than against the client's own types.
package llmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Formats says which response_format types the fake accepts.
type Formats int

const (
	FormatsAll        Formats = iota // json_schema and json_object (OpenAI, vLLM, recent Ollama)
	FormatsJSONObject                // json_object only: json_schema → 400
	FormatsNone                      // any response_format → 400
)

// Failure is a scripted failure for the next calls to chat/completions.
type Failure int

const (
	FailServerError   Failure = iota + 1 // HTTP 500
	FailRateLimited                      // HTTP 429 with the Retry-After of Config.RetryAfter
	FailUnavailable                      // HTTP 503 with Retry-After
	FailHang                             // no answer until the client gives up
	FailNotJSON                          // 200 whose content is prose, not JSON
	FailWrongShape                       // 200 whose content is JSON missing the required keys
	FailRefusal                          // 200 with message.refusal set
	FailContentFilter                    // 200 with finish_reason content_filter
	FailNoUsage                          // a normal answer without the usage object
	FailBadRequest                       // HTTP 400 about something other than response_format
)

// ChatRequest is the request body as the fake decoded it.
type ChatRequest struct {
	Model          string          `json:"model"`
	Messages       []Message       `json:"messages"`
	MaxTokens      int             `json:"max_tokens"`
	Temperature    *float64        `json:"temperature"`
	ResponseFormat *ResponseFormat `json:"response_format"`
}

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ResponseFormat is the request's response_format.
type ResponseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
		Strict bool            `json:"strict"`
	} `json:"json_schema"`
}

// Schema returns the JSON schema the request asks for: from response_format
// when given, else the first JSON object in a system message that looks like
// a schema (how clients describe it in prompt-only mode), else nil.
func (r ChatRequest) Schema() json.RawMessage {
	if r.ResponseFormat != nil && r.ResponseFormat.JSONSchema != nil {
		return r.ResponseFormat.JSONSchema.Schema
	}
	for _, m := range r.Messages {
		if m.Role != "system" {
			continue
		}
		for i := strings.IndexByte(m.Content, '{'); i >= 0; {
			var s map[string]any
			dec := json.NewDecoder(strings.NewReader(m.Content[i:]))
			if dec.Decode(&s) == nil && s["type"] != nil {
				raw, _ := json.Marshal(s)
				return raw
			}
			j := strings.IndexByte(m.Content[i+1:], '{')
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return nil
}

// Responder returns the assistant's content for a request.
type Responder func(ChatRequest) string

// Config configures the fake. The zero value is a server that supports all
// formats, lists model "test-model" and answers with DefaultResponder.
type Config struct {
	Models     []string // listed by /v1/models; default ["test-model"]
	Formats    Formats
	Responder  Responder
	RetryAfter string // the Retry-After header of 429 and 503; default "7"
	APIKey     string // when set, requests without "Bearer APIKey" get 401
}

// Recorded is one request the fake received.
type Recorded struct {
	Method string
	Path   string
	Body   []byte
	Auth   bool // an Authorization header was present
	Chat   ChatRequest
}

// Server is the fake. All methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	cfg Config

	mu               sync.Mutex
	failures         []Failure
	requests         []Recorded
	calls            int
	promptTokens     int
	completionTokens int
	seq              int
}

// New starts a fake server and closes it when tb's test ends.
func New(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	if len(cfg.Models) == 0 {
		cfg.Models = []string{"test-model"}
	}
	if cfg.Responder == nil {
		cfg.Responder = DefaultResponder
	}
	if cfg.RetryAfter == "" {
		cfg.RetryAfter = "7"
	}
	s := &Server{cfg: cfg}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	tb.Cleanup(s.Close)
	return s
}

// BaseURL is what a client's base URL setting would hold: ".../v1".
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// SetFormats changes which response_format types are accepted.
func (s *Server) SetFormats(f Formats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Formats = f
}

// SetResponder replaces the responder.
func (s *Server) SetResponder(r Responder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Responder = r
}

// FailNext makes the next n chat calls fail with f (after those already
// queued).
func (s *Server) FailNext(n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, f)
	}
}

// Calls is the number of chat/completions requests received, including
// rejected ones.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Tokens is the prompt and completion tokens answered so far (4 bytes a
// token, counted over message contents and answers).
func (s *Server) Tokens() (prompt, completion int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.promptTokens, s.completionTokens
}

// Requests returns copies of every request received, oldest first.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Recorded, len(s.requests))
	copy(out, s.requests)
	return out
}

// ChatRequests returns the decoded chat/completions requests, oldest first.
func (s *Server) ChatRequests() []ChatRequest {
	var out []ChatRequest
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/chat/completions") {
			out = append(out, r.Chat)
		}
	}
	return out
}

// Tokens4 is the fake's token count: 4 bytes a token, rounded up.
func Tokens4(n int) int { return (n + 3) / 4 }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, msg, param string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": msg, "type": "invalid_request_error", "param": param, "code": nil,
	}})
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	_, _ = body.ReadFrom(r.Body)
	rec := Recorded{Method: r.Method, Path: r.URL.Path, Body: body.Bytes(), Auth: r.Header.Get("Authorization") != ""}
	if s.cfg.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.cfg.APIKey {
		s.record(rec)
		apiError(w, http.StatusUnauthorized, "Incorrect API key provided.", "")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		s.record(rec)
		var data []map[string]any
		for _, m := range s.cfg.Models {
			data = append(data, map[string]any{"id": m, "object": "model", "owned_by": "llmtest"})
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
		s.chat(w, r, rec)
	default:
		s.record(rec)
		http.NotFound(w, r)
	}
}

func (s *Server) record(rec Recorded) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rec)
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request, rec Recorded) {
	if err := json.Unmarshal(rec.Body, &rec.Chat); err != nil {
		s.record(rec)
		apiError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.", "")
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.calls++
	s.seq++
	seq := s.seq
	formats, responder := s.cfg.Formats, s.cfg.Responder
	var fail Failure
	if len(s.failures) > 0 {
		fail, s.failures = s.failures[0], s.failures[1:]
	}
	s.mu.Unlock()

	if rf := rec.Chat.ResponseFormat; rf != nil {
		switch {
		case formats == FormatsNone:
			apiError(w, http.StatusBadRequest, fmt.Sprintf("Invalid parameter: 'response_format' of type '%s' is not supported with this model.", rf.Type), "response_format")
			return
		case formats == FormatsJSONObject && rf.Type == "json_schema":
			apiError(w, http.StatusBadRequest, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", "response_format")
			return
		}
	}
	switch fail {
	case FailServerError:
		apiError(w, http.StatusInternalServerError, "The server had an error while processing your request.", "")
		return
	case FailRateLimited, FailUnavailable:
		w.Header().Set("Retry-After", s.cfg.RetryAfter)
		status := http.StatusTooManyRequests
		if fail == FailUnavailable {
			status = http.StatusServiceUnavailable
		}
		apiError(w, status, "Rate limit reached.", "")
		return
	case FailHang:
		<-r.Context().Done()
		return
	case FailBadRequest:
		apiError(w, http.StatusBadRequest, "max_tokens is too large.", "max_tokens")
		return
	}

	content := responder(rec.Chat)
	var refusal any
	finish := "stop"
	switch fail {
	case FailNotJSON:
		content = "Sure! Here is what you asked for: the answer is yes."
	case FailWrongShape:
		content = `{"unexpected": true}`
	case FailRefusal:
		refusal, content = "I can't help with that.", ""
	case FailContentFilter:
		finish, content = "content_filter", ""
	}
	in := 0
	for _, m := range rec.Chat.Messages {
		in += len(m.Content)
	}
	pt, ct := Tokens4(in), Tokens4(len(content))
	s.mu.Lock()
	s.promptTokens += pt
	s.completionTokens += ct
	s.mu.Unlock()

	msg := map[string]any{"role": "assistant", "content": content}
	if refusal != nil {
		msg["refusal"] = refusal
		msg["content"] = nil
	}
	resp := map[string]any{
		"id":      fmt.Sprintf("chatcmpl-llmtest-%d", seq),
		"object":  "chat.completion",
		"created": 0,
		"model":   rec.Chat.Model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
	}
	if fail != FailNoUsage {
		resp["usage"] = map[string]int{"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}
	}
	writeJSON(w, http.StatusOK, resp)
}

// DefaultResponder answers with a minimal object valid for the request's
// schema (see ChatRequest.Schema), or "{}" when there is none and the
// request wants JSON, or "ok" for free text.
func DefaultResponder(req ChatRequest) string {
	schema := req.Schema()
	if schema == nil {
		if req.ResponseFormat != nil {
			return "{}"
		}
		return "ok"
	}
	var s map[string]any
	if err := json.Unmarshal(schema, &s); err != nil {
		return "{}"
	}
	out, _ := json.Marshal(Minimal(s))
	return string(out)
}

// Minimal builds the smallest value valid for a JSON schema (decoded into
// map[string]any): required properties only, the first enum value, empty
// strings and arrays, zero numbers.
func Minimal(schema map[string]any) any {
	if e, ok := schema["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	t := schema["type"]
	if list, ok := t.([]any); ok && len(list) > 0 {
		t = list[0]
	}
	switch t {
	case "object":
		obj := map[string]any{}
		props, _ := schema["properties"].(map[string]any)
		req, _ := schema["required"].([]any)
		for _, k := range req {
			name, _ := k.(string)
			p, _ := props[name].(map[string]any)
			obj[name] = Minimal(p)
		}
		return obj
	case "array":
		return []any{}
	case "string":
		return ""
	case "number", "integer":
		return 0
	case "boolean":
		return false
	}
	return nil
}
