package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// ProbeResult is what `agentd check` prints about the LLM endpoint. It never
// contains the API key.
type ProbeResult struct {
	Host        string
	Model       string
	Reachable   bool     // GET /models answered (any HTTP status)
	ModelListed bool     // the model is among those listed
	Models      []string // what /models listed, for "did you mean"
	ModelsErr   error    // why the list could not be read (some servers have no /models)
	JSONWorks   bool     // the tiny structured call succeeded
	Mode        Mode     // the structured-output mode that worked
	Latency     time.Duration
	Usage       Usage
	Err         error // why the structured call failed
}

// probeSchema is the smallest useful structured answer.
var probeSchema = Schema{Name: "probe", JSON: json.RawMessage(
	`{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"],"additionalProperties":false}`)}

// Probe checks the endpoint the way a person would: is it there, does it
// know the model, and can it answer JSON. The structured call goes through
// the same fallback as Complete, so afterwards Mode reflects what works. It
// bypasses Budget and the ledger's callers: the app should record it if it
// wants check runs to show in the ledger (it sends no personal data).
func (p *Provider) Probe(ctx context.Context) ProbeResult {
	r := ProbeResult{Host: p.host, Model: p.model}
	status, _, raw, err := p.do(ctx, http.MethodGet, "/models", nil)
	switch {
	case err != nil:
		r.ModelsErr = err
		r.Err = err
		return r // not reachable: the chat call would fail the same way
	case status != http.StatusOK:
		r.Reachable = true
		r.ModelsErr = &Error{Host: p.host, Status: status, Message: errorMessage(raw), Retryable: statusRetryable(status)}
	default:
		r.Reachable = true
		var list struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			r.ModelsErr = fmt.Errorf("llm %s: /models is not a model list: %w", p.host, err)
			break
		}
		for _, m := range list.Data {
			r.Models = append(r.Models, m.ID)
		}
		r.ModelListed = slices.Contains(r.Models, p.model)
	}

	t := 0.0
	res, err := p.Complete(ctx, Request{
		Purpose:     PurposeJudgement,
		Messages:    []Message{{Role: "user", Content: `Reply with the JSON object {"ok": true}.`}},
		Schema:      &probeSchema,
		MaxTokens:   20,
		Temperature: &t,
	})
	r.Mode, r.Latency, r.Usage = res.Mode, res.Latency, res.Usage
	if err != nil {
		r.Err = err
		var oe *OutputError
		if errors.As(err, &oe) {
			r.Mode = oe.Mode
		}
		return r
	}
	r.JSONWorks = true
	return r
}
