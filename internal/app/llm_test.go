package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner/llm"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

func llmConfig(t *testing.T, url, extra string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	yaml := "user: {name: Alice, email: alice@example.com, timezone: Europe/Paris}\n" +
		"bus: {data_dir: " + filepath.Join(dir, "data") + "}\n" +
		"sources:\n  mail:\n    - {name: work, maildir: " + filepath.Join(dir, "Maildir") + ", llm: never}\n    - {name: home, maildir: " + filepath.Join(dir, "Home") + "}\n" +
		"llm: {url: " + url + ", model: small" + extra + "}\n" +
		"notify: {terminal: {}}\n"
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestCheckProbesTheModel(t *testing.T) {
	srv := llmtest.New(t, llmtest.Config{Models: []string{"small", "big"}})
	res := checkModel(t.Context(), llmConfig(t, srv.BaseURL(), ", drafts_model: big"), nil, nil)
	if len(res) != 4 {
		t.Fatalf("results %+v, want small, big, privacy and budget", res)
	}
	if b := res[3]; b.Component != "llm:budget" || !strings.Contains(b.Detail, "of 50000 tokens spent today") {
		t.Errorf("budget line %+v", b)
	}
	for _, r := range res[:2] {
		if !r.OK || !strings.Contains(r.Detail, "listed by /models") || !strings.Contains(r.Detail, "JSON mode json_schema") {
			t.Errorf("%s: %+v", r.Component, r)
		}
	}
	if p := res[2].Detail; !strings.Contains(p, "send full by default") || !strings.Contains(p, "mail:work never") || !strings.Contains(p, "mail:home full") {
		t.Errorf("privacy line %q", p)
	}

	old := llmtest.New(t, llmtest.Config{Models: []string{"other"}, Formats: llmtest.FormatsNone})
	r := checkModel(t.Context(), llmConfig(t, old.BaseURL(), ""), nil, nil)[0]
	if !r.OK || !strings.Contains(r.Detail, "not in /models") || !strings.Contains(r.Detail, "JSON mode prompt") {
		t.Errorf("server without the model in its list and without response_format: %+v", r)
	}
}

func TestCheckUnreachableModel(t *testing.T) {
	r := checkModel(t.Context(), llmConfig(t, "http://127.0.0.1:1/v1", ", timeout: 2s"), nil, nil)[0]
	if r.OK || !strings.Contains(r.Detail, "not reachable") {
		t.Errorf("%+v", r)
	}
}

func TestFrameSecretIsStable(t *testing.T) {
	s := state.NewMemory()
	a, err := frameSecret(t.Context(), s)
	if err != nil || len(a) != 32 {
		t.Fatal(err)
	}
	b, _ := frameSecret(t.Context(), s)
	if string(a) != string(b) {
		t.Error("frame secret changed between calls on the same store")
	}
}

func TestBudgetLine(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	loc := time.FixedZone("X", 3600)
	line, ok := budgetLine(llm.BudgetStatus{TokensSpent: 50000, DailyTokens: 50000, CallsLastHour: 3, CallsPerHour: 30, NextCallAllowed: now.Add(9 * time.Hour)}, loc, now)
	if ok || line != "50000 of 50000 tokens spent today, 3 calls in the last hour (limit 30); budget spent: rules only until Wed 01:00" {
		t.Errorf("spent: %q %v", line, ok)
	}
	line, ok = budgetLine(llm.BudgetStatus{TokensSpent: 1200, CallsLastHour: 2}, loc, now)
	if !ok || line != "1200 tokens spent today, 2 calls in the last hour" {
		t.Errorf("unlimited: %q %v", line, ok)
	}
}
