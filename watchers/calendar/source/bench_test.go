package source

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/agentd/agentd/internal/state"
)

// BenchmarkCalDAVPoll polls a 1,000-event calendar on go-webdav's server
// and reports the requests and bytes (request bodies sent, response bodies
// received) of one poll. go-webdav's server has no sync-token, so every
// poll lists the ETags in the time range; see TestRadicale for a server
// with tokens.
func BenchmarkCalDAVPoll(b *testing.B) {
	cases := map[string]struct {
		// modify changes the server before poll i (outside the timer).
		modify func(b *testing.B, srv *davServer, cal string, i int)
		want   int // changed objects per poll
	}{
		"unchanged": {modify: func(*testing.B, *davServer, string, int) {}},
		"one changed": {modify: func(b *testing.B, srv *davServer, cal string, i int) {
			srv.put(b, cal, "ev-0042", fmt.Sprintf("Event v%d", i), testNow.Add(time.Hour))
		}, want: 1},
	}
	for name, tc := range cases {
		b.Run(name, func(b *testing.B) {
			srv := newDAVServer(b, testUser, testPass)
			cal := srv.addCalendar(b, "work", "Work")
			for i := range 1000 {
				// Spread over the next three weeks.
				srv.put(b, cal, fmt.Sprintf("ev-%04d", i), "Event", testNow.Add(time.Duration(i)*30*time.Minute))
			}
			ct := &countingTransport{base: http.DefaultTransport}
			fe, err := NewCalDAV(CalDAVConfig{
				Name: "bench", URL: srv.URL, Username: testUser, Password: testPass,
				Past: 24 * time.Hour, Horizon: 30 * 24 * time.Hour,
				HTTPClient: &http.Client{Transport: ct},
			}, state.NewMemory(), testLogger(b), WithClock(func() time.Time { return testNow }))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			first, err := fe.Fetch(ctx)
			if err != nil || len(first.Changed) != 1000 {
				b.Fatalf("first fetch: %d objects, %v", len(first.Changed), err)
			}
			if err := fe.Commit(ctx, first); err != nil {
				b.Fatal(err)
			}
			firstReqs, firstSent, firstRecv := ct.reset()

			polls := 0
			for b.Loop() {
				b.StopTimer()
				tc.modify(b, srv, cal, polls)
				b.StartTimer()
				ch, err := fe.Fetch(ctx)
				if err != nil || len(ch.Changed) != tc.want || len(ch.Removed) != 0 {
					b.Fatalf("poll %d: %s, %v", polls, describe(ch), err)
				}
				if err := fe.Commit(ctx, ch); err != nil {
					b.Fatal(err)
				}
				polls++
			}
			reqs, sent, recv := ct.reset()
			b.ReportMetric(float64(reqs)/float64(polls), "requests/poll")
			b.ReportMetric(float64(sent)/float64(polls), "sent-bytes/poll")
			b.ReportMetric(float64(recv)/float64(polls), "received-bytes/poll")
			// The first poll, which downloads all 1,000 events, for scale.
			b.ReportMetric(float64(firstReqs), "first-poll-requests")
			b.ReportMetric(float64(firstSent+firstRecv), "first-poll-bytes")
		})
	}
}
