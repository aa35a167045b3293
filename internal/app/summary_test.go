package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

// TestLookbackSummaryParagraph: a new account's look-back summary gets the
// model's paragraph on top, once; without a model it is the list alone.
func TestLookbackSummaryParagraph(t *testing.T) {
	srv := llmtest.New(t, llmtest.Config{Models: []string{"m"}, Responder: func(req llmtest.ChatRequest) string {
		if strings.Contains(string(req.Schema()), "summary") {
			return `{"summary":"Sophie waits for the signed contract and Marc for the budget figures."}`
		}
		b, _ := json.Marshal(map[string]any{"body": "ok", "language": "en", "skip": false, "reason": ""})
		return string(b)
	}})
	for _, withModel := range []bool{true, false} {
		t.Run(fmt.Sprint("model=", withModel), func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, "Mail")
			for _, sub := range []string{"cur", "new", "tmp"} {
				os.MkdirAll(filepath.Join(root, sub), 0o700)
			}
			now := time.Now()
			mails := map[string]string{
				"1.q": questionMail("q1@example.org", "", now.Add(-26*time.Hour), "Hi Alice, could you send me the signed contract?"),
				"2.q": strings.Replace(strings.Replace(questionMail("q2@example.org", "", now.Add(-25*time.Hour), "Alice, can you send me the budget figures for Q1?"),
					"Sophie Laurent <sophie@example.org>", "Marc Dubois <marc@example.net>", 1), "Subject: Signed contract", "Subject: Budget Q1", 1),
			}
			for name, raw := range mails {
				os.WriteFile(filepath.Join(root, "cur", name+":2,S"), []byte(raw), 0o600)
			}
			llm := ""
			if withModel {
				llm = "llm: {url: " + srv.BaseURL() + ", model: m}\n"
			}
			yaml := fmt.Sprintf("user: {name: Alice Martin, email: alice@example.com, timezone: Europe/Paris}\nbus: {data_dir: %s}\n"+
				"sources:\n  mail:\n    - {name: home, maildir: %s, lookback: 7d}\nplanner: {lookback_settle: 1s}\n%snotify: {terminal: {}}\n",
				filepath.Join(dir, "data"), root, llm)
			cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(yaml))
			if err != nil {
				t.Fatal(err)
			}
			var out syncBuffer
			startApp(t, cfg, &out)
			waitUntil(t, "the look-back summary", func() bool { return strings.Contains(out.String(), "open items in your home mail") })
			time.Sleep(200 * time.Millisecond)
			got := strings.Contains(out.String(), "Sophie waits for the signed contract")
			if got != withModel {
				t.Fatalf("paragraph shown %v, want %v:\n%s", got, withModel, out.String())
			}
		})
	}
	if n := srv.Calls(); n != 1 {
		t.Errorf("model calls %d, want 1 (the summary; look-back mail gets no drafts)", n)
	}
}
