package maildir

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// benchTree writes a Maildir++ INBOX of n mails, the last `recent` of them
// inside the look-back, with mtimes matching their dates.
func benchTree(b *testing.B, n, recent int) string {
	b.Helper()
	root := b.TempDir()
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	body := "Hi,\r\n\r\nhere are the notes from today's meeting. Could you look at the budget by Friday?\r\n\r\nBob\r\n"
	for i := range n {
		date := testNow.Add(-400 * 24 * time.Hour).Add(time.Duration(i) * 10 * time.Minute)
		if i >= n-recent {
			date = testNow.Add(-time.Duration(n-i) * time.Minute)
		}
		m := msg{ID: fmt.Sprintf("m%d@example.net", i), From: bob, To: me, Subject: fmt.Sprintf("Notes %d", i), Date: date, Body: body}
		path := filepath.Join(root, "cur", fmt.Sprintf("%d.M%dP1.host,S=%d:2,S", date.Unix(), i, 300))
		if err := os.WriteFile(path, []byte(m.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.Chtimes(path, date, date); err != nil {
			b.Fatal(err)
		}
	}
	return root
}

func discard(context.Context, event.Event) error { return nil }

// BenchmarkFirstSync is the first run over a 20,000-mail INBOX of which
// 200 are inside the look-back: 19,800 headers read and remembered, 200
// mails parsed and announced.
func BenchmarkFirstSync(b *testing.B) {
	root := benchTree(b, 20_000, 200)
	var stored int
	for b.Loop() {
		store := state.NewMemory()
		w, err := New(Config{Name: "bench", Path: root}, store, nil, WithClock(func() time.Time { return testNow }))
		if err != nil {
			b.Fatal(err)
		}
		if err := w.SyncOnce(context.Background(), discard); err != nil {
			b.Fatal(err)
		}
		stored = storeBytes(b, store)
	}
	b.ReportMetric(float64(stored), "state-bytes")
	b.ReportMetric(20_000*float64(b.N)/b.Elapsed().Seconds(), "mails/s")
}

// BenchmarkRescan is the pass a file notification or poll triggers on a
// 20,000-mail INBOX with nothing new: list cur/ and new/, look up names.
func BenchmarkRescan(b *testing.B) {
	root := benchTree(b, 20_000, 0)
	w, err := New(Config{Name: "bench", Path: root}, state.NewMemory(), nil, WithClock(func() time.Time { return testNow }))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := w.SyncOnce(ctx, discard); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := w.pass(ctx, discard, false); err != nil {
			b.Fatal(err)
		}
	}
}

func storeBytes(b *testing.B, s *state.Memory) int {
	b.Helper()
	keys, err := s.Keys(context.Background(), "")
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, k := range keys {
		v, err := s.Get(context.Background(), k)
		if err != nil {
			b.Fatal(err)
		}
		n += len(v)
	}
	return n
}
