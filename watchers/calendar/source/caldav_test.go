package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
)

const (
	testUser = "alice"
	testPass = "s3cret-Pa55word"
)

var testNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// caldavFixture is a server with two calendars and a fetcher on it.
type caldavFixture struct {
	srv   *davServer
	work  string // calendar paths
	home  string
	store *state.Memory
	ct    *countingTransport
	clock *time.Time
}

func newCalDAVFixture(t *testing.T) *caldavFixture {
	t.Helper()
	f := &caldavFixture{srv: newDAVServer(t, testUser, testPass), store: state.NewMemory()}
	f.work = f.srv.addCalendar(t, "work", "Work")
	f.home = f.srv.addCalendar(t, "personal", "")
	now := testNow
	f.clock = &now
	f.ct = &countingTransport{base: http.DefaultTransport}
	return f
}

func (f *caldavFixture) fetcher(t *testing.T, mod func(*CalDAVConfig)) *CalDAV {
	t.Helper()
	cfg := CalDAVConfig{
		Name: "work", URL: f.srv.URL + "/", Username: testUser, Password: testPass,
		Past: 24 * time.Hour, Horizon: 30 * 24 * time.Hour,
		HTTPClient: &http.Client{Transport: f.ct, Timeout: 10 * time.Second},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewCalDAV(cfg, f.store, testLogger(t), WithClock(func() time.Time { return *f.clock }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fetchCommit(t testing.TB, fe Fetcher) Change {
	t.Helper()
	ctx := context.Background()
	ch, err := fe.Fetch(ctx)
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if err := fe.Commit(ctx, ch); err != nil {
		t.Fatalf("commit: %v", err)
	}
	return ch
}

func changedHrefs(ch Change) []string {
	var out []string
	for _, o := range ch.Changed {
		out = append(out, o.Href)
	}
	slices.Sort(out)
	return out
}

// describe shows a Change without its data.
func describe(ch Change) string {
	return fmt.Sprintf("changed %v removed %v out of window %v", changedHrefs(ch), ch.Removed, ch.OutOfWindow)
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

func countKind(reqs []davRequest, kind string) int {
	n := 0
	for _, r := range reqs {
		if r.Kind == kind {
			n++
		}
	}
	return n
}

func TestCalDAVFirstFetchReturnsEverything(t *testing.T) {
	f := newCalDAVFixture(t)
	a := f.srv.put(t, f.work, "a", "Standup", testNow.Add(2*time.Hour))
	b := f.srv.put(t, f.work, "b", "Review", testNow.Add(48*time.Hour))
	c := f.srv.put(t, f.home, "c", "Dentist", testNow.Add(72*time.Hour))
	// Outside the 30-day horizon: not asked for.
	f.srv.put(t, f.home, "far", "Next year", testNow.AddDate(1, 0, 0))

	ch := fetchCommit(t, f.fetcher(t, nil))
	if got, want := changedHrefs(ch), sorted([]string{a, b, c}); !slices.Equal(got, want) {
		t.Fatalf("changed = %v, want %v", got, want)
	}
	if len(ch.Removed) != 0 || len(ch.OutOfWindow) != 0 {
		t.Fatalf("removed %v, out of window %v on first fetch", ch.Removed, ch.OutOfWindow)
	}
	for _, o := range ch.Changed {
		wantCal := map[string]string{a: "Work", b: "Work", c: "personal"}[o.Href]
		if o.Calendar != wantCal {
			t.Errorf("%s: calendar %q, want %q", o.Href, o.Calendar, wantCal)
		}
		if o.ETag == "" || !bytes.Contains(o.Data, []byte("BEGIN:VCALENDAR")) {
			t.Errorf("%s: etag %q, data %q", o.Href, o.ETag, o.Data)
		}
		uid := strings.TrimSuffix(o.Href[strings.LastIndex(o.Href, "/")+1:], ".ics")
		if !bytes.Contains(o.Data, []byte("UID:"+uid)) {
			t.Errorf("%s: data is not its own event: %q", o.Href, o.Data)
		}
	}
}

func TestCalDAVUnchangedPollFetchesNoData(t *testing.T) {
	f := newCalDAVFixture(t)
	for _, uid := range []string{"a", "b", "c"} {
		f.srv.put(t, f.work, uid, "Meeting "+uid, testNow.Add(time.Hour))
	}
	fe := f.fetcher(t, nil)
	fetchCommit(t, fe)
	f.srv.take()

	ch := fetchCommit(t, fe)
	if !ch.Empty() {
		t.Fatalf("second fetch not empty: %s", describe(ch))
	}
	reqs := f.srv.take()
	if n := countKind(reqs, "calendar-multiget"); n != 0 {
		t.Fatalf("unchanged poll made %d multigets: %+v", n, reqs)
	}
	for _, r := range reqs {
		if r.WithData {
			t.Fatalf("unchanged poll asked for calendar-data: %+v", r)
		}
	}
	// One PROPFIND for the calendars, one ETag query per calendar.
	if len(reqs) != 3 || countKind(reqs, "calendar-query") != 2 {
		t.Fatalf("requests = %+v, want 1 PROPFIND and 2 calendar-query", reqs)
	}
}

func TestCalDAVChanges(t *testing.T) {
	cases := map[string]struct {
		// change acts on the server (and the clock) after a committed
		// first fetch of events a, b, c in Work.
		change       func(t *testing.T, f *caldavFixture)
		changed      []string // uids
		removed      []string
		outOfWindow  []string
		multigetData int // hrefs fetched with their data
	}{
		"modify one": {
			change: func(t *testing.T, f *caldavFixture) {
				f.srv.put(t, f.work, "b", "Review (moved)", testNow.Add(5*time.Hour))
			},
			changed: []string{"b"}, multigetData: 1,
		},
		"add one": {
			change: func(t *testing.T, f *caldavFixture) {
				f.srv.put(t, f.work, "d", "New", testNow.Add(5*time.Hour))
			},
			changed: []string{"d"}, multigetData: 1,
		},
		"delete one": {
			change: func(t *testing.T, f *caldavFixture) {
				if err := f.srv.backend.DeleteCalendarObject(context.Background(), f.work+"c.ics"); err != nil {
					t.Fatal(err)
				}
			},
			removed: []string{"c"},
		},
		"event over is out of window, not removed": {
			change: func(t *testing.T, f *caldavFixture) {
				// a starts in 1 h, b and c in 10 days; two days
				// later a has left the [now-24h, now+30d) range.
				*f.clock = testNow.Add(48 * time.Hour)
			},
			outOfWindow: []string{"a"},
		},
		"calendar deleted": {
			change: func(t *testing.T, f *caldavFixture) {
				f.srv.backend.dropCalendar(f.work)
			},
			removed: []string{"a", "b", "c"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newCalDAVFixture(t)
			f.srv.put(t, f.work, "a", "Standup", testNow.Add(time.Hour))
			f.srv.put(t, f.work, "b", "Review", testNow.Add(240*time.Hour))
			f.srv.put(t, f.work, "c", "Retro", testNow.Add(240*time.Hour))
			fe := f.fetcher(t, nil)
			fetchCommit(t, fe)
			f.srv.take()

			tc.change(t, f)
			ch := fetchCommit(t, fe)
			hrefs := func(uids []string) []string {
				var out []string
				for _, u := range uids {
					out = append(out, f.work+u+".ics")
				}
				return out
			}
			if got, want := changedHrefs(ch), hrefs(tc.changed); !slices.Equal(got, want) {
				t.Errorf("changed = %v, want %v", got, want)
			}
			if got, want := sorted(ch.Removed), hrefs(tc.removed); !slices.Equal(got, want) {
				t.Errorf("removed = %v, want %v", got, want)
			}
			if got, want := sorted(ch.OutOfWindow), hrefs(tc.outOfWindow); !slices.Equal(got, want) {
				t.Errorf("out of window = %v, want %v", got, want)
			}
			data := 0
			for _, r := range f.srv.take() {
				if r.Kind == "calendar-multiget" && r.WithData {
					data += r.Hrefs
				}
			}
			if data != tc.multigetData {
				t.Errorf("fetched %d objects with data, want %d", data, tc.multigetData)
			}

			// Committed: the next poll sees nothing.
			if ch := fetchCommit(t, fe); !ch.Empty() {
				t.Errorf("poll after commit not empty: %s", describe(ch))
			}
		})
	}
}

func TestCalDAVUncommittedChangeComesBack(t *testing.T) {
	f := newCalDAVFixture(t)
	a := f.srv.put(t, f.work, "a", "Standup", testNow.Add(time.Hour))
	fe := f.fetcher(t, nil)
	ctx := context.Background()
	for i := range 2 {
		ch, err := fe.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := changedHrefs(ch); !slices.Equal(got, []string{a}) {
			t.Fatalf("fetch %d without commit: changed = %v, want [%s]", i, got, a)
		}
	}
	// A new fetcher on the same store resumes from what was committed.
	fetchCommit(t, fe)
	if ch := fetchCommit(t, f.fetcher(t, nil)); !ch.Empty() {
		t.Fatalf("restarted fetcher refetched: %s", describe(ch))
	}
	// Reset forgets it all.
	if err := fe.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := changedHrefs(fetchCommit(t, fe)); !slices.Equal(got, []string{a}) {
		t.Fatalf("after reset: changed = %v", got)
	}
}

func TestCalDAVCalendarsFilter(t *testing.T) {
	cases := map[string]struct {
		calendars []string
		want      []string // uids
		err       string
	}{
		"all":                  {want: []string{"h", "w"}},
		"by display name":      {calendars: []string{"work"}, want: []string{"w"}},
		"by path segment":      {calendars: []string{"personal"}, want: []string{"h"}},
		"both, once each":      {calendars: []string{"Work", "work", "personal"}, want: []string{"h", "w"}},
		"unknown is an error":  {calendars: []string{"Work", "Holidays"}, err: `"Holidays"`},
		"empty home selection": {calendars: []string{"nope"}, err: "calendar not found"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newCalDAVFixture(t)
			f.srv.put(t, f.work, "w", "Work thing", testNow.Add(time.Hour))
			f.srv.put(t, f.home, "h", "Home thing", testNow.Add(time.Hour))
			fe := f.fetcher(t, func(c *CalDAVConfig) { c.Calendars = tc.calendars })
			ch, err := fe.Fetch(context.Background())
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !IsPermanent(err) {
					t.Fatalf("err = %v, want a permanent error containing %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var uids []string
			for _, o := range ch.Changed {
				uids = append(uids, strings.TrimSuffix(o.Href[strings.LastIndex(o.Href, "/")+1:], ".ics"))
			}
			slices.Sort(uids)
			if !slices.Equal(uids, tc.want) {
				t.Fatalf("events = %v, want %v", uids, tc.want)
			}
		})
	}
}

func TestCalDAVDeselectedCalendarIsRemoved(t *testing.T) {
	f := newCalDAVFixture(t)
	w := f.srv.put(t, f.work, "w", "Work thing", testNow.Add(time.Hour))
	f.srv.put(t, f.home, "h", "Home thing", testNow.Add(time.Hour))
	fetchCommit(t, f.fetcher(t, nil))
	ch := fetchCommit(t, f.fetcher(t, func(c *CalDAVConfig) { c.Calendars = []string{"personal"} }))
	if len(ch.Changed) != 0 || !slices.Equal(ch.Removed, []string{w}) {
		t.Fatalf("changed %v removed %v, want removed [%s]", changedHrefs(ch), ch.Removed, w)
	}
}

func TestCalDAVWrongPassword(t *testing.T) {
	cases := map[string]func(*CalDAVConfig){
		"password field": func(c *CalDAVConfig) { c.Password = "wrong-Secret-42" },
		"password in url": func(c *CalDAVConfig) {
			c.Username, c.Password = "", ""
			c.URL = strings.Replace(c.URL, "http://", "http://alice:wrong-Secret-42@", 1)
		},
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			f := newCalDAVFixture(t)
			_, err := f.fetcher(t, mod).Fetch(context.Background())
			if !errors.Is(err, ErrUnauthorized) || !IsPermanent(err) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "wrong-Secret-42") {
				t.Fatalf("error shows the password: %s", msg)
			}
			if !strings.Contains(msg, "check username/password") || !strings.Contains(msg, "caldav work") {
				t.Fatalf("error does not say what to do or where: %s", msg)
			}
		})
	}
}

func TestCalDAVPasswordInURLIsUsed(t *testing.T) {
	f := newCalDAVFixture(t)
	f.srv.put(t, f.work, "a", "Standup", testNow.Add(time.Hour))
	fe := f.fetcher(t, func(c *CalDAVConfig) {
		c.Username, c.Password = "", ""
		c.URL = strings.Replace(c.URL, "http://", "http://"+testUser+":"+testPass+"@", 1)
	})
	if ch := fetchCommit(t, fe); len(ch.Changed) != 1 {
		t.Fatalf("changed = %v", changedHrefs(ch))
	}
}

func TestNewCalDAVRejectsBadConfig(t *testing.T) {
	cases := map[string]CalDAVConfig{
		"no name":    {URL: "https://dav.example.com/"},
		"no host":    {Name: "x", URL: "https:///dav"},
		"ftp scheme": {Name: "x", URL: "ftp://dav.example.com/"},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := NewCalDAV(cfg, state.NewMemory(), testLogger(t)); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestCalDAVServerErrorIsTemporary(t *testing.T) {
	f := newCalDAVFixture(t)
	fe := f.fetcher(t, func(c *CalDAVConfig) { c.URL = f.srv.URL + "/" })
	f.srv.Close() // connection refused
	_, err := fe.Fetch(context.Background())
	if err == nil || IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary error", err)
	}
}

func TestCalDAVChangeTokenSkipsUnchangedCalendars(t *testing.T) {
	f := newCalDAVFixture(t)
	f.srv.ctags = true
	a := f.srv.put(t, f.work, "a", "Standup", testNow.Add(time.Hour))
	f.srv.put(t, f.work, "b", "Review", testNow.Add(240*time.Hour))
	f.srv.put(t, f.home, "h", "Dentist", testNow.Add(72*time.Hour))
	fe := f.fetcher(t, nil) // Rescan: 1 h
	fetchCommit(t, fe)
	f.srv.take()

	steps := []struct {
		name    string
		change  func()
		queries []string // calendars queried
		changed []string
		out     []string
	}{
		{name: "nothing changed: one PROPFIND", change: func() {}},
		{name: "one calendar changed: only it is queried",
			change:  func() { f.srv.put(t, f.work, "b", "Review (moved)", testNow.Add(250*time.Hour)) },
			queries: []string{f.work}, changed: []string{f.work + "b.ics"}},
		{name: "time within rescan: trusted", change: func() { *f.clock = testNow.Add(30 * time.Minute) }},
		{name: "rescan due: both queried, a is over",
			change:  func() { *f.clock = testNow.Add(48 * time.Hour) },
			queries: []string{f.home, f.work}, out: []string{a}},
		{name: "after rescan: trusted again", change: func() { *f.clock = testNow.Add(48*time.Hour + time.Minute) }},
	}
	for _, s := range steps {
		s.change()
		ch := fetchCommit(t, fe)
		var queried []string
		for _, r := range f.srv.take() {
			if r.Kind == "calendar-query" {
				queried = append(queried, r.Path)
			}
		}
		slices.Sort(queried)
		if !slices.Equal(queried, sorted(s.queries)) {
			t.Errorf("%s: queried %v, want %v", s.name, queried, s.queries)
		}
		if got := changedHrefs(ch); !slices.Equal(got, s.changed) || !slices.Equal(ch.OutOfWindow, s.out) || len(ch.Removed) != 0 {
			t.Errorf("%s: %s, want changed %v out of window %v", s.name, describe(ch), s.changed, s.out)
		}
	}
}
