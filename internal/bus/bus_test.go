package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// logBuffer collects a Bus's log so tests can read it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// count is how many log lines have message msg.
func (l *logBuffer) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), "msg=\""+msg+"\"")
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// openEmbedded opens an embedded bus on dir and closes it when the test ends.
func openEmbedded(t testing.TB, ctx context.Context, dir string) *Bus {
	t.Helper()
	b, err := Open(ctx, Config{DataDir: dir}, testLogger(t))
	if err != nil {
		t.Fatalf("Open embedded: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func testEvent(t testing.TB, key string) event.Event {
	t.Helper()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ev, err := event.New("feed:go-blog", event.TypeFeedItem, key, "Go 1.27 is released", at, at.Add(time.Minute),
		event.FeedItem{Feed: "go-blog", FeedURL: "https://go.dev/blog/feed.atom", Link: "https://go.dev/blog/" + key, Title: "Go 1.27"})
	if err != nil {
		t.Fatalf("event.New: %v", err)
	}
	return ev
}

// streamMsgs counts the messages of stream on subject (wildcards allowed).
func streamMsgs(t *testing.T, ctx context.Context, b *Bus, stream, subject string) uint64 {
	t.Helper()
	n, err := b.Messages(ctx, stream, subject)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEmbeddedStreamsAndDedup(t *testing.T) {
	ctx := testContext(t, 20*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())

	if !b.Embedded() {
		t.Error("Embedded() = false for a bus without URL")
	}
	if err := CheckVersion(b.ServerVersion()); err != nil {
		t.Errorf("embedded server version: %v", err)
	}
	if got := b.ClientURL(); got != "" {
		t.Errorf("ClientURL() = %q for a server that does not listen", got)
	}
	want := map[string][]string{
		StreamEvents:      {"agentd.events.>"},
		StreamSuggestions: {"agentd.suggestions.>"},
		StreamFeedback:    {"agentd.feedback.>"},
		StreamSchedule:    {"agentd.schedule.>", "agentd.due.>"},
	}
	for name, subjects := range want {
		s, err := b.JetStream().Stream(ctx, name)
		if err != nil {
			t.Errorf("stream %s: %v", name, err)
			continue
		}
		cfg := s.CachedInfo().Config
		if strings.Join(cfg.Subjects, " ") != strings.Join(subjects, " ") {
			t.Errorf("stream %s subjects = %v, want %v", name, cfg.Subjects, subjects)
		}
		if cfg.Duplicates != time.Hour {
			t.Errorf("stream %s duplicates window = %s, want 1h", name, cfg.Duplicates)
		}
		if cfg.Storage != jetstream.FileStorage {
			t.Errorf("stream %s storage = %s, want file", name, cfg.Storage)
		}
		if got := cfg.AllowMsgSchedules; got != (name == StreamSchedule) {
			t.Errorf("stream %s AllowMsgSchedules = %v", name, got)
		}
	}
	for _, bucket := range []string{BucketWatchers, BucketSuggestions, BucketDelivery, BucketFeedSeen} {
		kv, err := b.JetStream().KeyValue(ctx, bucket)
		if err != nil {
			t.Errorf("KV bucket %s: %v", bucket, err)
			continue
		}
		st, err := kv.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Only the feed's seen items expire; cursors and logs must not.
		if want := map[bool]time.Duration{true: FeedSeenTTL}[bucket == BucketFeedSeen]; st.TTL() != want {
			t.Errorf("KV bucket %s TTL = %v, want %v", bucket, st.TTL(), want)
		}
	}

	ev := testEvent(t, "go1.27")
	for i := range 2 {
		if err := b.PublishEvent(ctx, ev); err != nil {
			t.Fatalf("PublishEvent #%d: %v", i+1, err)
		}
	}
	other := testEvent(t, "go1.28")
	if err := b.PublishEvent(ctx, other); err != nil {
		t.Fatalf("PublishEvent other: %v", err)
	}
	if n := streamMsgs(t, ctx, b, StreamEvents, "agentd.events.feed.item"); n != 2 {
		t.Errorf("EVENTS holds %d feed.item messages after publishing one event twice and another once, want 2", n)
	}
	m, err := b.JetStream().Stream(ctx, StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := m.GetMsg(ctx, 1)
	if err != nil {
		t.Fatalf("get first event: %v", err)
	}
	var got event.Event
	if err := json.Unmarshal(raw.Data, &got); err != nil {
		t.Fatalf("decode event: %v", err)
	}
	if got.ID != ev.ID || got.Subject != ev.Subject || !got.Time.Equal(ev.Time) {
		t.Errorf("stored event = %+v, want %+v", got, ev)
	}
	if id := raw.Header.Get(jetstream.MsgIDHeader); id != ev.ID {
		t.Errorf("Nats-Msg-Id = %q, want %q", id, ev.ID)
	}

	s := event.Suggestion{ID: "s1", Kind: event.KindSuggestion, Title: "Read Go 1.27 notes", Priority: event.PriorityNormal}
	for range 2 {
		if err := b.PublishSuggestion(ctx, s); err != nil {
			t.Fatalf("PublishSuggestion: %v", err)
		}
	}
	if n := streamMsgs(t, ctx, b, StreamSuggestions, "agentd.suggestions.suggestion"); n != 1 {
		t.Errorf("SUGGESTIONS holds %d messages after publishing one suggestion twice, want 1", n)
	}
	if err := b.PublishJSON(ctx, FeedbackSubject("s1"), "s1@accept", map[string]string{"action": "accept"}); err != nil {
		t.Fatalf("PublishJSON feedback: %v", err)
	}
	if n := streamMsgs(t, ctx, b, StreamFeedback, "agentd.feedback.s1"); n != 1 {
		t.Errorf("FEEDBACK holds %d messages, want 1", n)
	}

	if err := b.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if !b.Conn().IsClosed() {
		t.Error("connection still open after Close")
	}
}

func TestPublishRejectsBadSubjects(t *testing.T) {
	ctx := testContext(t, 20*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())
	due := time.Now().Add(time.Hour)
	tests := map[string]func() error{
		"event without type": func() error { return b.PublishEvent(ctx, event.Event{ID: "x"}) },
		"event without id":   func() error { return b.PublishEvent(ctx, event.Event{Type: event.TypeFeedItem}) },
		"event wildcard type": func() error {
			return b.PublishEvent(ctx, event.Event{ID: "x", Type: "feed.*"})
		},
		"suggestion with space in kind": func() error {
			return b.PublishSuggestion(ctx, event.Suggestion{ID: "x", Kind: "a b"})
		},
		"reminder without id": func() error {
			return b.ScheduleReminder(ctx, event.Suggestion{Kind: event.KindReminder, Due: due}, time.Now())
		},
		"reminder without due": func() error {
			return b.ScheduleReminder(ctx, event.Suggestion{ID: "r", Kind: event.KindReminder}, time.Now())
		},
		"cancel id with wildcard": func() error { return b.CancelReminder(ctx, ">") },
		"subject outside streams": func() error { return b.PublishJSON(ctx, "elsewhere.x", "", 1) },
	}
	for name, call := range tests {
		t.Run(name, func(t *testing.T) {
			if err := call(); err == nil {
				t.Error("got nil error")
			}
		})
	}
}

func TestStoreRoundTrip(t *testing.T) {
	ctx := testContext(t, 20*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())
	st, err := b.Store(ctx, BucketWatchers)
	if err != nil {
		t.Fatalf("Store: %v", err)
	}
	values := map[string]string{
		"https://x/y?z":             "feed cursor",
		"feed.go-blog.etag":         `W/"abc"`,
		"mail work/INBOX uidnext":   "4242",
		"b64.looks-encoded":         "still itself",
		"calendar:team/événement ✓": "unicode",
	}
	for k, v := range values {
		if err := st.Put(ctx, k, []byte(v)); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
	}
	for k, v := range values {
		got, err := st.Get(ctx, k)
		if err != nil {
			t.Errorf("Get(%q): %v", k, err)
			continue
		}
		if string(got) != v {
			t.Errorf("Get(%q) = %q, want %q", k, got, v)
		}
	}
	keys, err := st.Keys(ctx, "https://")
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	if strings.Join(keys, "|") != "https://x/y?z" {
		t.Errorf("Keys(https://) = %q", keys)
	}
	if err := st.Delete(ctx, "https://x/y?z"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := st.Get(ctx, "https://x/y?z"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	// A bucket that Open does not create is created on demand.
	other, err := b.Store(ctx, "agentd_test_extra")
	if err != nil {
		t.Fatalf("Store(new bucket): %v", err)
	}
	if _, err := other.Get(ctx, "https://x/y?z"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("Get in a fresh bucket: err = %v, want ErrNotFound", err)
	}
}

func TestListen(t *testing.T) {
	ctx := testContext(t, 20*time.Second)
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	dir := t.TempDir()
	b, err := Open(ctx, Config{DataDir: dir, Listen: addr}, testLogger(t))
	if err != nil {
		t.Fatalf("Open with Listen %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	if got, want := b.ClientURL(), "nats://"+addr; got != want {
		t.Errorf("ClientURL() = %q, want %q", got, want)
	}
	token, err := LoadToken(dir)
	if err != nil {
		t.Fatal(err)
	}

	nc, err := nats.Connect("nats://"+addr, nats.Timeout(5*time.Second), nats.Token(token))
	if err != nil {
		t.Fatalf("second client over TCP: %v", err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("agentd.events.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	ev := testEvent(t, "listen")
	if err := b.PublishEvent(ctx, ev); err != nil {
		t.Fatalf("PublishEvent: %v", err)
	}
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatalf("second client did not see the event: %v", err)
	}
	var got event.Event
	if err := json.Unmarshal(m.Data, &got); err != nil {
		t.Fatal(err)
	}
	if m.Subject != "agentd.events.feed.item" || got.ID != ev.ID {
		t.Errorf("second client got %s %s, want agentd.events.feed.item %s", m.Subject, got.ID, ev.ID)
	}

	// The other process can use JetStream too, e.g. to publish feedback.
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, FeedbackSubject("s1"), []byte(`{"action":"dismiss"}`)); err != nil {
		t.Errorf("publish over TCP into FEEDBACK: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	tests := map[string]Config{
		"embedded without data dir": {},
		"listen without port":       {DataDir: t.TempDir(), Listen: "127.0.0.1"},
		"listen with bad port":      {DataDir: t.TempDir(), Listen: "127.0.0.1:http"},
		"listen port out of range":  {DataDir: t.TempDir(), Listen: "127.0.0.1:70000"},
		"external nobody listens":   {URL: "nats://127.0.0.1:" + strconv.Itoa(freePort(t))},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := Open(ctx, cfg, testLogger(t))
			if err == nil {
				_ = b.Close()
				t.Fatal("Open succeeded")
			}
		})
	}
}

func TestParseListen(t *testing.T) {
	tests := map[string]struct {
		in       string
		wantHost string
		wantPort int
	}{
		"loopback":        {"127.0.0.1:4222", "127.0.0.1", 4222},
		"empty host":      {":4222", "127.0.0.1", 4222},
		"all interfaces":  {"0.0.0.0:4333", "0.0.0.0", 4333},
		"ipv6":            {"[::1]:4222", "::1", 4222},
		"any free port":   {"127.0.0.1:0", "127.0.0.1", -1},
		"name as host":    {"localhost:4222", "localhost", 4222},
		"chosen by users": {"192.168.1.10:4222", "192.168.1.10", 4222},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			host, port, err := parseListen(tc.in)
			if err != nil {
				t.Fatalf("parseListen(%q): %v", tc.in, err)
			}
			if host != tc.wantHost || port != tc.wantPort {
				t.Errorf("parseListen(%q) = %q, %d; want %q, %d", tc.in, host, port, tc.wantHost, tc.wantPort)
			}
		})
	}
}

func TestCheckVersion(t *testing.T) {
	tests := map[string]struct {
		version string
		ok      bool
	}{
		"debian bookworm":    {"2.9.10", false},
		"first with sched":   {"2.12.0", true},
		"go.mod version":     {"2.15.2", true},
		"v prefix too old":   {"v2.11.9", false},
		"v prefix new":       {"v2.12.3", true},
		"next major":         {"3.0.0", true},
		"old major":          {"1.99.99", false},
		"2.12 pre-release":   {"2.12.0-RC.4", true},
		"2.11 pre-release":   {"2.11.0-beta", false},
		"garbage":            {"nats", false},
		"empty":              {"", false},
		"two parts":          {"2.12", false},
		"negative":           {"2.-12.0", false},
		"not numbers":        {"2.x.0", false},
		"minor above twelve": {"2.100.0", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := CheckVersion(tc.version)
			if tc.ok && err != nil {
				t.Errorf("CheckVersion(%q) = %v, want nil", tc.version, err)
			}
			if !tc.ok && err == nil {
				t.Errorf("CheckVersion(%q) = nil, want an error", tc.version)
			}
		})
	}
	err := CheckVersion("2.9.10")
	if err == nil || !strings.Contains(err.Error(), "2.9.10") || !strings.Contains(err.Error(), "2.12") ||
		!strings.Contains(err.Error(), "scheduling") {
		t.Errorf("CheckVersion(2.9.10) = %v, want an error naming the version, 2.12 and message scheduling", err)
	}
}

func TestDueSubjectID(t *testing.T) {
	tests := map[string]struct{ subject, want string }{
		"due":             {"agentd.due.abc123", "abc123"},
		"dotted id":       {"agentd.due.a.b", "a.b"},
		"schedule":        {"agentd.schedule.abc123", ""},
		"event":           {"agentd.events.feed.item", ""},
		"prefix only":     {"agentd.due.", ""},
		"round trip make": {DueSubject("r-1"), "r-1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := DueSubjectID(tc.subject); got != tc.want {
				t.Errorf("DueSubjectID(%q) = %q, want %q", tc.subject, got, tc.want)
			}
		})
	}
}

func TestConnectErrorHidesCredentials(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	port := strconv.Itoa(freePort(t))
	_, err := Open(ctx, Config{URL: "nats://u:s3cret@127.0.0.1:" + port + ", nats://t0ken@127.0.0.1:" + port}, testLogger(t))
	if err == nil {
		t.Fatal("Open succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "s3cret") || strings.Contains(msg, "t0ken") || !strings.Contains(msg, "nats://REDACTED@127.0.0.1:"+port) {
		t.Errorf("error %q", msg)
	}
}

func TestConsumeAckAndStop(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())

	// The handler decides: retry the first delivery, done on the second.
	type delivery struct {
		id  string
		num int
	}
	got := make(chan delivery, 10)
	release := make(chan struct{})
	var finished atomic.Bool
	slow := testEvent(t, "slow")
	stop, err := b.Consume(ctx, StreamEvents, "test", []string{"agentd.events.feed.>"}, func(ctx context.Context, m Message) error {
		var ev event.Event
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			t.Errorf("decode: %v", err)
			return Drop(err)
		}
		if m.Subject != EventSubject(ev.Type) || m.HeaderValue(jetstream.MsgIDHeader) != ev.ID {
			t.Errorf("message subject %q, headers %v; want %s and the event id", m.Subject, m.Header, EventSubject(ev.Type))
		}
		got <- delivery{ev.ID, m.Delivered}
		if ev.ID == slow.ID {
			<-release
			finished.Store(true)
			return nil
		}
		if m.Delivered == 1 {
			return RetryAfter(10*time.Millisecond, errors.New("not yet"))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Consume: %v", err)
	}
	ev := testEvent(t, "retry-once")
	if err := b.PublishEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= 2; want++ {
		select {
		case d := <-got:
			if d.id != ev.ID || d.num != want {
				t.Fatalf("delivery = %+v, want %s #%d", d, ev.ID, want)
			}
		case <-ctx.Done():
			t.Fatalf("waiting for delivery #%d: %v", want, ctx.Err())
		}
	}

	// stop waits for the running handler, and its ack.
	if err := b.PublishEvent(ctx, slow); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-ctx.Done():
		t.Fatalf("waiting for the slow event: %v", ctx.Err())
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	go func() { time.Sleep(200 * time.Millisecond); close(release) }()
	select {
	case <-stopped:
		if !finished.Load() {
			t.Error("stop returned while the handler was still running")
		}
	case <-ctx.Done():
		t.Fatal("stop did not return")
	}
	stop() // idempotent

	// Nothing is consumed after stop; the durable consumer keeps its place.
	late := testEvent(t, "after-stop")
	if err := b.PublishEvent(ctx, late); err != nil {
		t.Fatal(err)
	}
	info := waitPending(t, ctx, b, StreamEvents, "test", 1)
	if info.NumPending != 1 || info.NumAckPending != 0 {
		t.Errorf("after stop: pending %d, ack pending %d; want 1 and 0", info.NumPending, info.NumAckPending)
	}
	if info.Config.MaxDeliver != -1 || info.Config.AckPolicy != jetstream.AckExplicitPolicy || len(info.Config.BackOff) != 0 || info.Config.AckWait != ackWait {
		t.Errorf("consumer config = %+v", info.Config)
	}
}

func consumerInfo(t *testing.T, ctx context.Context, b *Bus, stream, durable string) *jetstream.ConsumerInfo {
	t.Helper()
	cons, err := b.JetStream().Consumer(ctx, stream, durable)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// waitPending waits until want messages are pending or unacked on the
// consumer (Backlog): it learns of new messages asynchronously.
func waitPending(t *testing.T, ctx context.Context, b *Bus, stream, durable string, want uint64) *jetstream.ConsumerInfo {
	t.Helper()
	for {
		pending, unacked, err := b.Backlog(ctx, stream, durable)
		if err != nil {
			t.Fatal(err)
		}
		if pending+unacked == want {
			return consumerInfo(t, ctx, b, stream, durable)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("consumer %s never had %d pending: %d pending, %d unacked", durable, want, pending, unacked)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitSettled waits until the consumer has nothing pending or unacked.
func waitSettled(t *testing.T, ctx context.Context, b *Bus, stream, durable string) *jetstream.ConsumerInfo {
	t.Helper()
	last := lastSeqFor(t, ctx, b, stream, consumerInfo(t, ctx, b, stream, durable))
	for {
		// The consumer learns of new messages asynchronously: settled
		// means it has also answered everything the stream held when
		// the wait began, not only that nothing is pending right now.
		info := consumerInfo(t, ctx, b, stream, durable)
		if info.AckFloor.Stream >= last && info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0 {
			return info
		}
		select {
		case <-ctx.Done():
			t.Fatalf("consumer %s never settled: %+v", durable, info)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// lastSeqFor is the stream sequence of the newest message the consumer's
// filters match (0 if none).
func lastSeqFor(t *testing.T, ctx context.Context, b *Bus, stream string, info *jetstream.ConsumerInfo) uint64 {
	t.Helper()
	st, err := b.JetStream().Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	filters := info.Config.FilterSubjects
	if info.Config.FilterSubject != "" {
		filters = append(filters, info.Config.FilterSubject)
	}
	if len(filters) == 0 {
		filters = []string{">"}
	}
	var last uint64
	for _, f := range filters {
		m, err := st.GetLastMsgForSubject(ctx, f)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		last = max(last, m.Sequence)
	}
	return last
}

// TestConsumeDropAndMaxDeliver: Drop terms a message at once and logs it
// once; MaxDeliver gives up on a message that keeps failing, without
// calling the handler again.
func TestConsumeDropAndMaxDeliver(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	var logs logBuffer
	b, err := Open(ctx, Config{DataDir: t.TempDir()}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })

	poison, bad := testEvent(t, "poison"), testEvent(t, "bad")
	var calls sync.Map // event id -> *atomic.Int32
	count := func(id string) *atomic.Int32 {
		n, _ := calls.LoadOrStore(id, new(atomic.Int32))
		return n.(*atomic.Int32)
	}
	stop, err := b.Consume(ctx, StreamEvents, "drop", nil, func(ctx context.Context, m Message) error {
		var ev event.Event
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			return Drop(err)
		}
		count(ev.ID).Add(1)
		if ev.ID == bad.ID {
			return fmt.Errorf("wrapped: %w", Drop(errors.New("cannot use this")))
		}
		return RetryAfter(time.Millisecond, errors.New("keeps failing"))
	}, MaxDeliver(3))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, ev := range []event.Event{poison, bad} {
		if err := b.PublishEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	waitSettled(t, ctx, b, StreamEvents, "drop")
	if n := count(poison.ID).Load(); n != 3 {
		t.Errorf("poison event handled %d times, want 3 (MaxDeliver)", n)
	}
	if n := count(bad.ID).Load(); n != 1 {
		t.Errorf("dropped event handled %d times, want once", n)
	}
	if n := logs.count("dropping message"); n != 2 {
		t.Errorf("%d drop log lines, want 2 (one each):\n%s", n, logs.String())
	}
	for _, want := range []string{"level=ERROR msg=\"dropping message\" stream=EVENTS consumer=drop subject=" + EventSubject(bad.Type), "cannot use this", "more than the limit of 3"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	// Both stay in the (limits) stream for inspection.
	if n := streamMsgs(t, ctx, b, StreamEvents, EventSubject(bad.Type)); n != 2 {
		t.Errorf("%d events in the stream, want 2", n)
	}
}

func TestHandlerErrors(t *testing.T) {
	cause := errors.New("cause")
	tests := map[string]struct {
		err   error
		drop  bool
		delay time.Duration
		retry bool
	}{
		"nil":               {err: nil},
		"plain":             {err: cause},
		"retry":             {err: RetryAfter(time.Minute, cause), delay: time.Minute, retry: true},
		"retry without why": {err: RetryAfter(time.Second, nil), delay: time.Second, retry: true},
		"retry wrapped":     {err: fmt.Errorf("x: %w", RetryAfter(2*time.Second, cause)), delay: 2 * time.Second, retry: true},
		"retry not zero":    {err: RetryAfter(0, cause), delay: time.Millisecond, retry: true},
		"drop":              {err: Drop(cause), drop: true},
		"drop without why":  {err: Drop(nil), drop: true},
		"drop wrapped":      {err: fmt.Errorf("x: %w", Drop(cause)), drop: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := IsDrop(tc.err); got != tc.drop {
				t.Errorf("IsDrop = %v, want %v", got, tc.drop)
			}
			d, ok := RetryDelay(tc.err)
			if ok != tc.retry || d != tc.delay {
				t.Errorf("RetryDelay = %v, %v; want %v, %v", d, ok, tc.delay, tc.retry)
			}
			if tc.err != nil && (tc.drop || tc.retry) && !strings.HasSuffix(name, "without why") && !errors.Is(tc.err, cause) {
				t.Errorf("%v does not wrap its cause", tc.err)
			}
		})
	}
	for n, want := range map[int]time.Duration{0: 5 * time.Second, 1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second, 7: 5 * time.Minute, 1 << 30: 5 * time.Minute} {
		if got := retryBackoff(n); got != want {
			t.Errorf("retryBackoff(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestConsumeStopsWithContext(t *testing.T) {
	ctx := testContext(t, 20*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())
	cctx, cancel := context.WithCancel(ctx)
	var n atomic.Int32
	stop, err := b.Consume(cctx, StreamEvents, "ctx", nil, func(context.Context, Message) error {
		n.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	stop() // waits for the stop the cancellation started
	if err := b.PublishEvent(ctx, testEvent(t, "after-cancel")); err != nil {
		t.Fatal(err)
	}
	// The server may still hand it to the closing subscription's last
	// pull request (ack pending, not pending). Either way it is not
	// handled and comes back.
	waitPending(t, ctx, b, StreamEvents, "ctx", 1)
	if n.Load() != 0 {
		t.Errorf("after cancel: handled %d messages, want 0", n.Load())
	}
}

func BenchmarkPublishEvent(b *testing.B) {
	ctx := testContext(b, 5*time.Minute)
	bus := openEmbedded(b, ctx, b.TempDir())
	evs := make([]event.Event, 1024)
	for i := range evs {
		evs[i] = testEvent(b, strconv.Itoa(i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev := evs[i%len(evs)]
		ev.ID = ev.ID + "-" + strconv.Itoa(i) // unique: a duplicate costs less
		if err := bus.PublishEvent(ctx, ev); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// withAckWait shortens the consumer's ack wait for a test.
func withAckWait(d time.Duration) ConsumeOption {
	return func(o *consumeOptions) { o.ackWait = d }
}

// TestConsumeSlowHandler: a handler that takes several ack waits is told
// to the server as still in progress, so its message is not delivered
// again meanwhile.
func TestConsumeSlowHandler(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())
	var calls atomic.Int32
	done := make(chan int, 1)
	stop, err := b.Consume(ctx, StreamEvents, "slow", nil, func(ctx context.Context, m Message) error {
		calls.Add(1)
		time.Sleep(1500 * time.Millisecond) // three ack waits
		done <- m.Delivered
		return nil
	}, withAckWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := b.PublishEvent(ctx, testEvent(t, "slow")); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-done:
		if n != 1 {
			t.Errorf("first handling saw delivery #%d", n)
		}
	case <-ctx.Done():
		t.Fatal("handler never finished")
	}
	info := waitSettled(t, ctx, b, StreamEvents, "slow")
	if n := calls.Load(); n != 1 || info.Delivered.Consumer != 1 {
		t.Errorf("handled %d times, %d deliveries; want 1 and 1", n, info.Delivered.Consumer)
	}
}

// TestConsumeUpdatesOldConsumer: a durable consumer made by an earlier
// agentd (AckWait from a BackOff list) is brought to the current config,
// so a retry asked for on a later delivery is not stretched by the
// server's back-off.
func TestConsumeUpdatesOldConsumer(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	b := openEmbedded(t, ctx, t.TempDir())
	_, err := b.JetStream().CreateOrUpdateConsumer(ctx, StreamEvents, jetstream.ConsumerConfig{
		Durable:    "old",
		AckPolicy:  jetstream.AckExplicitPolicy,
		AckWait:    30 * time.Second,
		MaxDeliver: -1,
		BackOff:    []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int, 10)
	stop, err := b.Consume(ctx, StreamEvents, "old", nil, func(ctx context.Context, m Message) error {
		got <- m.Delivered
		if m.Delivered < 4 {
			return RetryAfter(50*time.Millisecond, errors.New("again"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := b.PublishEvent(ctx, testEvent(t, "retried")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for want := 1; want <= 4; want++ {
		select {
		case n := <-got:
			if n != want {
				t.Fatalf("delivery #%d, want #%d", n, want)
			}
		case <-ctx.Done():
			t.Fatalf("delivery #%d never came (after %s)", want, time.Since(start))
		}
	}
	if info := waitSettled(t, ctx, b, StreamEvents, "old"); len(info.Config.BackOff) != 0 || info.Config.AckWait != ackWait {
		t.Errorf("consumer config not updated: %+v", info.Config)
	}
}
