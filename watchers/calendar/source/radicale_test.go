package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// radicale is a real Radicale started by scripts/radicale/start.sh.
type radicale struct {
	URL, User, Password string
	// Storage is the folder holding alice's collections.
	Storage string
	client  *http.Client
}

// startRadicale starts Radicale for the test and stops it at cleanup. It
// runs only with AGENTD_INTEGRATION=1, and then a missing Radicale is a
// failure: CI installs the `radicale` package.
func startRadicale(t testing.TB) *radicale {
	t.Helper()
	if os.Getenv("AGENTD_INTEGRATION") != "1" {
		t.Skip("set AGENTD_INTEGRATION=1 to run against a real Radicale")
	}
	scripts := filepath.Join("..", "..", "..", "scripts", "radicale")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(scripts, "start.sh"), dir)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// Registered first, so a half-started server is stopped too (and
	// before t.TempDir removes its folder).
	t.Cleanup(func() {
		out, err := exec.Command("bash", filepath.Join(scripts, "stop.sh"), dir).CombinedOutput()
		if err != nil {
			t.Errorf("stop radicale: %v: %s", err, out)
		}
	})
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("start radicale: %v\n%s", err, stderr.String())
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vars[k] = v
		}
	}
	r := &radicale{
		URL: vars["RADICALE_URL"], User: vars["RADICALE_USER"], Password: vars["RADICALE_PASSWORD"],
		Storage: filepath.Join(dir, "collections", "collection-root", vars["RADICALE_USER"]),
		client:  &http.Client{Timeout: 10 * time.Second},
	}
	if r.URL == "" || r.User == "" || r.Password == "" {
		t.Fatalf("start.sh printed %q", out)
	}
	return r
}

func (r *radicale) do(t testing.TB, method, p, contentType, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(r.URL, "/")+p, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(r.User, r.Password)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, p, err)
	}
	resp.Body.Close()
	return resp
}

// mkcalendar creates a calendar; 409 means it exists already (Radicale).
func (r *radicale) mkcalendar(t testing.TB, p, displayName string) string {
	t.Helper()
	body := `<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
		`<D:set><D:prop>`
	if displayName != "" {
		body += `<D:displayname>` + displayName + `</D:displayname>`
	}
	body += `<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>` +
		`</D:prop></D:set></C:mkcalendar>`
	resp := r.do(t, "MKCALENDAR", p, "application/xml", body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusConflict {
		t.Fatalf("MKCALENDAR %s: %s", p, resp.Status)
	}
	return p
}

func (r *radicale) put(t testing.TB, calPath, uid, summary string, start time.Time) string {
	t.Helper()
	p := calPath + uid + ".ics"
	resp := r.do(t, http.MethodPut, p, "text/calendar; charset=utf-8", eventICS(uid, summary, start))
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PUT %s: %s", p, resp.Status)
	}
	return p
}

func (r *radicale) delete(t testing.TB, p string) {
	t.Helper()
	if resp := r.do(t, http.MethodDelete, p, "", ""); resp.StatusCode/100 != 2 {
		t.Fatalf("DELETE %s: %s", p, resp.Status)
	}
}

func (r *radicale) fetcher(t testing.TB, st state.Store, clock *time.Time, ct *countingTransport, mod func(*CalDAVConfig)) *CalDAV {
	t.Helper()
	cfg := CalDAVConfig{
		Name: "radicale", URL: r.URL, Username: r.User, Password: r.Password,
		Past: 24 * time.Hour, Horizon: 30 * 24 * time.Hour,
		HTTPClient: &http.Client{Transport: ct, Timeout: 30 * time.Second},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewCalDAV(cfg, st, testLogger(t), WithClock(func() time.Time { return *clock }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRadicale(t *testing.T) {
	r := startRadicale(t)
	work := r.mkcalendar(t, "/"+r.User+"/work/", "Work")
	home := r.mkcalendar(t, "/"+r.User+"/home/", "")
	if again := r.do(t, "MKCALENDAR", work, "", ""); again.StatusCode != http.StatusConflict {
		t.Fatalf("MKCALENDAR on an existing calendar: %s, want 409", again.Status)
	}
	a := r.put(t, work, "a", "Standup", testNow.Add(time.Hour))
	b := r.put(t, work, "b", "Review", testNow.Add(240*time.Hour))
	c := r.put(t, home, "c", "Dentist", testNow.Add(72*time.Hour))
	r.put(t, home, "far", "Next year", testNow.AddDate(1, 0, 0))

	clock := testNow
	ct := &countingTransport{base: http.DefaultTransport}
	st := state.NewMemory()
	fe := r.fetcher(t, st, &clock, ct, nil)

	dataFetched := func() (n int) {
		for _, q := range ct.take() {
			if q.Kind == "calendar-multiget" && q.WithData {
				n += q.Hrefs
			}
		}
		return n
	}

	ch := fetchCommit(t, fe)
	if got, want := changedHrefs(ch), sorted([]string{a, b, c}); !slices.Equal(got, want) {
		t.Fatalf("first fetch: %s, want %v", describe(ch), want)
	}
	for _, o := range ch.Changed {
		// Radicale names a calendar without a displayname by its path.
		want := map[string]string{a: "Work", b: "Work", c: r.User + "/home"}[o.Href]
		if o.Calendar != want || !bytes.Contains(o.Data, []byte("BEGIN:VEVENT")) || o.ETag == "" {
			t.Errorf("%s: calendar %q (want %q), etag %q, data %q", o.Href, o.Calendar, want, o.ETag, o.Data)
		}
	}
	if n := dataFetched(); n != 3 {
		t.Errorf("first fetch downloaded %d objects, want 3", n)
	}

	// Unchanged: Radicale has sync-tokens, so one PROPFIND is the poll.
	ct.reset()
	if ch := fetchCommit(t, fe); !ch.Empty() {
		t.Fatalf("unchanged poll: %s", describe(ch))
	}
	reqs, sent, recv := ct.reset()
	t.Logf("unchanged poll of 2 calendars on Radicale: %d request(s), %d bytes sent, %d received", reqs, sent, recv)
	if reqs != 1 {
		t.Errorf("unchanged poll made %d requests, want 1", reqs)
	}

	steps := []struct {
		name        string
		change      func()
		changed     []string
		removed     []string
		outOfWindow []string
		downloads   int
	}{
		{name: "modify", change: func() { r.put(t, work, "b", "Review (moved)", testNow.Add(250*time.Hour)) },
			changed: []string{b}, downloads: 1},
		{name: "add", change: func() { r.put(t, home, "d", "Lunch", testNow.Add(100*time.Hour)) },
			changed: []string{home + "d.ics"}, downloads: 1},
		{name: "delete", change: func() { r.delete(t, c) }, removed: []string{c}},
		// Two days on, "a" is over: it left the range but still exists.
		{name: "time passes", change: func() { clock = testNow.Add(48 * time.Hour) }, outOfWindow: []string{a}},
		{name: "nothing", change: func() {}},
	}
	for _, s := range steps {
		s.change()
		ct.reset()
		ch := fetchCommit(t, fe)
		if got := changedHrefs(ch); !slices.Equal(got, sorted(s.changed)) {
			t.Errorf("%s: changed %v, want %v", s.name, got, s.changed)
		}
		if got := sorted(ch.Removed); !slices.Equal(got, sorted(s.removed)) {
			t.Errorf("%s: removed %v, want %v", s.name, got, s.removed)
		}
		if got := sorted(ch.OutOfWindow); !slices.Equal(got, sorted(s.outOfWindow)) {
			t.Errorf("%s: out of window %v, want %v", s.name, got, s.outOfWindow)
		}
		if n := dataFetched(); n != s.downloads {
			t.Errorf("%s: downloaded %d objects, want %d", s.name, n, s.downloads)
		}
	}

	t.Run("calendars filter", func(t *testing.T) {
		fe := r.fetcher(t, state.NewMemory(), &clock, &countingTransport{base: http.DefaultTransport},
			func(c *CalDAVConfig) { c.Calendars = []string{"work"} })
		ch := fetchCommit(t, fe)
		if got := changedHrefs(ch); !slices.Equal(got, []string{b}) {
			t.Fatalf("changed %v, want [%s]", got, b)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		fe := r.fetcher(t, state.NewMemory(), &clock, &countingTransport{base: http.DefaultTransport},
			func(c *CalDAVConfig) { c.Password = "not-the-Password-9" })
		_, err := fe.Fetch(context.Background())
		if !errors.Is(err, ErrUnauthorized) || strings.Contains(err.Error(), "not-the-Password-9") {
			t.Fatalf("err = %v", err)
		}
	})
}

// BenchmarkRadicalePoll measures a poll of an unchanged 1,000-event
// calendar on Radicale: with its sync-token (the usual poll) and with the
// ETag listing a rescan makes (once per CalDAVConfig.Rescan).
func BenchmarkRadicalePoll(b *testing.B) {
	r := startRadicale(b)
	cal := r.mkcalendar(b, "/"+r.User+"/work/", "Work")
	// PUT costs a connection each (Radicale speaks HTTP/1.0): write the
	// events into its storage folder instead, as its filesystem backend
	// keeps them.
	for i := range 1000 {
		uid := fmt.Sprintf("ev-%04d", i)
		p := filepath.Join(r.Storage, "work", uid+".ics")
		if err := os.WriteFile(p, []byte(eventICS(uid, "Event", testNow.Add(time.Duration(i)*30*time.Minute))), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cases := map[string]struct {
		rescan time.Duration
		step   time.Duration // the clock's move per poll
	}{
		"sync-token": {rescan: time.Hour},
		"rescan":     {rescan: time.Second, step: time.Second},
	}
	for name, tc := range cases {
		b.Run(name, func(b *testing.B) {
			clock := testNow
			ct := &countingTransport{base: http.DefaultTransport}
			fe := r.fetcher(b, state.NewMemory(), &clock, ct, func(c *CalDAVConfig) { c.Rescan = tc.rescan })
			ch := fetchCommit(b, fe)
			if len(ch.Changed) != 1000 || !strings.HasPrefix(ch.Changed[0].Href, cal) {
				b.Fatalf("first fetch: %d objects", len(ch.Changed))
			}
			firstReqs, firstSent, firstRecv := ct.reset()
			polls := 0
			for b.Loop() {
				clock = clock.Add(tc.step)
				if ch := fetchCommit(b, fe); !ch.Empty() {
					b.Fatalf("poll %d: %s", polls, describe(ch))
				}
				polls++
			}
			reqs, sent, recv := ct.reset()
			b.ReportMetric(float64(reqs)/float64(polls), "requests/poll")
			b.ReportMetric(float64(sent)/float64(polls), "sent-bytes/poll")
			b.ReportMetric(float64(recv)/float64(polls), "received-bytes/poll")
			b.ReportMetric(float64(firstReqs), "first-poll-requests")
			b.ReportMetric(float64(firstSent+firstRecv), "first-poll-bytes")
		})
	}
}
