package app

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/watchers"
)

// hourlyMail is a 676-byte mail whose calendar part holds two endless
// HOURLY events; expanded over a year it made an event of 1.8 MB, which the
// bus refused, and the Maildir watcher retried it for ever.
const hourlyMail = "From: Mallory <m@example.org>\r\nTo: me@example.com\r\nSubject: Every hour\r\n" +
	"Date: Fri, 20 Nov 2026 10:00:00 +0000\r\nMessage-ID: <hourly@example.org>\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
	"--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VEVENT\r\nUID:h1@example.org\r\nDTSTAMP:20261120T090000Z\r\nDTSTART:20261120T090000Z\r\nDTEND:20261120T091500Z\r\n" +
	"RRULE:FREQ=HOURLY\r\nSUMMARY:Ping\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:h2@example.org\r\nDTSTAMP:20261120T090000Z\r\nDTSTART:20261120T093000Z\r\nDTEND:20261120T094500Z\r\n" +
	"RRULE:FREQ=HOURLY\r\nSUMMARY:Pong\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--b--\r\n"

// waitMessages waits until subject holds want messages in stream.
func waitMessages(t *testing.T, b *bus.Bus, stream, subject string, want uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var n uint64
	for time.Now().Before(deadline) {
		var err error
		n, err = b.Messages(t.Context(), stream, subject)
		if err != nil {
			t.Fatal(err)
		}
		if n >= want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s holds %d messages on %s, want %d", stream, n, subject, want)
}

// TestHourlyInvitationDoesNotStopMaildir: the mail after the hourly
// invitation is announced, and so is the invitation itself, bounded.
func TestHourlyInvitationDoesNotStopMaildir(t *testing.T) {
	good := invitationMail("REQUEST", "req@example.com", "Fri, 20 Nov 2026 10:00:00 +0100", 0)
	cfg := maildirConfig(t, map[string]string{"1.hourly": hourlyMail, "2.good": good})
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	a, err := New(Options{Config: cfg, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	waitMessages(t, a.bus, bus.StreamEvents, bus.EventSubject(event.TypeMailReceived), 2)
}

// TestPoisonRecordedAndChecked: the watchers' publish skips an event the
// bus refuses for good (here 2 MB, over the default 1 MB) and records it;
// `agentd check` shows a line per source with the count and last reason,
// from the data dir when no daemon runs, and says why it cannot read it
// beside a daemon that does not answer on a control socket.
func TestPoisonRecordedAndChecked(t *testing.T) {
	ctx := t.Context()
	cfg := maildirConfig(t, nil)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	a, err := New(Options{Config: cfg, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	publish, err := quarantine(ctx, a.bus, a.logger, a.now)
	if err != nil {
		t.Fatal(err)
	}
	big, err := event.New("mail:work", event.TypeMailReceived, "big", "Huge", now, now, strings.Repeat("x", 2<<20))
	if err != nil {
		t.Fatal(err)
	}
	if err := publish(ctx, big); err != nil {
		t.Fatalf("publish of a 2 MB event: %v, want nil (skipped as poison)", err)
	}

	// The control API's answer.
	rr := httptest.NewRecorder()
	poisonHandler(a.bus)(rr, httptest.NewRequest("GET", PoisonPath, nil))
	var recs []watchers.PoisonRecord
	if err := json.Unmarshal(rr.Body.Bytes(), &recs); err != nil || len(recs) != 1 || recs[0].Source != "mail:work" || recs[0].Count != 1 {
		t.Fatalf("GET %s = %s (%v)", PoisonPath, rr.Body.String(), err)
	}

	// Beside the running daemon, which holds the data dir: read through
	// its control socket.
	lines := checkPoison(ctx, cfg, nil)
	if len(lines) != 1 || !lines[0].OK || lines[0].Component != "poison:mail:work" || !strings.Contains(lines[0].Detail, "1 event(s) skipped") {
		t.Fatalf("check beside the daemon: %+v", lines)
	}
	// A daemon that does not answer on its socket (closed here) is named.
	a.closeControl(ctx)
	lines = checkPoison(ctx, cfg, nil)
	if len(lines) != 1 || !lines[0].OK || !strings.Contains(lines[0].Detail, "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("check beside a daemon without a control socket: %+v, want its pid", lines)
	}

	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines = checkPoison(ctx, cfg, nil)
	if len(lines) != 1 || lines[0].Component != "poison:mail:work" || !lines[0].OK {
		t.Fatalf("check after stop: %+v", lines)
	}
	for _, want := range []string{"1 event(s) skipped", `"Huge"`, "2.0 MB, over the bus's message limit of 1.0 MB", "2026-11-20 13:00"} {
		if !strings.Contains(lines[0].Detail, want) {
			t.Errorf("check line %q lacks %q", lines[0].Detail, want)
		}
	}
}
