package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/app"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/planner/assist"
	"github.com/agentd/agentd/planner/llm"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

// TestLedgerListsWhatWasSent sends one draft request through the model
// client on a data dir (as the daemon does), then reads it back with
// `agentd ledger` from that data dir.
func TestLedgerListsWhatWasSent(t *testing.T) {
	srv := llmtest.New(t, llmtest.Config{Models: []string{"m"}, Responder: func(llmtest.ChatRequest) string {
		return `{"body":"Hi Sophie, yes. Alice","language":"en","skip":false,"reason":""}`
	}})
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	yaml := "user: {name: Alice, email: alice@example.com, timezone: Europe/Paris}\n" +
		"bus: {data_dir: " + filepath.Join(dir, "data") + "}\n" +
		"llm: {url: " + srv.BaseURL() + ", model: m, send: redacted}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}

	if code, out, _ := runCLI(t, "ledger", "--config", path); code != 0 || !strings.Contains(out, "Nothing was sent") {
		t.Fatalf("empty ledger: exit %d, %q", code, out)
	}

	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{DataDir: cfg.Bus.DataDir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := b.Store(ctx, app.BucketLLM)
	if err != nil {
		t.Fatal(err)
	}
	m, err := app.BuildModel(ctx, cfg, store, nil, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	mail := event.Mail{Account: "work", MessageID: "q1@client.example", Subject: "Contract",
		From: []event.Address{{Name: "Sophie", Email: "sophie@client.example"}}, Text: "Could you call me on +33 6 12 34 56 78?"}
	if _, err := m.Assistant.Draft(ctx, assist.DraftJob{Mail: mail, Send: assist.SendRedacted}); err != nil {
		t.Fatal(err)
	}
	b.Close()

	code, out, errOut := runCLI(t, "ledger", "--config", path, "--format", "json", "--since", "1h")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var e llm.Entry
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &e); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if e.Purpose != llm.PurposeDraft || e.Model != "m" || e.BytesOut == 0 || e.Redactions["EMAIL"] != 1 || e.Redactions["PHONE"] != 1 ||
		len(e.Items) != 1 || !strings.Contains(e.Items[0], "q1@client.example") {
		t.Errorf("entry %+v", e)
	}
	code, out, _ = runCLI(t, "ledger", "--config", path)
	if code != 0 || !strings.Contains(out, "draft") || !strings.Contains(out, "redacted: email 1, phone 1") || !strings.Contains(out, "1 requests sent (0 failed)") {
		t.Errorf("text ledger: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "ledger", "--config", path, "--since", "yesterday"); code != 2 {
		t.Errorf("bad --since: exit %d, want 2", code)
	}
}
