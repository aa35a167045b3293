package watchers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

var errTooBig = errors.New("too big for good")

func isTooBig(err error) bool { return errors.Is(err, errTooBig) }

func TestQuarantine(t *testing.T) {
	ctx := t.Context()
	at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	store := state.NewMemory()
	book := NewPoisonBook(store, func() time.Time { return at })
	var logs bytes.Buffer
	down := false
	var published []string
	publish := Quarantine(func(_ context.Context, ev event.Event) error {
		switch {
		case down:
			return errors.New("bus down")
		case strings.HasPrefix(ev.ID, "big"):
			return fmt.Errorf("publish %s: %w", ev.ID, errTooBig)
		}
		published = append(published, ev.ID)
		return nil
	}, book, isTooBig, slog.New(slog.NewTextHandler(&logs, nil)))

	ev := func(id, source string) event.Event {
		return event.Event{ID: id, Source: source, Type: event.TypeMailReceived, Subject: "s " + id, Data: []byte(`"x"`)}
	}
	for _, e := range []event.Event{ev("big1", "mail:work"), ev("ok1", "mail:work"), ev("big1", "mail:work"), ev("big2", "mail:work"), ev("big3", "feed:news")} {
		if err := publish(ctx, e); err != nil {
			t.Fatalf("%s: %v, want nil: a poison event is skipped", e.ID, err)
		}
	}
	if strings.Join(published, ",") != "ok1" {
		t.Fatalf("published %v", published)
	}
	if n := strings.Count(logs.String(), "refused by the bus for good"); n != 3 {
		t.Fatalf("%d warnings, want one per poison event (3):\n%s", n, logs.String())
	}

	down = true
	if err := publish(ctx, ev("ok2", "mail:work")); err == nil || err.Error() != "bus down" {
		t.Fatalf("bus down: err = %v, want it returned as is", err)
	}

	recs, err := book.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Source != "feed:news" || recs[1].Source != "mail:work" {
		t.Fatalf("records = %+v", recs)
	}
	work := recs[1]
	if work.Count != 2 || work.Last().EventID != "big2" || !strings.Contains(work.Last().Reason, "too big for good") || !work.Last().At.Equal(at) {
		t.Fatalf("mail:work record = %+v: want 2 (big1 once), the last big2 with its reason", work)
	}
}

func TestPoisonBookStaysSmall(t *testing.T) {
	ctx := t.Context()
	book := NewPoisonBook(state.NewMemory(), nil)
	for i := range 100 {
		if _, err := book.Record(ctx, "feed:news", Poison{EventID: fmt.Sprint(i), Reason: "too big"}); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := book.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Count != 100 || len(recs[0].Recent) != maxRecentPoison || recs[0].Last().EventID != "99" {
		t.Fatalf("record: count %d, %d recent, last %q", recs[0].Count, len(recs[0].Recent), recs[0].Last().EventID)
	}
}

// A record that cannot be written is not a skip: the watcher must try
// again rather than lose the event unrecorded.
func TestQuarantineRecordFails(t *testing.T) {
	book := NewPoisonBook(failingStore{state.NewMemory()}, nil)
	publish := Quarantine(func(context.Context, event.Event) error { return errTooBig }, book, isTooBig, nil)
	err := publish(t.Context(), event.Event{ID: "big", Source: "mail:work"})
	if err == nil || !errors.Is(err, errTooBig) {
		t.Fatalf("err = %v, want the publish error with the record's", err)
	}
}

type failingStore struct{ *state.Memory }

func (failingStore) Put(context.Context, string, []byte) error { return errors.New("store down") }
