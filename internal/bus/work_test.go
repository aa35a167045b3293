package bus

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

type draftJob struct {
	Suggestion string `json:"suggestion"`
	Attempt    int    `json:"attempt"`
}

func TestWorkSubject(t *testing.T) {
	tests := map[string]struct {
		id    string
		plain bool // kept as it is in the subject
	}{
		"event id":      {"3f2a9c0b1d4e5f6a7b8c9d0e", true},
		"with = and _":  {"a_b=c-d", true},
		"dots":          {"mail.work.INBOX", false},
		"wildcards":     {"a.*.>", false},
		"space":         {"a b", false},
		"message id":    {"<1@example.org>", false},
		"unicode":       {"événement", false},
		"looks encoded": {"b64-abc", false},
		"empty":         {"", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			subj := WorkSubject("draft", tc.id)
			tok, ok := strings.CutPrefix(subj, "agentd.work.draft.")
			if !ok {
				t.Fatalf("WorkSubject = %q, want agentd.work.draft.<id>", subj)
			}
			if (tok == tc.id) != tc.plain {
				t.Errorf("token %q for id %q, plain = %v", tok, tc.id, tc.plain)
			}
			if err := checkToken("subject", subj); err != nil || strings.ContainsAny(tok, ".*> ") {
				t.Errorf("WorkSubject(%q) = %q is not one safe token: %v", tc.id, subj, err)
			}
			kind, id, ok := WorkSubjectID(subj)
			if !ok || kind != "draft" || id != tc.id {
				t.Errorf("WorkSubjectID(%q) = %q, %q, %v; want draft, %q", subj, kind, id, ok, tc.id)
			}
		})
	}
	for _, bad := range []string{"agentd.due.x", "agentd.work.draft", "agentd.work.draft.a.b", "agentd.work.draft.b64-!!"} {
		if k, id, ok := WorkSubjectID(bad); ok {
			t.Errorf("WorkSubjectID(%q) = %q, %q, true; want not ok", bad, k, id)
		}
	}
}

// TestWorkQueue: a job published twice is queued once, a job whose handler
// asks to retry comes back, and a done job leaves the stream.
func TestWorkQueue(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())

	s, err := b.JetStream().Stream(ctx, StreamWork)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	if cfg.Retention != jetstream.WorkQueuePolicy || cfg.Storage != jetstream.FileStorage || cfg.Duplicates != time.Hour ||
		strings.Join(cfg.Subjects, " ") != "agentd.work.>" {
		t.Errorf("WORK stream config = %+v", cfg)
	}

	for range 2 {
		if err := b.PublishWork(ctx, "draft", "s-1", draftJob{Suggestion: "s-1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.PublishWork(ctx, "draft", "odd id/2", draftJob{Suggestion: "s-2"}); err != nil {
		t.Fatal(err)
	}
	if err := b.PublishWork(ctx, "draft", "bad", "not a job"); err != nil {
		t.Fatal(err) // dropped by the handler: removed as well
	}
	if err := b.PublishWork(ctx, "summary", "s-1", draftJob{Suggestion: "s-1"}); err != nil {
		t.Fatal(err) // same id, other kind: another job
	}
	if n := streamMsgs(t, ctx, b, StreamWork, WorkSubject("draft", "s-1")); n != 1 {
		t.Errorf("%d copies of a job published twice, want 1", n)
	}
	if n := streamMsgs(t, ctx, b, StreamWork, WorkSubject("summary", "s-1")); n != 1 {
		t.Errorf("%d summary jobs, want 1", n)
	}
	if n := streamMsgs(t, ctx, b, StreamWork, WorkFilter("draft")); n != 3 {
		t.Errorf("%d draft jobs queued, want 3", n)
	}

	type handled struct {
		id        string
		delivered int
	}
	got := make(chan handled, 10)
	stop, err := b.Consume(ctx, StreamWork, "drafts", []string{WorkFilter("draft")}, func(ctx context.Context, m Message) error {
		var j draftJob
		if err := json.Unmarshal(m.Data, &j); err != nil {
			return Drop(err)
		}
		_, id, _ := WorkSubjectID(m.Subject)
		if id != j.Suggestion && id != "odd id/2" {
			t.Errorf("job on %s carries %+v", m.Subject, j)
		}
		got <- handled{id, m.Delivered}
		if id == "s-1" && m.Delivered == 1 {
			return RetryAfter(50*time.Millisecond, errors.New("the model is busy"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	seen := map[string][]int{}
	for range 3 {
		select {
		case h := <-got:
			seen[h.id] = append(seen[h.id], h.delivered)
		case <-ctx.Done():
			t.Fatalf("jobs handled so far: %v", seen)
		}
	}
	if len(seen["s-1"]) != 2 || seen["s-1"][1] != 2 || len(seen["odd id/2"]) != 1 {
		t.Errorf("handled %v; want s-1 twice (retried) and the odd id once", seen)
	}
	waitSettled(t, ctx, b, StreamWork, "drafts")
	if n := streamMsgs(t, ctx, b, StreamWork, WorkFilter("draft")); n != 0 {
		t.Errorf("%d draft jobs left after they were done or dropped, want 0", n)
	}
	if n := streamMsgs(t, ctx, b, StreamWork, WorkSubject("summary", "s-1")); n != 1 {
		t.Errorf("the summary job, which nobody consumes, is gone (%d left)", n)
	}
	// Done less than an hour ago: publishing it again queues nothing.
	if err := b.PublishWork(ctx, "draft", "s-1", draftJob{Suggestion: "s-1"}); err != nil {
		t.Fatal(err)
	}
	if n := streamMsgs(t, ctx, b, StreamWork, WorkFilter("draft")); n != 0 {
		t.Errorf("a job done a moment ago was queued again (%d)", n)
	}

	for _, bad := range []struct{ kind, id string }{{"", "x"}, {"a.b", "x"}, {"*", "x"}, {"draft", ""}, {"draft", "a\nb"}} {
		if err := b.PublishWork(ctx, bad.kind, bad.id, draftJob{}); err == nil {
			t.Errorf("PublishWork(%q, %q) accepted", bad.kind, bad.id)
		}
	}
}

// TestWorkSurvivesReopen: a queued job waits across a restart of the bus
// on the same data directory, and is gone for good once done.
func TestWorkSurvivesReopen(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	dir := t.TempDir()

	b1 := openEmbedded(t, ctx, dir)
	if err := b1.PublishWork(ctx, "draft", "kept", draftJob{Suggestion: "kept", Attempt: 7}); err != nil {
		t.Fatal(err)
	}
	if err := b1.Close(); err != nil {
		t.Fatal(err)
	}

	b2 := openEmbedded(t, ctx, dir)
	if err := b2.PublishWork(ctx, "draft", "kept", draftJob{Suggestion: "kept", Attempt: 8}); err != nil {
		t.Fatal(err) // within the dedup window, across the restart: dropped
	}
	got := make(chan draftJob, 10)
	stop, err := b2.Consume(ctx, StreamWork, "drafts", []string{WorkFilter("draft")}, func(ctx context.Context, m Message) error {
		var j draftJob
		if err := json.Unmarshal(m.Data, &j); err != nil {
			return Drop(err)
		}
		got <- j
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case j := <-got:
		if j.Suggestion != "kept" || j.Attempt != 7 {
			t.Errorf("job after reopen = %+v, want the first one published", j)
		}
	case <-ctx.Done():
		t.Fatal("queued job did not survive the reopen")
	}
	waitSettled(t, ctx, b2, StreamWork, "drafts")
	stop()
	if err := b2.Close(); err != nil {
		t.Fatal(err)
	}

	b3 := openEmbedded(t, ctx, dir)
	if n := streamMsgs(t, ctx, b3, StreamWork, WorkFilter("draft")); n != 0 {
		t.Errorf("%d jobs left after a reopen, want 0 (it was done)", n)
	}
	select {
	case j := <-got:
		t.Errorf("job handled twice: %+v", j)
	default:
	}
}
