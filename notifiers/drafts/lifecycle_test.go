package drafts

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// storedDraft is one message in a Drafts folder; flags are IMAP's
// (\Draft, \Seen), translated from Maildir letters.
type storedDraft struct {
	raw   []byte
	flags []string
}

// fixture looks at a store's Drafts folder and plays the user on it.
type fixture interface {
	// drafts lists the messages in the Drafts folder (not deleted ones).
	drafts() []storedDraft
	// edit replaces the draft with msgID by change(raw), keeping the
	// Message-ID, as a mail client re-saves an edited draft.
	edit(msgID string, change func([]byte) []byte)
	// remove deletes the draft (the user discarded or sent it).
	remove(msgID string)
}

func newNotifier(t testing.TB, st Store, kv state.Store) *Notifier {
	t.Helper()
	n, err := New(Config{Accounts: map[string]Store{"work": st}}, kv, slog.New(slog.DiscardHandler), WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// answering returns the test draft as an answer to inReplyTo.
func answering(inReplyTo, body string) event.Draft {
	d := testDraft()
	d.InReplyTo = inReplyTo
	d.References = []string{"q1@example.net", inReplyTo}
	d.Body = body
	return d
}

func draftIDs(t testing.TB, ds []storedDraft) []string {
	t.Helper()
	var ids []string
	for _, d := range ds {
		ids = append(ids, headerMessageID(d.raw))
	}
	slices.Sort(ids)
	return ids
}

func bodyOf(t testing.TB, raw []byte) string {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(p.Body)
	return string(b)
}

func edited(raw []byte) []byte {
	return bytes.Replace(raw, []byte("Vendredi"), []byte("Samedi plutôt"), 1)
}

// lifecycleSuite is what every Store must do under the notifier: one
// draft per thread state, across restarts; replaced when untouched;
// an edited draft left alone; withdrawn when the user replied.
func lifecycleSuite(t *testing.T, setup func(t *testing.T) (Store, fixture)) {
	ctx := context.Background()

	t.Run("saved as a threaded draft, once per thread state", func(t *testing.T) {
		st, f := setup(t)
		kv := state.NewMemory()
		n := newNotifier(t, st, kv)
		id, err := n.Save(ctx, answering("q2@example.net", "Vendredi me va."))
		if err != nil {
			t.Fatal(err)
		}
		ds := f.drafts()
		if len(ds) != 1 {
			t.Fatalf("%d drafts, want 1", len(ds))
		}
		if !slices.Contains(ds[0].flags, `\Draft`) || !slices.Contains(ds[0].flags, `\Seen`) {
			t.Errorf("flags %v, want \\Draft and \\Seen", ds[0].flags)
		}
		r, err := mail.CreateReader(bytes.NewReader(ds[0].raw))
		if err != nil {
			t.Fatal(err)
		}
		irt, _ := r.Header.MsgIDList("In-Reply-To")
		refs, _ := r.Header.MsgIDList("References")
		subj, _ := r.Header.Subject()
		mid, _ := r.Header.MessageID()
		if mid != id || !slices.Equal(irt, []string{"q2@example.net"}) || !slices.Equal(refs, []string{"q1@example.net", "q2@example.net"}) || subj != "Re: Réunion de vendredi" {
			t.Errorf("headers: id %q (Save said %q) in-reply-to %q references %q subject %q", mid, id, irt, refs, subj)
		}
		if !strings.HasSuffix(id, "@example.org") {
			t.Errorf("message id %q is not in the user's domain", id)
		}
		if !Untouched(ds[0].raw) {
			t.Error("the stored draft does not verify as untouched")
		}

		// Again, in this process and after a restart (same state).
		if again, err := n.Save(ctx, answering("q2@example.net", "Another text.")); err != nil || again != id {
			t.Errorf("second save = %q %v, want %q", again, err, id)
		}
		if again, err := newNotifier(t, st, kv).Save(ctx, answering("q2@example.net", "Another text.")); err != nil || again != id {
			t.Errorf("save after restart = %q %v, want %q", again, err, id)
		}
		// Even with the state lost: the Message-ID comes from the thread
		// state and the draft is found in the folder.
		if again, err := newNotifier(t, st, state.NewMemory()).Save(ctx, answering("q2@example.net", "Another text.")); err != nil || again != id {
			t.Errorf("save with lost state = %q %v, want %q", again, err, id)
		}
		if ds := f.drafts(); len(ds) != 1 || !strings.Contains(bodyOf(t, ds[0].raw), "Vendredi me va.") {
			t.Errorf("%d drafts after saving again, want the first one only", len(ds))
		}
	})

	t.Run("a new message replaces the untouched draft", func(t *testing.T) {
		st, f := setup(t)
		kv := state.NewMemory()
		first, err := newNotifier(t, st, kv).Save(ctx, answering("q2@example.net", "Vendredi me va."))
		if err != nil {
			t.Fatal(err)
		}
		// Restarted in between: the state store remembers the draft.
		second, err := newNotifier(t, st, kv).Save(ctx, answering("q3@example.net", "Samedi aussi."))
		if err != nil {
			t.Fatal(err)
		}
		if first == second {
			t.Fatal("a new thread state got the same message id")
		}
		ds := f.drafts()
		if got := draftIDs(t, ds); !slices.Equal(got, []string{second}) {
			t.Fatalf("drafts %q, want only %q", got, second)
		}
		if !strings.Contains(bodyOf(t, ds[0].raw), "Samedi aussi.") {
			t.Errorf("body %q", bodyOf(t, ds[0].raw))
		}
	})

	t.Run("an edited draft is left alone and the thread gets no other", func(t *testing.T) {
		st, f := setup(t)
		kv := state.NewMemory()
		n := newNotifier(t, st, kv)
		first, err := n.Save(ctx, answering("q2@example.net", "Vendredi me va."))
		if err != nil {
			t.Fatal(err)
		}
		f.edit(first, edited)
		userCopy := f.drafts()[0].raw

		// The thread moves on: the reply is the user's now.
		if _, err := n.Save(ctx, answering("q3@example.net", "Samedi aussi.")); !errors.Is(err, ErrUserDraft) {
			t.Fatalf("save after the user's edit: %v, want ErrUserDraft", err)
		}
		if _, err := n.Save(ctx, answering("q4@example.net", "Dimanche ?")); !errors.Is(err, ErrUserDraft) {
			t.Fatalf("next save: %v, want ErrUserDraft", err)
		}
		if err := n.Withdraw(ctx, "q1@example.net"); err != nil {
			t.Fatal(err)
		}
		ds := f.drafts()
		if len(ds) != 1 || !bytes.Equal(ds[0].raw, userCopy) {
			t.Fatalf("%d drafts, want only the user's edited one, unchanged", len(ds))
		}
	})

	t.Run("an edit just before the replacement is kept", func(t *testing.T) {
		// The user edits between agentd's look and its delete: the store
		// refuses (ErrEdited) and the edited draft stays.
		st, f := setup(t)
		id := MessageID("example.org", "race")
		if err := st.Save(ctx, composeFor(t, id), id); err != nil {
			t.Fatal(err)
		}
		f.edit(id, edited)
		if err := st.Delete(ctx, id); !errors.Is(err, ErrEdited) {
			t.Errorf("Delete of an edited draft = %v, want ErrEdited", err)
		}
		if n := len(f.drafts()); n != 1 {
			t.Errorf("%d drafts, want the edited one", n)
		}
	})

	t.Run("withdrawn when the user replied", func(t *testing.T) {
		st, f := setup(t)
		kv := state.NewMemory()
		if _, err := newNotifier(t, st, kv).Save(ctx, answering("q2@example.net", "Vendredi me va.")); err != nil {
			t.Fatal(err)
		}
		n := newNotifier(t, st, kv) // after a restart
		if err := n.Withdraw(ctx, "q1@example.net"); err != nil {
			t.Fatal(err)
		}
		if ds := f.drafts(); len(ds) != 0 {
			t.Fatalf("%d drafts after withdraw, want none", len(ds))
		}
		if err := n.Withdraw(ctx, "q1@example.net"); err != nil {
			t.Errorf("second withdraw: %v", err)
		}
		if err := n.Withdraw(ctx, "unknown-thread"); err != nil {
			t.Errorf("withdraw of a thread without draft: %v", err)
		}
		// The same thread state asked again (a redelivered event) makes
		// no new draft.
		if _, err := n.Save(ctx, answering("q2@example.net", "Vendredi me va.")); err != nil {
			t.Fatal(err)
		}
		if ds := f.drafts(); len(ds) != 0 {
			t.Errorf("%d drafts after the withdrawn state was saved again, want none", len(ds))
		}
	})

	t.Run("a draft the user deleted is not written again", func(t *testing.T) {
		st, f := setup(t)
		n := newNotifier(t, st, state.NewMemory())
		id, err := n.Save(ctx, answering("q2@example.net", "Vendredi me va."))
		if err != nil {
			t.Fatal(err)
		}
		f.remove(id)
		if _, err := n.Save(ctx, answering("q2@example.net", "Vendredi me va.")); err != nil {
			t.Fatal(err)
		}
		if ds := f.drafts(); len(ds) != 0 {
			t.Fatalf("%d drafts, want none: the user threw this one away", len(ds))
		}
		// A new message in the thread is a new question: a new draft.
		next, err := n.Save(ctx, answering("q3@example.net", "Samedi ?"))
		if err != nil {
			t.Fatal(err)
		}
		if got := draftIDs(t, f.drafts()); !slices.Equal(got, []string{next}) {
			t.Errorf("drafts %q, want %q", got, next)
		}
	})

	t.Run("suggestions", func(t *testing.T) {
		st, f := setup(t)
		n := newNotifier(t, st, state.NewMemory())
		d := answering("q2@example.net", "Vendredi me va.")
		retry, err := n.Notify(ctx,
			event.Suggestion{ID: "a", Kind: event.KindSuggestion, Title: "not a draft"},
			event.Suggestion{ID: "b", Kind: event.KindDraft, Draft: &d},
		)
		if err != nil || retry {
			t.Fatalf("Notify = %v %v", retry, err)
		}
		if n := len(f.drafts()); n != 1 {
			t.Fatalf("%d drafts, want 1", n)
		}
		retry, err = n.Notify(ctx, event.Suggestion{ID: "b", Kind: event.KindDraft, Status: event.StatusWithdrawn, Draft: &d})
		if err != nil || retry {
			t.Fatalf("withdraw by Notify = %v %v", retry, err)
		}
		if n := len(f.drafts()); n != 0 {
			t.Fatalf("%d drafts after withdrawal, want 0", n)
		}
		bad := d
		bad.Account = "private"
		retry, err = n.Notify(ctx, event.Suggestion{ID: "c", Kind: event.KindDraft, Draft: &bad})
		if err == nil || retry || !errors.Is(err, ErrPermanent) {
			t.Errorf("unknown account: %v retry %v, want a permanent error", err, retry)
		}
	})
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

func TestSaveRefuses(t *testing.T) {
	n := newNotifier(t, emptyStore{}, state.NewMemory())
	for name, mod := range map[string]func(*event.Draft){
		"no thread":      func(d *event.Draft) { d.ThreadKey = "" },
		"no in-reply-to": func(d *event.Draft) { d.InReplyTo = "" },
		"no body":        func(d *event.Draft) { d.Body = " \n" },
		"other account":  func(d *event.Draft) { d.Account = "home" },
		"bad address":    func(d *event.Draft) { d.To = []event.Address{{Email: "nobody"}} },
	} {
		t.Run(name, func(t *testing.T) {
			d := testDraft()
			mod(&d)
			if _, err := n.Save(context.Background(), d); !errors.Is(err, ErrPermanent) {
				t.Errorf("Save = %v, want a permanent error", err)
			}
		})
	}
	// A store that is down is worth a retry.
	d := testDraft()
	_, err := newNotifier(t, failingStore{}, state.NewMemory()).Save(context.Background(), d)
	if err == nil || errors.Is(err, ErrPermanent) {
		t.Errorf("store down: %v, want a temporary error", err)
	}
}

type failingStore struct{}

var errDown = errors.New("server down")

func (failingStore) Save(context.Context, []byte, string) error { return errDown }
func (failingStore) Find(context.Context, string) (bool, bool, error) {
	return false, false, errDown
}
func (failingStore) Delete(context.Context, string) error { return errDown }

type emptyStore struct{}

func (emptyStore) Save(context.Context, []byte, string) error       { return nil }
func (emptyStore) Find(context.Context, string) (bool, bool, error) { return false, false, nil }
func (emptyStore) Delete(context.Context, string) error             { return nil }

func TestPrune(t *testing.T) {
	ctx := context.Background()
	kv := state.NewMemory()
	now := testNow
	n, err := New(Config{Accounts: map[string]Store{"work": emptyStore{}}}, kv, nil, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Save(ctx, answering("q2@example.net", "x")); err != nil {
		t.Fatal(err)
	}
	d := answering("q9@example.net", "y")
	d.ThreadKey = "other"
	if _, err := n.Save(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := n.Withdraw(ctx, "q1@example.net"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(100 * 24 * time.Hour)
	pruned, err := n.Prune(ctx, 90*24*time.Hour)
	if err != nil || pruned != 1 {
		t.Fatalf("Prune = %d %v, want the withdrawn record only", pruned, err)
	}
	if keys, _ := kv.Keys(ctx, ""); !slices.Equal(keys, []string{"drafts/other"}) {
		t.Errorf("keys left %q", keys)
	}
}
