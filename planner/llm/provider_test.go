package llm_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/planner/llm"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

func TestFormatFallback(t *testing.T) {
	tests := map[string]struct {
		formats   llmtest.Formats
		fail      llmtest.Failure // first call only
		wantMode  llm.Mode
		wantCalls int      // for the first Complete
		wantTypes []string // response_format.type of each request; "" = none
	}{
		"server with json_schema": {
			formats: llmtest.FormatsAll, wantMode: llm.ModeJSONSchema, wantCalls: 1,
			wantTypes: []string{"json_schema"},
		},
		"server with only json_object": {
			formats: llmtest.FormatsJSONObject, wantMode: llm.ModeJSONObject, wantCalls: 2,
			wantTypes: []string{"json_schema", "json_object"},
		},
		"server with no response_format": {
			formats: llmtest.FormatsNone, wantMode: llm.ModePrompt, wantCalls: 3,
			wantTypes: []string{"json_schema", "json_object", ""},
		},
		"server that ignores response_format and answers prose": {
			formats: llmtest.FormatsAll, fail: llmtest.FailNotJSON, wantMode: llm.ModeJSONObject, wantCalls: 2,
			wantTypes: []string{"json_schema", "json_object"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, llmtest.Config{Formats: tc.formats}, nil)
			if tc.fail != 0 {
				f.srv.FailNext(1, tc.fail)
			}
			res, err := f.p.Complete(t.Context(), draftRequest("Can we meet Tuesday?"))
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if res.Mode != tc.wantMode || res.Attempts != tc.wantCalls || f.srv.Calls() != tc.wantCalls {
				t.Fatalf("mode %s attempts %d calls %d, want %s %d", res.Mode, res.Attempts, f.srv.Calls(), tc.wantMode, tc.wantCalls)
			}
			if err := draftSchema.Validate([]byte(res.Content)); err != nil {
				t.Errorf("content %s: %v", res.Content, err)
			}
			reqs := f.srv.ChatRequests()
			for i, want := range tc.wantTypes {
				got := ""
				if rf := reqs[i].ResponseFormat; rf != nil {
					got = rf.Type
				}
				if got != want {
					t.Errorf("request %d response_format %q, want %q", i, got, want)
				}
			}
			last := reqs[len(reqs)-1]
			if tc.wantMode != llm.ModeJSONSchema {
				// Without server-side schemas the schema must be in the prompt.
				if last.Messages[0].Role != "system" || !strings.Contains(last.Messages[0].Content, `"tone"`) {
					t.Errorf("schema not described in the system prompt: %+v", last.Messages[0])
				}
			}
			// The mode is remembered: the next call costs one request.
			if _, err := f.p.Complete(t.Context(), draftRequest("And Wednesday?")); err != nil {
				t.Fatal(err)
			}
			if got := f.srv.Calls(); got != tc.wantCalls+1 {
				t.Errorf("second call made %d requests, want 1", got-tc.wantCalls)
			}
			if f.p.Mode() != tc.wantMode {
				t.Errorf("remembered mode %s, want %s", f.p.Mode(), tc.wantMode)
			}
		})
	}
}

func TestCompleteErrors(t *testing.T) {
	httpDate := t0.Add(90 * time.Second).Format(http.TimeFormat)
	tests := map[string]struct {
		fail       llmtest.Failure
		retryAfter string
		timeout    time.Duration
		wantIs     error
		wantStatus int
		retryable  bool
		wantDelay  time.Duration
	}{
		"500":                       {fail: llmtest.FailServerError, wantStatus: 500, retryable: true},
		"429 retry-after seconds":   {fail: llmtest.FailRateLimited, retryAfter: "7", wantStatus: 429, retryable: true, wantDelay: 7 * time.Second},
		"429 retry-after http date": {fail: llmtest.FailRateLimited, retryAfter: httpDate, wantStatus: 429, retryable: true, wantDelay: 90 * time.Second},
		"503 retry-after":           {fail: llmtest.FailUnavailable, retryAfter: "30", wantStatus: 503, retryable: true, wantDelay: 30 * time.Second},
		"400 is permanent":          {fail: llmtest.FailBadRequest, wantStatus: 400},
		"timeout":                   {fail: llmtest.FailHang, timeout: 50 * time.Millisecond, wantIs: context.DeadlineExceeded, retryable: true},
		"refusal":                   {fail: llmtest.FailRefusal, wantIs: llm.ErrRefused},
		"content filter":            {fail: llmtest.FailContentFilter, wantIs: llm.ErrRefused},
		"wrong shape":               {fail: llmtest.FailWrongShape, wantIs: llm.ErrInvalidOutput},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, llmtest.Config{RetryAfter: tc.retryAfter}, func(c *llm.Config) {
				if tc.timeout != 0 {
					c.Timeout = tc.timeout
				}
			})
			f.srv.FailNext(1, tc.fail)
			res, err := f.p.Complete(t.Context(), draftRequest("hello"))
			if err == nil {
				t.Fatalf("no error; content %q", res.Content)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v is not %v", err, tc.wantIs)
			}
			var e *llm.Error
			if tc.wantStatus != 0 && (!errors.As(err, &e) || e.Status != tc.wantStatus) {
				t.Errorf("error %v: want HTTP %d", err, tc.wantStatus)
			}
			retry, delay := llm.IsRetryable(err)
			if retry != tc.retryable || delay != tc.wantDelay {
				t.Errorf("IsRetryable = %v %s, want %v %s (err %v)", retry, delay, tc.retryable, tc.wantDelay, err)
			}
			if res.Attempts != 1 || f.srv.Calls() != 1 {
				t.Errorf("%d attempts, %d calls: failures must not be retried or trigger a fallback", res.Attempts, f.srv.Calls())
			}
			if f.p.Mode() != llm.ModeJSONSchema {
				t.Errorf("mode degraded to %s by a failure unrelated to the format", f.p.Mode())
			}
		})
	}
}

func TestUsage(t *testing.T) {
	tests := map[string]struct {
		fail          llmtest.Failure
		wantEstimated bool
	}{
		"reported by the server": {},
		"missing: estimated":     {fail: llmtest.FailNoUsage, wantEstimated: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, llmtest.Config{}, nil)
			if tc.fail != 0 {
				f.srv.FailNext(1, tc.fail)
			}
			res, err := f.p.Complete(t.Context(), draftRequest(strings.Repeat("lorem ipsum ", 100)))
			if err != nil {
				t.Fatal(err)
			}
			if res.Usage.Estimated != tc.wantEstimated {
				t.Errorf("estimated = %v", res.Usage.Estimated)
			}
			if tc.wantEstimated {
				if want := llm.EstimateTokens(res.BytesOut); res.Usage.PromptTokens != want {
					t.Errorf("prompt tokens %d, want bytes/4 = %d", res.Usage.PromptTokens, want)
				}
				if want := llm.EstimateTokens(len(res.Content)); res.Usage.CompletionTokens != want {
					t.Errorf("completion tokens %d, want %d", res.Usage.CompletionTokens, want)
				}
			} else {
				pt, ct := f.srv.Tokens()
				if res.Usage.PromptTokens != pt || res.Usage.CompletionTokens != ct {
					t.Errorf("usage %+v, server counted %d/%d", res.Usage, pt, ct)
				}
			}
			if res.Usage.PromptTokens < 300 {
				t.Errorf("prompt tokens %d: too few for 1200 bytes", res.Usage.PromptTokens)
			}
		})
	}
}

func TestAPIKeyIsSentButNeverShown(t *testing.T) {
	const key = "sk-secret-123456"
	f := newFixture(t, llmtest.Config{APIKey: key}, nil)
	if _, err := f.p.Complete(t.Context(), draftRequest("hi")); err != nil {
		t.Fatal(err)
	}
	f.srv.FailNext(1, llmtest.FailServerError)
	_, err := f.p.Complete(t.Context(), draftRequest("again"))
	f.srv.SetFormats(llmtest.FormatsNone) // a fallback gets logged
	f.p.Complete(t.Context(), draftRequest("third"))
	pr := f.p.Probe(t.Context())
	for what, s := range map[string]string{"error": err.Error(), "logs": f.logs.String(), "probe": strings.Join([]string{pr.Host, pr.Model}, " ")} {
		if strings.Contains(s, key) {
			t.Errorf("key in %s: %s", what, s)
		}
	}
	if !f.srv.Requests()[0].Auth {
		t.Error("no Authorization header sent")
	}

	wrong := newFixture(t, llmtest.Config{APIKey: key}, func(c *llm.Config) { c.APIKey = "sk-wrong" })
	_, err = wrong.p.Complete(t.Context(), draftRequest("hi"))
	if retry, _ := llm.IsRetryable(err); retry || err == nil || strings.Contains(err.Error(), "sk-wrong") {
		t.Errorf("wrong key: %v (retryable %v)", err, retry)
	}
}

func TestNewProviderRejects(t *testing.T) {
	tests := map[string]llm.Config{
		"no model":           {BaseURL: "http://localhost:11434/v1"},
		"not a URL":          {BaseURL: "localhost:11434", Model: "m"},
		"credentials in URL": {BaseURL: "https://user:sk-1@api.example/v1", Model: "m"},
		"text as start mode": {BaseURL: "http://localhost:11434/v1", Model: "m", StartMode: llm.ModeText},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := llm.NewProvider(cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "sk-1") {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}

func TestFreeText(t *testing.T) {
	f := newFixture(t, llmtest.Config{}, nil)
	res, err := f.p.Complete(t.Context(), llm.Request{Purpose: llm.PurposeSummary, Messages: []llm.Message{{Role: "user", Content: "Summarise."}}})
	if err != nil || res.Content != "ok" || res.Mode != llm.ModeText {
		t.Fatalf("%+v %v", res, err)
	}
	if f.srv.ChatRequests()[0].ResponseFormat != nil {
		t.Error("free text request sent a response_format")
	}
}

func TestProbe(t *testing.T) {
	tests := map[string]struct {
		formats    llmtest.Formats
		model      string
		closed     bool
		wantReach  bool
		wantListed bool
		wantJSON   bool
		wantMode   llm.Mode
	}{
		"all good":         {model: "test-model", wantReach: true, wantListed: true, wantJSON: true, wantMode: llm.ModeJSONSchema},
		"json_object only": {formats: llmtest.FormatsJSONObject, model: "test-model", wantReach: true, wantListed: true, wantJSON: true, wantMode: llm.ModeJSONObject},
		"model not listed": {model: "llama9", wantReach: true, wantJSON: true, wantMode: llm.ModeJSONSchema},
		"server not there": {model: "test-model", closed: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, llmtest.Config{Formats: tc.formats}, func(c *llm.Config) { c.Model = tc.model })
			if tc.closed {
				f.srv.Close()
			}
			r := f.p.Probe(t.Context())
			if r.Reachable != tc.wantReach || r.ModelListed != tc.wantListed || r.JSONWorks != tc.wantJSON {
				t.Fatalf("probe %+v", r)
			}
			if tc.wantJSON && r.Mode != tc.wantMode {
				t.Errorf("mode %s, want %s", r.Mode, tc.wantMode)
			}
			if !tc.wantJSON && r.Err == nil {
				t.Error("no error reported")
			}
			if tc.wantReach && len(r.Models) != 1 {
				t.Errorf("models %v", r.Models)
			}
		})
	}
}
