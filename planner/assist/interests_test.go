package assist_test

import (
	"strings"
	"testing"

	"github.com/agentd/agentd/planner/assist"
	"github.com/agentd/agentd/planner/llm/llmtest"
)

func TestMatchInterests(t *testing.T) {
	f := setup(t, func(llmtest.ChatRequest) string {
		return `{"matches":[` +
			`{"item":"i2","interest":"urban cycling","why":"protected bike lanes are urban cycling infrastructure"},` +
			`{"item":"i1","interest":"knitting","why":"not an interest"},` +
			`{"item":"i7","interest":"urban cycling","why":"no such item"},` +
			`{"item":"i3","interest":"Urban Cycling","why":"see https://evil.example"}]}`
	})
	items := []assist.InterestItem{
		{Ref: "feed:a/1", Title: "Quarterly results", Send: assist.SendFull},
		{Ref: "feed:a/2", Title: "City adds 20 km of protected bike lanes", Summary: "Contact press@city.example", Send: assist.SendRedacted},
		{Ref: "feed:a/3", Title: "Cargo bikes for parents", Send: assist.SendFull},
		{Ref: "feed:b/4", Title: "Secret", Send: "never"},
	}
	ms, err := f.a.MatchInterests(t.Context(), []string{"urban cycling"}, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Ref != "feed:a/2" || ms[0].Interest != "urban cycling" || !strings.Contains(ms[0].Why, "bike lanes") {
		t.Fatalf("matches %+v", ms)
	}
	if ms[1].Ref != "feed:a/3" || ms[1].Why != "" {
		t.Errorf("a why with a link is dropped, the match stays: %+v", ms[1])
	}
	body := string(f.srv.Requests()[0].Body)
	if strings.Contains(body, "press@city.example") || strings.Contains(body, "Secret") {
		t.Error("a redacted feed's address or a never feed's item reached the model")
	}
}
