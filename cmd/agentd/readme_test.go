package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/app"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
)

// TestReadmeExamples keeps the README honest: its config example loads and
// its rule examples compile with the built-in rules.
func TestReadmeExamples(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(raw), "```yaml\n")[1:] {
		blocks = append(blocks, strings.SplitN(part, "```", 2)[0])
	}
	if len(blocks) < 2 {
		t.Fatalf("README has %d yaml blocks, want the config and the rules examples", len(blocks))
	}
	for i, b := range blocks {
		path := filepath.Join(t.TempDir(), "config.yaml")
		cfg, err := config.Parse(path, []byte(b))
		if err != nil {
			t.Fatalf("README yaml block %d does not load:\n%v\n%s", i+1, err, b)
		}
		if _, err := app.Planner(cfg, slog.New(slog.DiscardHandler), time.Now, state.NewMemory()); err != nil {
			t.Fatalf("README yaml block %d: rules do not compile: %v", i+1, err)
		}
	}
}
