package source

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/agentd/agentd/internal/state"
)

func TestStateStoreSplitsLargeCollections(t *testing.T) {
	ctx := context.Background()
	items := func(n int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprintf("/alice/calendars/work/%08d-0000-4000-8000-000000000000.ics", i)] = fmt.Sprintf("%032x", i)
		}
		return m
	}
	cases := map[string][]int{
		"small":               {10},
		"large":               {10000},
		"large then small":    {10000, 5},
		"small then large":    {5, 10000},
		"large then larger":   {6000, 12000},
		"larger then smaller": {12000, 6000},
	}
	for name, sizes := range cases {
		t.Run(name, func(t *testing.T) {
			mem := state.NewMemory()
			st := newStateStore(mem, "calendar/x/caldav/")
			if _, err := st.snapshot(ctx); err != nil {
				t.Fatal(err)
			}
			var want map[string]string
			for _, n := range sizes {
				want = items(n)
				p := &pending{owner: st, cols: map[string]*collection{"/alice/calendars/work/": {Token: "t", Items: want}}}
				if err := st.commit(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			// A fresh store reads back what was written, from the parts.
			snap, err := newStateStore(mem, "calendar/x/caldav/").snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := snap["/alice/calendars/work/"]
			if got == nil || got.Token != "t" || !maps.Equal(got.Items, want) {
				t.Fatalf("read back %d items, want %d", len(got.Items), len(want))
			}
			// No value is over the chunk size, and no stale part is left.
			keys, _ := mem.Keys(ctx, "")
			parts := 0
			for _, k := range keys {
				v, _ := mem.Get(ctx, k)
				if len(v) > chunkSize {
					t.Errorf("%s holds %d bytes", k, len(v))
				}
				if strings.HasPrefix(k, "calendar/x/caldav/c//alice/calendars/work//") {
					parts++
				}
			}
			raw, _ := mem.Get(ctx, "calendar/x/caldav/c//alice/calendars/work/")
			wantParts := 0
			if _, split := cutPrefix(raw, "parts "); split {
				if _, err := fmt.Sscanf(string(raw), "parts %d", &wantParts); err != nil {
					t.Fatal(err)
				}
			}
			if parts != wantParts {
				t.Errorf("%d parts stored, header says %d (keys %d)", parts, wantParts, len(keys))
			}
		})
	}
}

func TestStateStoreResetForgetsEverything(t *testing.T) {
	ctx := context.Background()
	mem := state.NewMemory()
	st := newStateStore(mem, "calendar/x/local/")
	if _, err := st.snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	p := &pending{owner: st, cols: map[string]*collection{"/a": {Items: map[string]string{"/a/1.ics": "e"}}}}
	if err := st.commit(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := st.reset(ctx); err != nil {
		t.Fatal(err)
	}
	snap, err := newStateStore(mem, "calendar/x/local/").snapshot(ctx)
	if err != nil || len(snap) != 0 {
		t.Fatalf("after reset: %v %v", snap, err)
	}
	if keys, _ := mem.Keys(ctx, "calendar/x/local/c/"); len(keys) != 0 {
		t.Fatalf("keys left: %v", keys)
	}
}
