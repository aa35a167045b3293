package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/agentd/agentd/internal/redact"
)

// Purpose says what a call is for; it is part of the cache key and of the
// egress ledger, and lets the app pick a model or a budget per purpose.
type Purpose string

const (
	PurposeDraft     Purpose = "draft"     // a reply the user may send
	PurposeJudgement Purpose = "judgement" // ranking or classifying ambiguous candidates
	PurposeSummary   Purpose = "summary"   // digest prose, thread summaries
)

// Mode is how structured output is asked for. Lower modes are stronger:
// the server enforces the schema in ModeJSONSchema, only JSON syntax in
// ModeJSONObject, and nothing in ModePrompt, where the schema is described
// in the system prompt and the answer is checked here.
type Mode int32

const (
	ModeJSONSchema Mode = iota // response_format {type: json_schema, strict: true}
	ModeJSONObject             // response_format {type: json_object}
	ModePrompt                 // no response_format; the schema is in the prompt
	ModeText                   // the request had no schema; the answer is free text
)

func (m Mode) String() string {
	switch m {
	case ModeJSONSchema:
		return "json_schema"
	case ModeJSONObject:
		return "json_object"
	case ModePrompt:
		return "prompt"
	case ModeText:
		return "text"
	}
	return fmt.Sprintf("Mode(%d)", int32(m))
}

// MarshalText makes modes readable in JSON (cache entries, check output).
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses what MarshalText wrote.
func (m *Mode) UnmarshalText(b []byte) error {
	for c := ModeJSONSchema; c <= ModeText; c++ {
		if c.String() == string(b) {
			*m = c
			return nil
		}
	}
	return fmt.Errorf("llm: unknown mode %q", b)
}

// Message is one chat message. Mail text belongs in a user message, quoted
// as data, never in the system prompt.
type Message struct {
	Role    string `json:"role"` // system, user or assistant
	Content string `json:"content"`
}

// Request is one completion.
type Request struct {
	Purpose     Purpose
	Messages    []Message
	Schema      *Schema // nil: free text (ModeText), not validated
	MaxTokens   int     // 0: the server's default
	Temperature *float64

	// Items names what the request concerns (event or suggestion ids) and
	// Redactions counts what the redactor removed, by class ("email",
	// "phone", "iban" …). Both only feed the egress ledger; they are not
	// sent and not part of the cache key.
	Items      []string
	Redactions map[string]int
}

// Usage is what a call cost in tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	// Estimated is true when the server sent no usage and the numbers are
	// bytes/4 (see EstimateTokens).
	Estimated bool `json:"estimated,omitempty"`
}

// Total is prompt plus completion tokens, what budgets count.
func (u Usage) Total() int { return u.PromptTokens + u.CompletionTokens }

// Response is one completion's answer. On error, Provider.Complete still
// fills BytesOut, BytesIn, Attempts and Mode so the egress ledger records what
// left the machine.
type Response struct {
	Content      string        `json:"content"` // the JSON text (or free text in ModeText)
	Usage        Usage         `json:"usage"`
	Model        string        `json:"model"` // as the server reported it
	ID           string        `json:"id,omitempty"`
	FinishReason string        `json:"finish_reason,omitempty"`
	Mode         Mode          `json:"mode"`
	Latency      time.Duration `json:"latency"`
	BytesOut     int           `json:"bytes_out"` // request bodies sent, over all attempts
	BytesIn      int           `json:"bytes_in"`  // response bodies received
	Attempts     int           `json:"attempts"`  // HTTP requests made (more than one after a format fallback)
	Cached       bool          `json:"cached,omitempty"`
}

// EstimateTokens is the rule of thumb used when a server does not report
// usage: about four bytes per token for English text with common tokenizers.
// It errs high for code and low for CJK text; budgets only need the order of
// magnitude.
func EstimateTokens(bytes int) int { return (bytes + 3) / 4 }

// Completer is what Client composes; Provider implements it, and tests of
// callers may substitute their own.
type Completer interface {
	Complete(ctx context.Context, req Request) (Response, error)
}

// Config configures a Provider. Zero values mean the defaults.
type Config struct {
	BaseURL string // e.g. http://localhost:11434/v1; must not contain credentials
	Model   string
	// APIKey is sent as a bearer token. It is resolved by the caller (from an
	// environment variable, a file or a command) and never logged.
	APIKey     string
	Timeout    time.Duration // per HTTP request; default 2 minutes (CPU-only local models are slow)
	HTTPClient *http.Client  // default: a client without timeout (Timeout applies per request)
	Logger     *slog.Logger  // default: discard
	Now        func() time.Time
	// StartMode is the first structured-output mode tried; the default is
	// ModeJSONSchema. The app may persist Provider.Mode and pass it back.
	StartMode Mode
}

// DefaultTimeout is the per-request timeout when Config.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// maxResponseBytes caps what is read from the server; an answer of a few
// thousand tokens is far smaller.
const maxResponseBytes = 4 << 20

// Provider talks to one OpenAI-compatible endpoint with one model. It is
// safe for concurrent use.
type Provider struct {
	base    string
	host    string
	model   string
	apiKey  string
	timeout time.Duration
	hc      *http.Client
	log     *slog.Logger
	now     func() time.Time
	mode    atomic.Int32 // the strongest structured-output mode known to work
}

// NewProvider checks cfg and returns a Provider. It makes no request.
func NewProvider(cfg Config) (*Provider, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: base URL must be an http(s) URL like http://localhost:11434/v1")
	}
	if u.User != nil {
		// Keys in URLs end up in logs and ledgers; the key has its own field.
		return nil, fmt.Errorf("llm: base URL %s must not contain credentials; use the api key setting", u.Host)
	}
	if cfg.Model == "" {
		return nil, fmt.Errorf("llm %s: no model", u.Host)
	}
	if cfg.StartMode < ModeJSONSchema || cfg.StartMode > ModePrompt {
		return nil, fmt.Errorf("llm %s: start mode %s is not a structured-output mode", u.Host, cfg.StartMode)
	}
	p := &Provider{
		base:    u.String(),
		host:    u.Host,
		model:   cfg.Model,
		apiKey:  cfg.APIKey,
		timeout: cfg.Timeout,
		hc:      cfg.HTTPClient,
		log:     cfg.Logger,
		now:     cfg.Now,
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.hc == nil {
		p.hc = &http.Client{}
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.log = p.log.With("llm", p.host, "model", p.model)
	p.mode.Store(int32(cfg.StartMode))
	return p, nil
}

// Host is the endpoint's host:port, for logs and the egress ledger.
func (p *Provider) Host() string { return p.host }

// Model is the configured model name.
func (p *Provider) Model() string { return p.model }

// Mode is the strongest structured-output mode known to work with this
// endpoint so far.
func (p *Provider) Mode() Mode { return Mode(p.mode.Load()) }

// degrade records that mode failed, so the next call starts at next.
func (p *Provider) degrade(from, to Mode, why string) {
	if p.mode.CompareAndSwap(int32(from), int32(to)) {
		p.log.Info("llm structured output falls back", "from", from.String(), "to", to.String(), "why", why)
	}
}

// Wire types of the chat completions API, only the fields we use.
type (
	chatRequest struct {
		Model          string          `json:"model"`
		Messages       []Message       `json:"messages"`
		MaxTokens      int             `json:"max_tokens,omitempty"`
		Temperature    *float64        `json:"temperature,omitempty"`
		ResponseFormat *responseFormat `json:"response_format,omitempty"`
		Stream         bool            `json:"stream"`
	}
	responseFormat struct {
		Type       string      `json:"type"`
		JSONSchema *jsonSchema `json:"json_schema,omitempty"`
	}
	jsonSchema struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
		Strict bool            `json:"strict"`
	}
	chatResponse struct {
		ID      string `json:"id"`
		Model   string `json:"model"`
		Choices []struct {
			Message struct {
				Content *string `json:"content"`
				Refusal *string `json:"refusal"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage *Usage `json:"usage"`
	}
)

// schemaPrompt tells the model the answer's shape when the server cannot
// enforce it. It mentions "JSON" because OpenAI rejects json_object requests
// whose messages do not.
func schemaPrompt(s *Schema) string {
	var b strings.Builder
	b.WriteString("Answer with one JSON object and nothing else: no prose, no code fences. ")
	b.WriteString("It must match this JSON schema:\n")
	var compact bytes.Buffer
	if json.Compact(&compact, s.JSON) == nil {
		b.Write(compact.Bytes())
	} else {
		b.Write(s.JSON)
	}
	return b.String()
}

func (p *Provider) body(req Request, mode Mode) ([]byte, error) {
	cr := chatRequest{
		Model:       p.model,
		Messages:    req.Messages,
		MaxTokens:   req.MaxTokens,
		Temperature: req.Temperature,
	}
	switch mode {
	case ModeJSONSchema:
		cr.ResponseFormat = &responseFormat{Type: "json_schema", JSONSchema: &jsonSchema{
			Name: req.Schema.Name, Schema: req.Schema.JSON, Strict: true,
		}}
	case ModeJSONObject:
		cr.ResponseFormat = &responseFormat{Type: "json_object"}
	}
	if mode == ModeJSONObject || mode == ModePrompt {
		// json_object guarantees syntax only; the shape has to be asked for.
		msgs := make([]Message, 0, len(req.Messages)+1)
		msgs = append(msgs, Message{Role: "system", Content: schemaPrompt(req.Schema)})
		cr.Messages = append(msgs, req.Messages...)
	}
	return json.Marshal(cr)
}

// Complete sends req, falling back through the structured-output modes as
// the server requires, and returns the validated answer. Errors are an
// *Error (HTTP or transport; see Retryable), an *OutputError (errors.Is
// ErrInvalidOutput), ErrRefused, or the context's error.
//
// Complete makes at most three requests, and more than one only while
// discovering the server's structured-output support; it never retries a
// failure (see the package comment).
func (p *Provider) Complete(ctx context.Context, req Request) (Response, error) {
	var res Response
	if len(req.Messages) == 0 {
		return res, fmt.Errorf("llm %s: request has no messages", p.host)
	}
	v, err := compileSchema(req.Schema)
	if err != nil {
		return res, err
	}
	start := p.now()
	defer func() { res.Latency = p.now().Sub(start) }()

	mode := ModeText
	if req.Schema != nil {
		mode = p.Mode()
	}
	for {
		res.Mode = mode
		body, err := p.body(req, mode)
		if err != nil {
			return res, fmt.Errorf("llm %s: encode request: %w", p.host, err)
		}
		res.Attempts++
		res.BytesOut += len(body)
		status, header, raw, err := p.post(ctx, body)
		res.BytesIn += len(raw)
		if err != nil {
			return res, err
		}
		if status != http.StatusOK {
			msg := errorMessage(raw)
			if mode < ModePrompt && (status == http.StatusBadRequest || status == http.StatusUnprocessableEntity) && mentionsFormat(msg) {
				p.degrade(mode, mode+1, fmt.Sprintf("HTTP %d: %s", status, msg))
				mode++
				continue
			}
			e := &Error{Host: p.host, Status: status, Message: msg, Retryable: statusRetryable(status)}
			if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
				e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), p.now())
			}
			return res, e
		}
		var cr chatResponse
		if err := json.Unmarshal(raw, &cr); err != nil || len(cr.Choices) == 0 {
			// A 200 that is not a chat completion: a proxy's HTML page, a
			// wrong base URL. Not worth retrying.
			return res, &Error{Host: p.host, Status: status, Message: "answer is not a chat completion (is the base URL right?)"}
		}
		ch := cr.Choices[0]
		res.ID, res.Model, res.FinishReason = cr.ID, cr.Model, ch.FinishReason
		content := ""
		if ch.Message.Content != nil {
			content = *ch.Message.Content
		}
		if cr.Usage != nil && cr.Usage.Total() > 0 {
			res.Usage = Usage{PromptTokens: cr.Usage.PromptTokens, CompletionTokens: cr.Usage.CompletionTokens}
		} else {
			res.Usage = estimateUsage(body, content)
		}
		if ch.Message.Refusal != nil && *ch.Message.Refusal != "" {
			return res, fmt.Errorf("llm %s: %w", p.host, ErrRefused)
		}
		if ch.FinishReason == "content_filter" {
			return res, fmt.Errorf("llm %s: %w (content filter)", p.host, ErrRefused)
		}
		if mode == ModeText {
			res.Content = content
			return res, nil
		}
		text := extractJSON(content)
		if !json.Valid([]byte(text)) {
			if mode < ModePrompt && ch.FinishReason != "length" {
				// The server took response_format but ignored it: try the
				// next mode, which also puts the schema in the prompt.
				p.degrade(mode, mode+1, "answer was not JSON")
				mode++
				continue
			}
			reason := "not JSON"
			if ch.FinishReason == "length" {
				reason = "not JSON (cut off at max_tokens)"
			}
			return res, &OutputError{Mode: mode, Reason: reason, Content: content}
		}
		if err := v.validate(mode, []byte(text)); err != nil {
			return res, err
		}
		res.Content = text
		return res, nil
	}
}

// estimateUsage counts bytes of what the model read and wrote; the request
// body's JSON punctuation is a fair stand-in for the chat template's tokens.
func estimateUsage(body []byte, content string) Usage {
	return Usage{PromptTokens: EstimateTokens(len(body)), CompletionTokens: EstimateTokens(len(content)), Estimated: true}
}

// extractJSON strips what models in prompt mode like to wrap JSON in: code
// fences and a sentence before or after the object.
func extractJSON(s string) string {
	s = strings.TrimSpace(s)
	if json.Valid([]byte(s)) {
		return s
	}
	if i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}'); i >= 0 && j > i {
		if inner := s[i : j+1]; json.Valid([]byte(inner)) {
			return inner
		}
	}
	return s
}

// mentionsFormat recognises a server's complaint about response_format.
// The wording differs (OpenAI: "Invalid parameter: 'response_format' of type
// 'json_schema' is not supported with this model", vLLM and llama.cpp name
// json_schema or the grammar), but all of them name the parameter.
func mentionsFormat(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range []string{"response_format", "json_schema", "json_object", "response format", "structured output"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// errorMessage digs the message out of an error body: {"error": {"message":
// …}} (OpenAI, vLLM), {"error": "…"} (Ollama, LocalAI) or plain text.
func errorMessage(raw []byte) string {
	var withObj struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	var withStr struct {
		Error string `json:"error"`
	}
	msg := ""
	switch {
	case json.Unmarshal(raw, &withObj) == nil && withObj.Error.Message != "":
		msg = withObj.Error.Message
	case json.Unmarshal(raw, &withStr) == nil && withStr.Error != "":
		msg = withStr.Error
	default:
		msg = string(raw)
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// post sends one request with the per-request timeout.
func (p *Provider) post(ctx context.Context, body []byte) (int, http.Header, []byte, error) {
	return p.do(ctx, http.MethodPost, "/chat/completions", body)
}

func (p *Provider) do(ctx context.Context, method, path string, body []byte) (int, http.Header, []byte, error) {
	rctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(rctx, method, p.base+path, rd)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("llm %s: %w", p.host, err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("Accept", "application/json")
	if p.apiKey != "" {
		hr.Header.Set("Authorization", "Bearer "+p.apiKey)
	}
	resp, err := p.hc.Do(hr)
	if err != nil {
		return 0, nil, nil, p.transportError(ctx, rctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return resp.StatusCode, resp.Header, raw, p.transportError(ctx, rctx, err)
	}
	return resp.StatusCode, resp.Header, raw, nil
}

// transportError tells our own timeout (retryable) from the caller giving
// up (its context error, returned as is so shutdown is not logged as an
// LLM failure).
func (p *Provider) transportError(parent, rctx context.Context, err error) error {
	if parent.Err() != nil {
		return fmt.Errorf("llm %s: %w", p.host, parent.Err())
	}
	if errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return &Error{Host: p.host, Retryable: true, Err: fmt.Errorf("no answer within %s: %w", p.timeout, context.DeadlineExceeded)}
	}
	// The error text of *url.Error repeats the URL: NewProvider refuses
	// user info, and redact.Error masks a key passed in the query.
	return &Error{Host: p.host, Retryable: true, Err: redact.Error(err)}
}
