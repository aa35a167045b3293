package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNotifyRoutes(t *testing.T) {
	c, err := Parse(cfgFile, []byte(`
notify:
  desktop: {}
  ntfy: {url: https://ntfy.sh/alice-agentd}
  digest: {to: a@example.com, smtp: {host: 127.0.0.1, tls: none}}
  outside_hours: digest
  max_interruptions: 20
  group_window: 90s
  routes:
    - match: {kind: [reminder], min_priority: high, source: "mail:*", hours: off}
      channels: [desktop, ntfy]
      continue: true
    - match: {source: "feed:*"}
      channels: []
`))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Notify
	want := []NotifyRoute{
		{Kinds: []string{"reminder"}, MinPriority: "high", Source: "mail:*", Hours: RouteHoursOff, Channels: []string{"desktop", "ntfy"}, Continue: true},
		{Source: "feed:*", Channels: []string{}},
	}
	if !reflect.DeepEqual(n.Routes, want) {
		t.Errorf("routes = %+v\nwant %+v", n.Routes, want)
	}
	if n.OutsideHours != OutsideHoursDigest || n.MaxInterruptions != 20 || n.GroupWindow != Duration(90*time.Second) {
		t.Errorf("outside_hours %q, max_interruptions %d, group_window %v", n.OutsideHours, n.MaxInterruptions, n.GroupWindow)
	}
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(cfgFile, out)
	if err != nil {
		t.Fatalf("marshalled config does not load: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(again.Notify.Routes, n.Routes) || again.Notify.OutsideHours != n.OutsideHours ||
		again.Notify.MaxInterruptions != n.MaxInterruptions || again.Notify.GroupWindow != n.GroupWindow {
		t.Errorf("round trip changed the delivery policy:\n%s", out)
	}

	// Defaults: today's behaviour, bursts grouped over a minute.
	c, err = Parse(cfgFile, []byte("notify: {desktop: {}}"))
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Notify; n.Routes != nil || n.OutsideHours != OutsideHoursWait || n.MaxInterruptions != 0 || n.GroupWindow != DefaultGroupWindow {
		t.Errorf("defaults: %+v", n)
	}
	c, err = Parse(cfgFile, []byte("notify: {desktop: {}, group_window: 0s}"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Notify.GroupWindow != 0 {
		t.Errorf("group_window 0s = %v", c.Notify.GroupWindow)
	}
	if again, err := c.Marshal(); err != nil || !strings.Contains(string(again), "group_window: 0s") {
		t.Errorf("group_window 0s not kept: %v\n%s", err, again)
	}
}

func TestBadNotifyRoutes(t *testing.T) {
	cases := map[string]struct {
		yaml string
		line int
		path string
		want []string
	}{
		"unknown channel": {
			yaml: "notify:\n  desktop: {}\n  routes:\n    - match: {}\n      channels: [desktop, phone]\n", line: 5, path: "notify.routes[0].channels[1]",
			want: []string{`"phone" is not a channel`, "valid: terminal, desktop, ntfy, webhook"},
		},
		"channel not configured": {
			yaml: "notify:\n  desktop: {}\n  routes:\n    - channels:\n        - ntfy\n", line: 5, path: "notify.routes[0].channels[0]",
			want: []string{`"ntfy" is not configured`, "configured: desktop"},
		},
		"no channels": {
			yaml: "notify:\n  desktop: {}\n  routes:\n    - match: {kind: [draft]}\n", line: 4, path: "notify.routes[0].channels",
			want: []string{"required", "[] for the digest only"},
		},
		"bad priority": {
			yaml: "notify:\n  desktop: {}\n  routes:\n    - match:\n        min_priority: critical\n      channels: [desktop]\n", line: 5, path: "notify.routes[0].match.min_priority",
			want: []string{`"critical" is not a valid priority`, "low, normal, high, urgent"},
		},
		"bad kind": {
			yaml: "notify:\n  desktop: {}\n  routes:\n    - match: {kind: [memo]}\n      channels: [desktop]\n", line: 4, path: "notify.routes[0].match.kind[0]",
			want: []string{`"memo" is not a valid kind`},
		},
		"source without kind": {
			yaml: "notify:\n  desktop: {}\n  routes:\n    - match: {source: go-blog}\n      channels: [desktop]\n", line: 4, path: "notify.routes[0].match.source",
			want: []string{"kind:name", `"mail:*"`},
		},
		"source of no kind": {
			yaml: "notify:\n  desktop: {}\n  routes:\n    - match: {source: \"rss:*\"}\n      channels: [desktop]\n", line: 4, path: "notify.routes[0].match.source",
			want: []string{`source kind "rss"`, "mail, feed, calendar"},
		},
		"bad hours": {
			yaml: "notify:\n  desktop: {}\n  routes:\n    - match: {hours: night}\n      channels: [desktop]\n", line: 4, path: "notify.routes[0].match.hours",
			want: []string{`"night"`, "working, off"},
		},
		"unknown route key": {
			yaml: "notify:\n  desktop: {}\n  routes:\n    - channels: [desktop]\n      stop: true\n", line: 5, path: "notify.routes[0].stop",
			want: []string{`unknown key "stop"`},
		},
		"outside hours digest without digest": {
			yaml: "notify:\n  desktop: {}\n  outside_hours: digest\n", line: 3, path: "notify.outside_hours",
			want: []string{"needs notify.digest"},
		},
		"bad outside hours": {
			yaml: "notify:\n  outside_hours: later\n", line: 2, path: "notify.outside_hours",
			want: []string{`"later"`, "wait, digest"},
		},
		"negative budget": {
			yaml: "notify:\n  max_interruptions: -1\n", line: 2, path: "notify.max_interruptions",
			want: []string{"-1"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(cfgFile, []byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tc.yaml)
			}
			prefix := fmt.Sprintf("%s:%d: %s: ", cfgFile, tc.line, tc.path)
			for _, e := range Errors(err) {
				if e.Line != tc.line || e.Path != tc.path {
					continue
				}
				if !strings.HasPrefix(e.Error(), prefix) {
					t.Errorf("error %q does not start with %q", e.Error(), prefix)
				}
				for _, w := range tc.want {
					if !strings.Contains(e.Msg, w) {
						t.Errorf("error %q lacks %q", e.Error(), w)
					}
				}
				return
			}
			t.Errorf("no error at line %d for %q; got:\n%v", tc.line, tc.path, err)
		})
	}
}
