package maildir

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers/mail"
)

const (
	me    = "Alice <alice@example.com>"
	bob   = "Bob <bob@example.net>"
	carol = "Carol <carol@example.org>"
)

var (
	oldDate    = testNow.Add(-40 * 24 * time.Hour) // before the 14-day look-back
	recentDate = testNow.Add(-2 * 24 * time.Hour)
)

func TestFirstRunBackfillThenNewMail(t *testing.T) {
	cases := map[string]struct {
		layout string
		sent   string // name of the Sent folder in this tree
	}{
		"maildir++ with .Sent":          {layout: layoutMaildirPP, sent: "Sent"},
		"mbsync with Sent/":             {layout: layoutMbsync, sent: "Sent"},
		"mbsync with [Gmail]/Sent Mail": {layout: layoutMbsync, sent: "[Gmail]/Sent Mail"},
		"maildir++ with .Sent Items":    {layout: layoutMaildirPP, sent: "Sent Items"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tr := newTree(t, tc.layout, tc.sent, "Drafts", "Archive")
			tr.put("INBOX", "cur", "1760000000.M1P1.host:2,S",
				msg{ID: "old@x", From: bob, To: me, Subject: "Old mail", Date: oldDate}.String(), oldDate)
			recent := msg{ID: "recent@x", From: bob, To: me, Subject: "Recent mail", Date: recentDate}.String()
			tr.put("INBOX", "cur", "1763000000.M2P1.host,S=300:2,RS", recent, recentDate)
			// No Date header: the file's mtime decides.
			tr.put("INBOX", "new", "1763000001.M3P1.host",
				msg{ID: "nodate-recent@x", From: carol, To: me, Subject: "Undated, recent file"}.String(), recentDate)
			tr.put("INBOX", "cur", "1750000000.M4P1.host:2,S",
				msg{ID: "nodate-old@x", From: carol, To: me, Subject: "Undated, old file"}.String(), oldDate)
			tr.put(tc.sent, "cur", "1760000002.M5P1.host:2,S",
				msg{ID: "sent-old@x", From: me, To: bob, Subject: "Old question", Date: oldDate}.String(), oldDate)
			tr.put(tc.sent, "cur", "1763000002.M6P1.host:2,S",
				msg{ID: "sent-recent@x", From: me, To: bob, Subject: "Recent question", Date: recentDate}.String(), recentDate)
			tr.put("Drafts", "cur", "1763000003.M7P1.host:2,DS",
				msg{ID: "draft@x", From: me, To: bob, Subject: "A draft", Date: recentDate}.String(), recentDate)
			tr.put("Archive", "cur", "1763000004.M8P1.host:2,S",
				msg{ID: "archived@x", From: bob, To: me, Subject: "Archived", Date: recentDate}.String(), recentDate)

			store := state.NewMemory()
			w := newTestWatcher(t, Config{Path: tr.root}, store, nil)
			rec := newRecorder()
			ctx := context.Background()
			if err := w.SyncOnce(ctx, rec.publish); err != nil {
				t.Fatalf("SyncOnce: %v", err)
			}
			evs := rec.take()
			if got, want := subjects(evs), []string{"Recent mail", "Undated, recent file", "Recent question"}; !slices.Equal(got, want) {
				t.Fatalf("first run announced %q, want %q", got, want)
			}
			wantFlags := [][]string{{`\Answered`, `\Seen`}, nil, {`\Seen`}}
			wantMailbox := []string{"INBOX", "INBOX", tc.sent}
			wantType := []string{event.TypeMailReceived, event.TypeMailReceived, event.TypeMailSent}
			wantKey := []string{"recent@x", "nodate-recent@x", "sent-recent@x"}
			for i, ev := range evs {
				m := decodeMail(t, ev)
				if !m.Backfill {
					t.Errorf("%s: Backfill = false on a first run", ev.Subject)
				}
				if !slices.Equal(m.Flags, wantFlags[i]) {
					t.Errorf("%s: flags %q, want %q", ev.Subject, m.Flags, wantFlags[i])
				}
				if m.Mailbox != wantMailbox[i] || m.Account != "home" {
					t.Errorf("%s: account/mailbox %q/%q, want home/%q", ev.Subject, m.Account, m.Mailbox, wantMailbox[i])
				}
				if ev.Type != wantType[i] || ev.Source != "mail:home" {
					t.Errorf("%s: type/source %q/%q", ev.Subject, ev.Type, ev.Source)
				}
				if want := event.ID("mail:home", wantType[i], mail.Key(wantKey[i], m.Digest(), "")); ev.ID != want {
					t.Errorf("%s: id %q is not derived from the Message-ID and digest", ev.Subject, ev.ID)
				}
				if !ev.Seen.Equal(testNow) {
					t.Errorf("%s: seen %v, want the clock's %v", ev.Subject, ev.Seen, testNow)
				}
			}
			if m := decodeMail(t, evs[0]); m.Size != int64(len(recent)) {
				t.Errorf("size = %d, want the file's %d", m.Size, len(recent))
			}

			// Nothing twice; then new mail is announced normally.
			if err := w.SyncOnce(ctx, rec.publish); err != nil {
				t.Fatal(err)
			}
			if evs := rec.take(); len(evs) != 0 {
				t.Fatalf("second pass announced %q", subjects(evs))
			}
			tr.deliver("INBOX", "1763500000.M9P1.host", msg{ID: "new@x", From: bob, To: me, Subject: "Brand new", Date: testNow}.String())
			// An old Date no longer matters after the first run.
			tr.deliver(tc.sent, "1763500001.M10P1.host", msg{ID: "new-sent@x", From: me, To: carol, Subject: "Sent with an old date", Date: oldDate}.String())
			if err := w.SyncOnce(ctx, rec.publish); err != nil {
				t.Fatal(err)
			}
			evs = rec.take()
			if got, want := subjects(evs), []string{"Brand new", "Sent with an old date"}; !slices.Equal(got, want) {
				t.Fatalf("after delivery announced %q, want %q", got, want)
			}
			for _, ev := range evs {
				if decodeMail(t, ev).Backfill {
					t.Errorf("%s: Backfill after the first run", ev.Subject)
				}
			}
			if evs[1].Type != event.TypeMailSent {
				t.Errorf("mail in %s became %s", tc.sent, evs[1].Type)
			}
			if h := w.Health(); !h.OK || h.LastError != "" || !h.LastOK.Equal(testNow) {
				t.Errorf("health = %+v", h)
			}
		})
	}
}

// TestRunAnnouncesNewMail delivers mail while Run watches, once through file
// notifications (the poll is an hour away) and once through the poll alone.
// A mail reader's new/ → cur/ move with flags in between must not announce
// the mail again.
func TestRunAnnouncesNewMail(t *testing.T) {
	cases := map[string]struct {
		poll time.Duration
		opts []Option
	}{
		"fsnotify":              {poll: time.Hour},
		"poll without fsnotify": {poll: 10 * time.Millisecond, opts: []Option{WithoutFSNotify()}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tr := newTree(t, layoutMbsync, "Sent")
			tr.put("INBOX", "cur", "1763000000.M1P1.host:2,S",
				msg{ID: "before@x", From: bob, To: me, Subject: "Before start", Date: recentDate}.String(), recentDate)
			w := newTestWatcher(t, Config{Path: tr.root, Poll: tc.poll}, state.NewMemory(), nil, tc.opts...)
			rec := newRecorder()
			stop := runWatcher(t, w, rec.publish)

			// The first pass has listed the folder before it published.
			if ev := rec.wait(t, "mail present at start"); ev.Subject != "Before start" {
				t.Fatalf("first event %q", ev.Subject)
			}
			tr.deliver("INBOX", "1763600000.M2P1.host", msg{ID: "one@x", From: bob, To: me, Subject: "One", Date: testNow}.String())
			ev := rec.wait(t, "a delivered mail")
			if ev.Subject != "One" || decodeMail(t, ev).Backfill {
				t.Fatalf("event %q (backfill %v), want One, not backfill", ev.Subject, decodeMail(t, ev).Backfill)
			}
			// Read in a mail reader: moved to cur/ with flags.
			tr.move("INBOX", "new", "1763600000.M2P1.host", "cur", "1763600000.M2P1.host:2,S")
			tr.move("INBOX", "cur", "1763600000.M2P1.host:2,S", "cur", "1763600000.M2P1.host:2,FS")
			tr.deliver("Sent", "1763600001.M3P1.host", msg{ID: "two@x", From: me, To: bob, Subject: "Two", Date: testNow}.String())
			ev = rec.wait(t, "a mail delivered to Sent")
			if ev.Subject != "Two" || ev.Type != event.TypeMailSent {
				t.Fatalf("event %q %s, want Two, mail.sent (the moved mail must not come again)", ev.Subject, ev.Type)
			}
			if err := stop(); err != nil {
				t.Fatalf("Run returned %v after cancel, want nil", err)
			}
			if got, want := subjects(rec.take()), []string{"Before start", "One", "Two"}; !slices.Equal(got, want) {
				t.Fatalf("announced %q, want %q", got, want)
			}
		})
	}
}

func TestRestartAnnouncesNothing(t *testing.T) {
	tr := newTree(t, layoutMaildirPP, "Sent")
	for i, name := range []string{"1763000000.A.host:2,S", "1763000001.B.host:2,", "1763000002.C.host"} {
		sub := "cur"
		if !strings.Contains(name, ":") {
			sub = "new"
		}
		tr.put("INBOX", sub, name, msg{ID: name + "@x", From: bob, To: me, Subject: "Mail " + string(rune('A'+i)), Date: recentDate}.String(), recentDate)
	}
	tr.put("Sent", "cur", "1763000003.D.host:2,S", msg{ID: "d@x", From: me, To: bob, Subject: "Mail D", Date: recentDate}.String(), recentDate)
	store := state.NewMemory()
	ctx := context.Background()
	rec := newRecorder()
	if err := newTestWatcher(t, Config{Path: tr.root}, store, nil).SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.take()); n != 4 {
		t.Fatalf("first watcher announced %d mails, want 4", n)
	}
	// Flags changed while agentd was down.
	tr.move("INBOX", "new", "1763000002.C.host", "cur", "1763000002.C.host:2,S")
	tr.move("INBOX", "cur", "1763000001.B.host:2,", "cur", "1763000001.B.host:2,RS")

	w2 := newTestWatcher(t, Config{Path: tr.root}, store, nil)
	if err := w2.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if evs := rec.take(); len(evs) != 0 {
		t.Fatalf("restarted watcher announced %q", subjects(evs))
	}
	tr.deliver("INBOX", "1763600000.E.host", msg{ID: "e@x", From: bob, To: me, Subject: "Mail E", Date: oldDate}.String())
	if err := w2.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	evs := rec.take()
	if got := subjects(evs); !slices.Equal(got, []string{"Mail E"}) || decodeMail(t, evs[0]).Backfill {
		t.Fatalf("after restart announced %q, want Mail E without backfill", got)
	}
}

func TestBrokenFilesSkippedOthersAnnounced(t *testing.T) {
	tr := newTree(t, layoutMaildirPP)
	tr.put("INBOX", "cur", "1763000000.A.host:2,S", msg{ID: "a@x", From: bob, To: me, Subject: "Good A", Date: recentDate}.String(), recentDate)
	broken := map[string]string{
		"empty":  tr.put("INBOX", "cur", "1763000001.B.host:2,S", "", recentDate),
		"binary": tr.put("INBOX", "new", "1763000002.C.host", "\x00\x01\x02\xff\xfe PK\x03\x04 \x89PNG\r\n\x1a\n\x00\x00", recentDate),
	}
	if os.Geteuid() != 0 {
		// root reads a file whatever its mode.
		p := tr.put("INBOX", "cur", "1763000003.D.host:2,S", msg{ID: "d@x", From: bob, To: me, Subject: "Unreadable", Date: recentDate}.String(), recentDate)
		if err := os.Chmod(p, 0); err != nil {
			t.Fatal(err)
		}
		broken["unreadable"] = p
	}
	// Cut by the sync tool in the middle of the body, and longer than
	// MaxBody: both still mail.
	cut := msg{ID: "e@x", From: bob, To: me, Subject: "Cut short", Date: recentDate, Body: "Hello, could you"}.String()
	tr.put("INBOX", "cur", "1763000004.E.host:2,S", cut[:len(cut)-6], recentDate)
	tr.put("INBOX", "cur", "1763000005.F.host:2,S",
		msg{ID: "f@x", From: bob, To: me, Subject: "Long", Date: recentDate, Body: strings.Repeat("long line of text ", 500)}.String(), recentDate)
	// Not messages at all: skipped without a word.
	if err := os.Mkdir(filepath.Join(tr.root, "cur", "1763000006.G.host:2,S"), 0o755); err != nil {
		t.Fatal(err)
	}
	tr.put("INBOX", "new", ".nfs000001", "junk", recentDate)

	var logs logBuffer
	w := newTestWatcher(t, Config{Path: tr.root, MaxBody: 2048}, state.NewMemory(), logs.logger())
	rec := newRecorder()
	ctx := context.Background()
	for range 2 {
		if err := w.SyncOnce(ctx, rec.publish); err != nil {
			t.Fatalf("SyncOnce: %v", err)
		}
	}
	evs := rec.take()
	if got, want := subjects(evs), []string{"Good A", "Cut short", "Long"}; !slices.Equal(got, want) {
		t.Fatalf("announced %q, want %q", got, want)
	}
	if m := decodeMail(t, evs[2]); !m.TextTruncated || len(m.Text) > 2048 {
		t.Errorf("mail longer than MaxBody: truncated %v, %d bytes of text", m.TextTruncated, len(m.Text))
	}
	out := logs.String()
	for what, path := range broken {
		if n := strings.Count(out, path); n != 1 {
			t.Errorf("%s file %s logged %d times over two passes, want once\n%s", what, path, n, out)
		}
	}
	if strings.Contains(out, ".nfs000001") || strings.Contains(out, "G.host") {
		t.Errorf("non-message entries were logged:\n%s", out)
	}
	if h := w.Health(); !h.OK {
		t.Errorf("broken files made the watcher unhealthy: %+v", h)
	}

	// The empty file gets its content (a delivery agent that wrote in
	// place): it is read again and announced.
	if err := os.WriteFile(broken["empty"], []byte(msg{ID: "b@x", From: bob, To: me, Subject: "Good B", Date: recentDate}.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"Good B"}) {
		t.Fatalf("after repair announced %q, want Good B", got)
	}
}

func TestNeverModifiesTheMaildir(t *testing.T) {
	tr := newTree(t, layoutMbsync, "Sent", "Drafts")
	tr.put("INBOX", "cur", "1760000000.A.host:2,S", msg{ID: "a@x", From: bob, To: me, Subject: "Old", Date: oldDate}.String(), oldDate)
	tr.put("INBOX", "new", "1763000001.B.host", msg{ID: "b@x", From: bob, To: me, Subject: "Unread", Date: recentDate}.String(), recentDate)
	tr.put("INBOX", "cur", "1763000002.C.host:2,", msg{ID: "c@x", From: bob, To: me, Subject: "No flags", Date: recentDate}.String(), recentDate)
	tr.put("INBOX", "cur", "1763000003.D.host:2,S", "", recentDate)
	tr.put("Sent", "cur", "1763000004.E.host:2,S", msg{ID: "e@x", From: me, To: bob, Subject: "Sent", Date: recentDate}.String(), recentDate)
	tr.put("Drafts", "cur", "1763000005.F.host:2,DS", msg{ID: "f@x", From: me, To: bob, Subject: "Draft", Date: recentDate}.String(), recentDate)
	before := snapshot(t, tr.root)

	w := newTestWatcher(t, Config{Path: tr.root, Poll: 5 * time.Millisecond}, state.NewMemory(), nil)
	rec := newRecorder()
	stop := runWatcher(t, w, rec.publish)
	for _, want := range []string{"Unread", "No flags", "Sent"} {
		if ev := rec.wait(t, want); ev.Subject != want {
			t.Fatalf("event %q, want %q", ev.Subject, want)
		}
	}
	// Let a few polls go by: each must leave the tree alone too.
	for range 3 {
		if err := w.SyncOnce(context.Background(), rec.publish); err != nil {
			t.Fatal(err)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, tr.root)
	if !maps.Equal(before, after) {
		for p, st := range after {
			if b, ok := before[p]; !ok || b != st {
				t.Errorf("%s: before %+v, after %+v", p, b, st)
			}
		}
		for p := range before {
			if _, ok := after[p]; !ok {
				t.Errorf("%s: removed", p)
			}
		}
	}
}

func TestPublishFailureIsRetried(t *testing.T) {
	tr := newTree(t, layoutMaildirPP)
	for _, s := range []string{"A", "B", "C"} {
		tr.put("INBOX", "cur", "176300000"+s+".host:2,S", msg{ID: s + "@x", From: bob, To: me, Subject: s, Date: recentDate}.String(), recentDate)
	}
	store := state.NewMemory()
	w := newTestWatcher(t, Config{Path: tr.root}, store, nil)
	rec := newRecorder()
	rec.fail = map[string]bool{"B": true}
	ctx := context.Background()
	err := w.SyncOnce(ctx, rec.publish)
	if err == nil || !strings.Contains(err.Error(), "bus unavailable") {
		t.Fatalf("SyncOnce = %v, want the publish error", err)
	}
	if got := subjects(rec.take()); !slices.Equal(got, []string{"A"}) {
		t.Fatalf("announced %q before the failure, want A", got)
	}
	if h := w.Health(); h.OK || h.Failures != 1 || !strings.Contains(h.LastError, "bus unavailable") {
		t.Errorf("health = %+v", h)
	}
	// A new process: what was published is remembered, the rest is still
	// a first run (backfill), nothing is lost.
	rec.fail = nil
	w2 := newTestWatcher(t, Config{Path: tr.root}, store, nil)
	if err := w2.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	evs := rec.take()
	if got := subjects(evs); !slices.Equal(got, []string{"B", "C"}) {
		t.Fatalf("retry announced %q, want B and C", got)
	}
	for _, ev := range evs {
		if !decodeMail(t, ev).Backfill {
			t.Errorf("%s: the interrupted first run must still be backfill", ev.Subject)
		}
	}
}

func TestCorruptStateFallsBackToFirstRun(t *testing.T) {
	tr := newTree(t, layoutMaildirPP)
	tr.put("INBOX", "cur", "1760000000.A.host:2,S", msg{ID: "a@x", From: bob, To: me, Subject: "Old", Date: oldDate}.String(), oldDate)
	tr.put("INBOX", "cur", "1763000001.B.host:2,S", msg{ID: "b@x", From: bob, To: me, Subject: "Recent", Date: recentDate}.String(), recentDate)
	store := state.NewMemory()
	ctx := context.Background()
	rec := newRecorder()
	if err := newTestWatcher(t, Config{Path: tr.root}, store, nil).SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	rec.take()
	keys, err := store.Keys(ctx, seenPrefix("home", "")+"seen.")
	if err != nil || len(keys) == 0 {
		t.Fatalf("seen keys %q, %v", keys, err)
	}
	for _, k := range keys {
		if err := store.Put(ctx, k, []byte("garbage")); err != nil {
			t.Fatal(err)
		}
	}
	var logs logBuffer
	w := newTestWatcher(t, Config{Path: tr.root}, store, logs.logger())
	if err := w.SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	evs := rec.take()
	// The old mail stays quiet; the recent one comes again as backfill
	// (the bus drops it by its id).
	if got := subjects(evs); !slices.Equal(got, []string{"Recent"}) || !decodeMail(t, evs[0]).Backfill {
		t.Fatalf("announced %q, want Recent as backfill", got)
	}
	if !strings.Contains(logs.String(), "state unreadable") {
		t.Errorf("corrupt state not logged:\n%s", logs.String())
	}
	if err := newTestWatcher(t, Config{Path: tr.root}, store, nil).SyncOnce(ctx, rec.publish); err != nil {
		t.Fatal(err)
	}
	if evs := rec.take(); len(evs) != 0 {
		t.Fatalf("state was not repaired: %q announced again", subjects(evs))
	}
}

func TestConnectErrors(t *testing.T) {
	notMaildir := t.TempDir()
	if err := os.Mkdir(filepath.Join(notMaildir, "Documents"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		path string
		is   error
	}{
		"missing":         {path: filepath.Join(t.TempDir(), "nope"), is: os.ErrNotExist},
		"not a maildir":   {path: notMaildir, is: ErrNotMaildir},
		"a file, not dir": {path: newTree(t, layoutMaildirPP).put("INBOX", "cur", "x", "x", time.Time{}), is: ErrNotMaildir},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w := newTestWatcher(t, Config{Path: tc.path}, state.NewMemory(), nil)
			err := w.Connect(context.Background())
			if !errors.Is(err, tc.is) {
				t.Fatalf("Connect = %v, want %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), "maildir home") {
				t.Errorf("error %q does not say which account", err)
			}
			if err := w.SyncOnce(context.Background(), newRecorder().publish); !errors.Is(err, tc.is) {
				t.Errorf("SyncOnce = %v, want %v", err, tc.is)
			}
			if h := w.Health(); h.OK || h.Failures != 1 {
				t.Errorf("health = %+v", h)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	cases := map[string]struct {
		cfg  Config
		want string // substring of the error; empty: valid
	}{
		"minimal":           {cfg: Config{Name: "home", Path: "/m"}},
		"no name":           {cfg: Config{Path: "/m"}, want: "name is empty"},
		"no path":           {cfg: Config{Name: "home"}, want: "path is empty"},
		"negative lookback": {cfg: Config{Name: "home", Path: "/m", Lookback: -time.Hour}, want: "lookback -1h0m0s is negative"},
		"negative max body": {cfg: Config{Name: "home", Path: "/m", MaxBody: -1}, want: "max_body -1 is negative"},
		"negative poll":     {cfg: Config{Name: "home", Path: "/m", Poll: -time.Second}, want: "poll -1s is negative"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w, err := New(tc.cfg, state.NewMemory(), nil)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				c := w.cfg
				if c.Lookback != DefaultLookback || c.MaxBody != DefaultMaxBody || c.Poll != DefaultPoll {
					t.Errorf("defaults not applied: %+v", c)
				}
				if w.Name() != "mail:home" {
					t.Errorf("name %q", w.Name())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error with %q", err, tc.want)
			}
		})
	}
	if _, err := New(Config{Name: "home", Path: "/m"}, nil, nil); err == nil {
		t.Error("New without a store succeeded")
	}
}
