package llm_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/agentd/agentd/planner/llm"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

// clock is a settable clock; tests never read the wall clock or zone.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// t0 is a fixed instant: Monday 2026-11-30 10:00 UTC.
var t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

var draftSchema = llm.Schema{Name: "draft", JSON: json.RawMessage(`{
  "type": "object",
  "properties": {
    "subject": {"type": "string", "maxLength": 80},
    "body": {"type": "string"},
    "tone": {"type": "string", "enum": ["formal", "casual"]},
    "items": {"type": "array", "items": {"type": "string"}}
  },
  "required": ["subject", "body", "tone", "items"],
  "additionalProperties": false
}`)}

func draftRequest(text string) llm.Request {
	return llm.Request{
		Purpose: llm.PurposeDraft,
		Messages: []llm.Message{
			{Role: "system", Content: "You write short replies."},
			{Role: "user", Content: "Mail:\n> " + text},
		},
		Schema:    &draftSchema,
		MaxTokens: 200,
	}
}

type fixture struct {
	srv   *llmtest.Server
	p     *llm.Provider
	clock *clock
	logs  *bytes.Buffer
}

func newFixture(t testing.TB, scfg llmtest.Config, mod func(*llm.Config)) *fixture {
	t.Helper()
	f := &fixture{srv: llmtest.New(t, scfg), clock: newClock(t0), logs: &bytes.Buffer{}}
	cfg := llm.Config{
		BaseURL: f.srv.BaseURL(),
		Model:   "test-model",
		APIKey:  scfg.APIKey,
		Timeout: 5 * time.Second,
		Logger:  slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:     f.clock.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := llm.NewProvider(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.p = p
	return f
}
