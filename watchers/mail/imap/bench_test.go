package imap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// Delivery → event latency with IDLE: one message per iteration, APPENDed
// by a second client; the clock starts before the APPEND is sent and stops
// when publish is called. Run with -benchtime=100x for "over 100 mails".
//
//	go test -run '^$' -bench IdleLatency -benchtime=100x ./watchers/mail/imap/
//	AGENTD_INTEGRATION=1 go test -run '^$' -bench IdleLatency -benchtime=100x ./watchers/mail/imap/
func BenchmarkIdleLatency(b *testing.B) {
	b.Run("imapmemserver", func(b *testing.B) {
		srv := newTestServer(b, nil)
		c := srv.client()
		defer c.Close()
		// One mailbox, one idling session: waitIdling(1) before each
		// delivery means the watcher is listening again.
		benchLatency(b, srv.config(), c, func() { srv.waitIdling(1) })
	})
	b.Run("dovecot", func(b *testing.B) {
		d := startDovecot(b)
		c := d.client()
		defer c.Close()
		benchLatency(b, d.config(), c, func() {})
	})
}

func benchLatency(b *testing.B, cfg Config, delivery *imapclient.Client, ready func()) {
	cfg.Mailboxes = []string{"INBOX"}
	// The server stamps each append with the real time (no date given),
	// also Dovecot: the watcher reads the same clock.
	w := newWatcher(b, cfg, state.NewMemory(), WithClock(time.Now))
	arrived := make(chan time.Time, 1)
	publish := func(_ context.Context, ev event.Event) error {
		if strings.HasPrefix(ev.Subject, "latency ") {
			arrived <- time.Now()
		}
		return nil
	}
	if err := w.SyncOnce(context.Background(), publish); err != nil {
		b.Fatal(err)
	}
	startWatcher(b, w, publish)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		ready()
		raw := testMail(fmt.Sprintf("lat-%d-%d@bench", time.Now().UnixNano(), i), "Bob <bob@example.org>",
			fmt.Sprintf("latency %d", i), time.Now(), "How fast does this arrive?")
		b.StartTimer()
		t0 := time.Now()
		cmd := delivery.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			b.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			b.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
		select {
		case t1 := <-arrived:
			lat = append(lat, t1.Sub(t0))
		case <-time.After(waitFor):
			b.Fatalf("mail %d: no event within %s", i, waitFor)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// First sync of a mailbox with 20,000 recent messages (all inside the
// look-back window, the worst case): time and bytes received; then a
// restart (a new watcher on the same store) with nothing new.
//
//	go test -run '^$' -bench FirstSync -benchtime=3x ./watchers/mail/imap/
func BenchmarkFirstSync20000(b *testing.B) {
	const n = 20000
	srv := newTestServer(b, nil)
	now := testNow()
	var total int64
	for i := range n {
		// Bodies of 0.5 to 12 KiB, like real mail text; 1 in 100 is a
		// 200 KiB one, above MaxBody.
		size := 512 + (i*7919)%(12<<10)
		if i%100 == 0 {
			size = 200 << 10
		}
		body := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing.\n", size/52+1)
		raw := testMail(fmt.Sprintf("bulk-%d@bench", i), fmt.Sprintf("Sender %d <s%d@example.org>", i%97, i%97),
			fmt.Sprintf("bulk message %d", i), now.Add(-time.Duration(n-i)*time.Minute), body)
		total += int64(len(raw))
		srv.put("INBOX", raw, now.Add(-time.Duration(n-i)*time.Minute))
	}
	cfg := srv.config()
	cfg.Mailboxes = []string{"INBOX"}
	b.Logf("mailbox: %d messages, %.1f MiB", n, float64(total)/(1<<20))

	var store *state.Memory
	b.Run("first", func(b *testing.B) {
		var received atomic.Int64
		for range b.N {
			store = state.NewMemory()
			received.Store(0)
			var published atomic.Int64
			w := newWatcher(b, cfg, store, WithDialer(countingDialer(&received)))
			if err := w.SyncOnce(context.Background(), func(context.Context, event.Event) error {
				published.Add(1)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			if published.Load() != n {
				b.Fatalf("published %d, want %d", published.Load(), n)
			}
		}
		b.ReportMetric(float64(received.Load())/(1<<20), "MiB-received")
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		keys, _ := store.Keys(context.Background(), "imap.")
		for _, k := range keys {
			v, _ := store.Get(context.Background(), k)
			b.ReportMetric(float64(len(v))/1024, "cursor-KiB")
		}
	})
	b.Run("restart", func(b *testing.B) {
		if store == nil {
			b.Skip("needs the first sync")
		}
		var received atomic.Int64
		for range b.N {
			received.Store(0)
			w := newWatcher(b, cfg, store, WithDialer(countingDialer(&received)))
			var published atomic.Int64
			if err := w.SyncOnce(context.Background(), func(context.Context, event.Event) error {
				published.Add(1)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			if published.Load() != 0 {
				b.Fatalf("restart published %d, want 0", published.Load())
			}
		}
		b.ReportMetric(float64(received.Load()), "bytes-received")
	})
}
