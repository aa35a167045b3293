package digest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
)

// fakeSender keeps every attempt; it fails with the errors in fail, in
// order, before it accepts.
type fakeSender struct {
	mu       sync.Mutex
	fail     []error
	attempts []attempt
}

type attempt struct {
	at  time.Time
	msg []byte
	ok  bool
}

func (f *fakeSender) Send(_ context.Context, from string, to []string, msg []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if from == "" || len(to) != 1 {
		return errors.New("bad envelope")
	}
	a := attempt{at: time.Now(), msg: msg}
	if len(f.fail) > 0 {
		err := f.fail[0]
		f.fail = f.fail[1:]
		f.attempts = append(f.attempts, a)
		return err
	}
	a.ok = true
	f.attempts = append(f.attempts, a)
	return nil
}

func (f *fakeSender) sent() []attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []attempt
	for _, a := range f.attempts {
		if a.ok {
			out = append(out, a)
		}
	}
	return out
}

func (f *fakeSender) all() []attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]attempt(nil), f.attempts...)
}

var errTempFail = &SendError{Server: "test", Stage: "send", Temporary: true, Err: errors.New("451 try again later")}

func oneSuggestion() Sources {
	s := event.Suggestion{ID: "s1", Kind: event.KindSuggestion, Rule: "r", Title: "Water the plants", Priority: event.PriorityNormal}
	return Sources{Suggestions: listOf([]suggestions.Record{{Suggestion: s, Status: event.StatusDelivered}})}
}

func cfgAt(t testing.TB, at time.Duration) Config {
	return Config{At: at, Location: paris(t), From: "agentd@example.com", To: "alice@example.com"}
}

// run starts g.Run and returns a stop that cancels it and waits.
func run(g *Digester) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

func messageID(t *testing.T, msg []byte) string {
	t.Helper()
	for _, l := range strings.Split(string(msg), "\r\n") {
		if v, ok := strings.CutPrefix(l, "Message-Id: "); ok {
			return v
		}
	}
	t.Fatalf("no Message-Id in\n%s", msg)
	return ""
}

// synctest's clock starts at 2000-01-01 00:00 UTC: 01:00 in Paris.

func TestDailyOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := state.NewMemory()
		snd := &fakeSender{}
		g := New(cfgAt(t, 7*time.Hour+30*time.Minute), oneSuggestion(), snd, store, nil)
		stop := run(g)
		time.Sleep(3*24*time.Hour - time.Minute)
		stop()
		sent := snd.sent()
		if len(sent) != 3 {
			t.Fatalf("%d digests in 3 days, want 3", len(sent))
		}
		ids := map[string]bool{}
		for i, a := range sent {
			want := time.Date(2000, 1, 1+i, 7, 30, 0, 0, paris(t))
			if !a.at.Equal(want) {
				t.Errorf("digest %d sent at %s, want %s (cron, on time)", i, a.at.In(paris(t)), want)
			}
			ids[messageID(t, a.msg)] = true
		}
		if len(ids) != 3 {
			t.Errorf("Message-IDs not unique per day: %v", ids)
		}
		keys, _ := store.Keys(context.Background(), keyPrefix)
		if strings.Join(keys, " ") != "digest.2000-01-01 digest.2000-01-02 digest.2000-01-03" {
			t.Errorf("records %q", keys)
		}
		raw, _ := store.Get(context.Background(), "digest.2000-01-02")
		var rec record
		if err := json.Unmarshal(raw, &rec); err != nil || rec.State != stateSent || rec.Message != nil || rec.MessageID == "" {
			t.Errorf("record %s: %+v %v", raw, rec, err)
		}
	})
}

// TestRestartAroundTheTime: a daemon stopped at 07:29:59 and started
// again at 07:31 sends once, at start; one started again the same day
// after that sends nothing.
func TestRestartAroundTheTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := state.NewMemory()
		snd := &fakeSender{}
		cfg := cfgAt(t, 7*time.Hour+30*time.Minute)
		stop := run(New(cfg, oneSuggestion(), snd, store, nil))
		time.Sleep(6*time.Hour + 29*time.Minute + 59*time.Second) // 07:29:59
		stop()
		if n := len(snd.all()); n != 0 {
			t.Fatalf("%d sends before the time", n)
		}
		time.Sleep(61 * time.Second) // 07:31, down meanwhile
		stop = run(New(cfg, oneSuggestion(), snd, store, nil))
		synctest.Wait()
		if sent := snd.sent(); len(sent) != 1 || !sent[0].at.Equal(time.Date(2000, 1, 1, 7, 31, 0, 0, paris(t))) {
			t.Fatalf("sent %+v; want one at start, 07:31", sent)
		}
		time.Sleep(2 * time.Hour)
		stop()
		stop = run(New(cfg, oneSuggestion(), snd, store, nil)) // 09:31, third start
		time.Sleep(time.Hour)
		stop()
		if n := len(snd.all()); n != 1 {
			t.Errorf("%d sends on one day across three starts, want 1", n)
		}
	})
}

// TestLaptopWakesAfterTheTime: the machine sleeps from 07:00 to 09:00 by
// the wall clock; timers (cron's too) run on the monotonic clock, which
// stood still. The minute check sees the wall clock and sends on wake,
// once; cron firing later that (monotonic) day sends nothing more.
func TestLaptopWakesAfterTheTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var slept atomic.Int64
		wall := func() time.Time { return time.Now().Add(time.Duration(slept.Load())) }
		snd := &fakeSender{}
		g := New(cfgAt(t, 7*time.Hour+30*time.Minute), oneSuggestion(), snd, state.NewMemory(), nil, WithClock(wall))
		stop := run(g)
		time.Sleep(6 * time.Hour) // 07:00
		slept.Store(int64(2 * time.Hour))
		time.Sleep(time.Minute) // woke at 09:00; the next check
		synctest.Wait()
		sent := snd.sent()
		if len(sent) != 1 {
			t.Fatalf("%d digests after waking, want 1", len(sent))
		}
		if w := wall(); w.In(paris(t)).Hour() != 9 {
			t.Errorf("wall clock %s", w)
		}
		time.Sleep(3 * time.Hour) // cron's 07:30 passes (09:30 on the wall)
		stop()
		if n := len(snd.all()); n != 1 {
			t.Errorf("%d sends, want 1", n)
		}
	})
}

// TestRetrySameMessage: SMTP failures are retried with backoff, the same
// message each time, until one is accepted; never two.
func TestRetrySameMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		snd := &fakeSender{fail: []error{errTempFail, errTempFail, errTempFail}}
		g := New(cfgAt(t, 7*time.Hour+30*time.Minute), oneSuggestion(), snd, state.NewMemory(), nil)
		stop := run(g)
		time.Sleep(12 * time.Hour)
		stop()
		all := snd.all()
		if len(all) != 4 || len(snd.sent()) != 1 {
			t.Fatalf("%d attempts, %d sent; want 4 and 1", len(all), len(snd.sent()))
		}
		var gaps []time.Duration
		for i, a := range all {
			if !bytes.Equal(a.msg, all[0].msg) {
				t.Errorf("attempt %d sent a different message", i)
			}
			if i > 0 {
				gaps = append(gaps, a.at.Sub(all[i-1].at))
			}
		}
		if want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute}; !equalDurations(gaps, want) {
			t.Errorf("waits %v, want %v", gaps, want)
		}
	})
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRestartAfterIntent: the intent is recorded, the send fails, agentd
// restarts: the new process sends the recorded message (same Message-ID)
// at once, once.
func TestRestartAfterIntent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := state.NewMemory()
		snd := &fakeSender{fail: []error{errTempFail}}
		cfg := cfgAt(t, 7*time.Hour+30*time.Minute)
		stop := run(New(cfg, oneSuggestion(), snd, store, nil))
		time.Sleep(6*time.Hour + 30*time.Minute + 30*time.Second) // 07:30:30: failed once
		stop()
		raw, err := store.Get(context.Background(), "digest.2000-01-01")
		var rec record
		if err != nil || json.Unmarshal(raw, &rec) != nil || rec.State != stateIntent || len(rec.Message) == 0 {
			t.Fatalf("after the failure: %s %v", raw, err)
		}
		// Content changed meanwhile: the retry still sends what was made.
		stop = run(New(cfg, Sources{Suggestions: listOf(nil)}, snd, store, nil))
		synctest.Wait()
		time.Sleep(time.Hour)
		stop()
		all := snd.all()
		if len(all) != 2 || !all[1].ok || !bytes.Equal(all[0].msg, all[1].msg) || messageID(t, all[1].msg) != "<"+rec.MessageID+">" {
			t.Errorf("attempts %d; want the recorded message sent again once", len(all))
		}
	})
}

func TestPermanentFailureWaitsForRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		perm := &SendError{Server: "test", Stage: "login as alice", Err: errors.New("535 authentication failed")}
		snd := &fakeSender{fail: []error{perm}}
		g := New(cfgAt(t, 7*time.Hour+30*time.Minute), oneSuggestion(), snd, state.NewMemory(), nil)
		stop := run(g)
		time.Sleep(22 * time.Hour) // 23:00
		if n := len(snd.all()); n != 1 {
			t.Errorf("%d attempts on the day of a permanent failure, want 1", n)
		}
		time.Sleep(9 * time.Hour) // the next day's
		stop()
		if n := len(snd.sent()); n != 1 {
			t.Errorf("%d sent the next day, want 1", n)
		}
	})
}

func TestEmptyDay(t *testing.T) {
	for _, mode := range []string{EmptySkip, EmptyShort} {
		t.Run(mode, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := state.NewMemory()
				snd := &fakeSender{}
				cfg := cfgAt(t, 7*time.Hour)
				cfg.Empty = mode
				var recs atomic.Pointer[[]suggestions.Record]
				recs.Store(&[]suggestions.Record{})
				src := Sources{Suggestions: func(context.Context) ([]suggestions.Record, error) { return *recs.Load(), nil }}
				stop := run(New(cfg, src, snd, store, nil))
				time.Sleep(12 * time.Hour) // 13:00
				later := oneSuggestion().mustList()
				recs.Store(&later) // something comes up after the time
				time.Sleep(6 * time.Hour)
				stop()
				raw, _ := store.Get(context.Background(), "digest.2000-01-01")
				switch mode {
				case EmptySkip:
					if n := len(snd.all()); n != 0 || !strings.Contains(string(raw), `"skipped"`) {
						t.Errorf("%d sends, record %s; want none, skipped", n, raw)
					}
				case EmptyShort:
					sent := snd.sent()
					if len(sent) != 1 || !strings.Contains(string(sent[0].msg), "Nothing needs you today") {
						t.Errorf("%d sends; want one short digest", len(sent))
					}
				}
			})
		})
	}
}

func (s Sources) mustList() []suggestions.Record {
	recs, err := s.Suggestions(context.Background())
	if err != nil {
		panic(err)
	}
	return recs
}

// TestDST: on the days clocks change, the digest goes out once, at the
// local time (after the gap when the time does not exist).
func TestDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		at   time.Duration
		day  time.Time
		want time.Time
	}{
		"spring forward, normal time": {7*time.Hour + 30*time.Minute, time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 8, 7, 30, 0, 0, ny)},
		"spring forward, in the gap":  {2*time.Hour + 30*time.Minute, time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 8, 3, 30, 0, 0, ny)},
		"fall back, twice that hour":  {1*time.Hour + 30*time.Minute, time.Date(2026, 11, 1, 0, 0, 0, 0, ny), time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var now time.Time
			snd := &fakeSender{}
			cfg := Config{At: tc.at, Location: ny, From: "a@example.com", To: "b@example.com"}
			g := New(cfg, oneSuggestion(), snd, state.NewMemory(), nil, WithClock(func() time.Time { return now }))
			var sentAt []time.Time
			// Every minute of the day, as the wall-clock check does.
			for now = tc.day; now.Before(tc.day.AddDate(0, 0, 1)); now = now.Add(time.Minute) {
				ok, err := g.Due(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					sentAt = append(sentAt, now)
				}
			}
			if len(sentAt) != 1 || !sentAt[0].Equal(tc.want) {
				t.Errorf("sent at %v, want once at %s", sentAt, tc.want)
			}
			// cron, with CRON_TZ, agrees (or fires later that day: the
			// minute check covers the gap).
			sched, err := cron.ParseStandard(g.Spec())
			if err != nil {
				t.Fatal(err)
			}
			if next := sched.Next(tc.day.Add(-time.Minute)); next.Before(tc.want) {
				t.Errorf("cron's next run %s is before %s", next, tc.want)
			}
		})
	}
}

func TestSpec(t *testing.T) {
	g := New(cfgAt(t, 6*time.Hour+5*time.Minute), oneSuggestion(), &fakeSender{}, state.NewMemory(), nil)
	if got := g.Spec(); got != "CRON_TZ=Europe/Paris 5 6 * * *" {
		t.Errorf("Spec() = %q", got)
	}
}

// TestExactlyOnceOverSMTP: the whole path against go-smtp's server, which
// answers the first DATA with 451; a restart in between: one message
// accepted, with the Message-ID recorded at the intent.
func TestExactlyOnceOverSMTP(t *testing.T) {
	srv := startServer(t, serverOpts{StartTLS: true, User: "alice", Pass: "s3cret"})
	srv.FailData(1)
	smtpc, err := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: TLSStartTLS, Username: "alice", Password: password("s3cret"),
		TLSConfig: &tls.Config{RootCAs: srv.Pool}})
	if err != nil {
		t.Fatal(err)
	}
	store := state.NewMemory()
	now := morning(t).Add(time.Minute)
	clock := WithClock(func() time.Time { return now })
	cfg := cfgAt(t, 7*time.Hour+30*time.Minute)
	ctx := context.Background()
	first := New(cfg, Sources{Suggestions: listOf(day(t))}, smtpc, store, nil, clock)
	if ok, err := first.Due(ctx); ok || err == nil {
		t.Fatalf("first Due = %v, %v; want the 451", ok, err)
	}
	raw, _ := store.Get(ctx, first.Key(now))
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil || rec.State != stateIntent {
		t.Fatalf("record %s", raw)
	}
	now = now.Add(10 * time.Minute) // restarted
	second := New(cfg, Sources{Suggestions: listOf(day(t))}, smtpc, store, nil, clock)
	for range 3 {
		second.Due(ctx)
		now = now.Add(time.Hour)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server accepted %d digests, want 1", len(msgs))
	}
	if id := messageID(t, msgs[0].Data); id != "<"+rec.MessageID+">" || !msgs[0].TLS {
		t.Errorf("accepted %s (tls %v), recorded %s", id, msgs[0].TLS, rec.MessageID)
	}
	if !strings.Contains(string(msgs[0].Data), "Reply to Sophie Martin") {
		t.Error("the digest lost its content")
	}
}
