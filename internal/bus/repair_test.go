package bus

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// corrupt writes n random bytes into path at offset off.
func corrupt(t *testing.T, path string, off int64, n int) {
	t.Helper()
	junk := make([]byte, n)
	if _, err := rand.Read(junk); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("corrupt: %v", err)
	}
	defer f.Close()
	if off == 0 {
		if err := f.Truncate(0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.WriteAt(junk, off); err != nil {
		t.Fatal(err)
	}
}

// damagedWatchersBlock makes a data dir whose watchers' KV stream holds 50
// keys of 300 bytes, then writes 8 KB of random bytes into its first
// block; it returns the dir and the block's path.
func damagedWatchersBlock(t *testing.T, ctx context.Context) (dir, blk string) {
	t.Helper()
	dir = t.TempDir()
	b, err := Open(ctx, Config{DataDir: dir}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	st, err := b.Store(ctx, BucketWatchers)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := st.Put(ctx, "cursor"+string(rune('a'+i)), make([]byte, 300)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	blk = filepath.Join(dir, "jetstream", "$G", "streams", "KV_"+BucketWatchers, "msgs", "1.blk")
	corrupt(t, blk, 2000, 8<<10)
	return dir, blk
}

// TestRepairDamagedConsumer: 64 random bytes in a consumer's state file
// stop the bus from opening with a message naming the file and the repair;
// after Repair it opens, and the rebuilt consumer hands over what its
// stream holds once more (see TestRepairKeepsUnhandled), then what comes
// next. Repair refuses while the bus is open.
func TestRepairDamagedConsumer(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	dir := t.TempDir()
	b, err := Open(ctx, Config{DataDir: dir}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan Message, 10)
	h := func(_ context.Context, m Message) error { got <- m; return nil }
	stop, err := b.Consume(ctx, StreamEvents, "planner", []string{SubjectEvents + ">"}, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if err := b.PublishEvent(ctx, testEvent(t, k)); err != nil {
			t.Fatal(err)
		}
		<-got
	}
	stop()
	if _, err := Repair(ctx, Config{DataDir: dir}, testLogger(t)); !errors.Is(err, ErrLocked) {
		t.Errorf("Repair beside an open bus: err = %v, want ErrLocked", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	state := filepath.Join(dir, "jetstream", "$G", "streams", StreamEvents, "obs", "planner", "o.dat")
	corrupt(t, state, 0, 64)
	_, err = Open(ctx, Config{DataDir: dir}, testLogger(t))
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("Open with a damaged consumer: err = %v, want ErrDamaged", err)
	}
	for _, want := range []string{state, "agentd repair"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}

	rep, err := Repair(ctx, Config{DataDir: dir}, testLogger(t))
	if err != nil {
		t.Fatalf("Repair: %v", err)
	}
	if len(rep.Consumers) != 1 || rep.Consumers[0].String() != StreamEvents+"/planner" {
		t.Errorf("rebuilt %v, want [EVENTS/planner]", rep.Consumers)
	}
	rel, _ := filepath.Rel(filepath.Join(dir, "jetstream"), state)
	if _, err := os.Stat(filepath.Join(rep.MovedTo, rel)); err != nil || !strings.HasPrefix(filepath.Base(rep.MovedTo), "jetstream.damaged-") {
		t.Errorf("damaged state not moved aside to %s: %v", rep.MovedTo, err)
	}

	b = openEmbedded(t, ctx, dir)
	if _, err := b.Consume(ctx, StreamEvents, "planner", []string{SubjectEvents + ">"}, h); err != nil {
		t.Fatalf("Consume after repair: %v", err)
	}
	for range 3 {
		select {
		case <-got:
		case <-time.After(20 * time.Second):
			t.Fatal("after repair, the stream's events were not handed over again")
		}
	}
	waitSettled(t, ctx, b, StreamEvents, "planner")
	if err := b.PublishEvent(ctx, testEvent(t, "d")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("after repair, a new event was not delivered")
	}
	waitSettled(t, ctx, b, StreamEvents, "planner")
	select {
	case m := <-got:
		t.Fatalf("after repair, %s was delivered again", m.Subject)
	default:
	}
}

// TestRepairDamagedBlock: 8 KB of random bytes in a block of the
// watchers' KV stream are reported, and Repair moves the block aside (with
// its stream, written again from the keys still readable); the bucket
// works after.
func TestRepairDamagedBlock(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	dir, blk := damagedWatchersBlock(t, ctx)

	rep, err := Repair(ctx, Config{DataDir: dir}, testLogger(t))
	if err != nil {
		t.Fatalf("Repair: %v", err)
	}
	found := false
	for _, d := range rep.Damage {
		found = found || d.Path == blk
	}
	if !found {
		t.Fatalf("Repair found %v, want %s", rep.Damage, blk)
	}
	rel, _ := filepath.Rel(filepath.Join(dir, "jetstream"), blk)
	if _, err := os.Stat(filepath.Join(rep.MovedTo, rel)); err != nil {
		t.Errorf("damaged block not moved aside: %v", err)
	}

	b := openEmbedded(t, ctx, dir)
	if d := b.Damage(); len(d) > 0 {
		t.Errorf("after repair, still damaged: %v", d)
	}
	st, err := b.Store(ctx, BucketWatchers)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := st.Put(wctx, "cursor", []byte("x")); err != nil {
		t.Errorf("Put after repair: %v", err)
	}
}

// TestDamagedBlockReported: a damaged block whose keys the server still
// counts stops the bus from opening (the first write to such a key would
// spin in the server for ever, issue 9), with a message naming the block,
// the keys and the repair.
func TestDamagedBlockReported(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	dir, blk := damagedWatchersBlock(t, ctx)
	start := time.Now()
	_, err := Open(ctx, Config{DataDir: dir}, testLogger(t))
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("Open on a damaged block: err = %v, want ErrDamaged", err)
	}
	if took := time.Since(start); took > kvHangMaxOpen {
		t.Errorf("Open took %v to refuse", took)
	}
	for _, want := range []string{blk, "KV_" + BucketWatchers, "counts but cannot read", `"cursor`, "agentd repair"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

// TestRepairKeepsUnhandled: events published while the planner was not
// there to handle them, then a damaged planner state file. Repair used to
// start the rebuilt consumer after the stream's last message, so those
// events were never handled. Now it replays the stream: every event the
// stream holds is handed over again, in order, the unhandled ones among
// them; telling a repeat from a first time is the handler's (in agentd,
// the suggestion records and the delivery log).
func TestRepairKeepsUnhandled(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	dir := t.TempDir()
	b, err := Open(ctx, Config{DataDir: dir}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan Message, 20)
	h := func(_ context.Context, m Message) error { got <- m; return nil }
	stop, err := b.Consume(ctx, StreamEvents, "planner", []string{SubjectEvents + ">"}, h)
	if err != nil {
		t.Fatal(err)
	}
	handled := []string{"a", "b", "c"}
	for _, k := range handled {
		if err := b.PublishEvent(ctx, testEvent(t, k)); err != nil {
			t.Fatal(err)
		}
		<-got
	}
	waitSettled(t, ctx, b, StreamEvents, "planner")
	stop()
	unhandled := []string{"d", "e"}
	for _, k := range unhandled {
		if err := b.PublishEvent(ctx, testEvent(t, k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	corrupt(t, filepath.Join(dir, "jetstream", "$G", "streams", StreamEvents, "obs", "planner", "o.dat"), 0, 64)

	rep, err := Repair(ctx, Config{DataDir: dir}, testLogger(t))
	if err != nil {
		t.Fatalf("Repair: %v", err)
	}
	if len(rep.Consumers) != 1 || rep.Consumers[0].String() != StreamEvents+"/planner" || rep.Consumers[0].Replay != 5 {
		t.Errorf("rebuilt %+v, want EVENTS/planner replaying 5 messages", rep.Consumers)
	}

	b = openEmbedded(t, ctx, dir)
	if _, err := b.Consume(ctx, StreamEvents, "planner", []string{SubjectEvents + ">"}, h); err != nil {
		t.Fatalf("Consume after repair: %v", err)
	}
	want := append(append([]string(nil), handled...), unhandled...)
	var ids []string
	deadline := time.After(20 * time.Second)
	for range want {
		select {
		case m := <-got:
			ids = append(ids, m.Header["Nats-Msg-Id"]...)
		case <-deadline:
			t.Fatalf("after repair, only %d of the %d events the stream holds were handed over: %v", len(ids), len(want), ids)
		}
	}
	for i, k := range want {
		if i >= len(ids) || ids[i] != testEvent(t, k).ID {
			t.Fatalf("after repair, handed over %v, want the events %v in order", ids, want)
		}
	}
	waitSettled(t, ctx, b, StreamEvents, "planner")
	select {
	case m := <-got:
		t.Fatalf("after the replay, %s was handed over once more", m.Subject)
	default:
	}
}
