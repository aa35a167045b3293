package llm_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/agentd/agentd/planner/llm"
)

type flushed struct {
	at    time.Duration // since the test's start
	items []int
}

func TestBatcher(t *testing.T) {
	type arrival struct {
		at   time.Duration
		item int
	}
	tests := map[string]struct {
		max      int
		arrivals []arrival
		close    time.Duration // 0: never
		want     []flushed
	}{
		"one item waits one window": {
			max: 5, arrivals: []arrival{{0, 1}},
			want: []flushed{{2 * time.Second, []int{1}}},
		},
		"a burst becomes one batch": {
			max: 5, arrivals: []arrival{{0, 1}, {500 * time.Millisecond, 2}, {1900 * time.Millisecond, 3}},
			want: []flushed{{2 * time.Second, []int{1, 2, 3}}},
		},
		"the window is not extended": {
			max: 5, arrivals: []arrival{{0, 1}, {1500 * time.Millisecond, 2}, {2500 * time.Millisecond, 3}},
			want: []flushed{{2 * time.Second, []int{1, 2}}, {4500 * time.Millisecond, []int{3}}},
		},
		"a full batch goes at once": {
			max: 2, arrivals: []arrival{{0, 1}, {100 * time.Millisecond, 2}, {200 * time.Millisecond, 3}},
			want: []flushed{{100 * time.Millisecond, []int{1, 2}}, {2200 * time.Millisecond, []int{3}}},
		},
		"close flushes what is pending": {
			max: 5, arrivals: []arrival{{0, 1}}, close: time.Second,
			want: []flushed{{time.Second, []int{1}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now() // the bubble's fake clock
				var (
					mu  sync.Mutex
					got []flushed
				)
				b := llm.NewBatcher(llm.BatcherConfig[int]{
					Window: 2 * time.Second, MaxItems: tc.max,
					Flush: func(_ context.Context, items []int) {
						mu.Lock()
						defer mu.Unlock()
						got = append(got, flushed{time.Since(start), slices.Clone(items)})
					},
				})
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				done := make(chan error, 1)
				go func() { done <- b.Run(ctx) }()
				for _, a := range tc.arrivals {
					time.Sleep(a.at - time.Since(start))
					if err := b.Add(ctx, a.item); err != nil {
						t.Fatal(err)
					}
				}
				if tc.close != 0 {
					time.Sleep(tc.close - time.Since(start))
					b.Close()
					if err := <-done; err != nil {
						t.Errorf("Run after Close = %v", err)
					}
					if err := b.Add(ctx, 9); !errors.Is(err, llm.ErrBatcherClosed) {
						t.Errorf("Add after Close = %v", err)
					}
				} else {
					time.Sleep(time.Minute)
					cancel()
					if err := <-done; !errors.Is(err, context.Canceled) {
						t.Errorf("Run = %v", err)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if len(got) != len(tc.want) {
					t.Fatalf("flushes %v, want %v", got, tc.want)
				}
				for i := range got {
					if got[i].at != tc.want[i].at || !slices.Equal(got[i].items, tc.want[i].items) {
						t.Errorf("flush %d = %v, want %v", i, got[i], tc.want[i])
					}
				}
			})
		})
	}
}

func TestBatcherInjectedClock(t *testing.T) {
	// Without synctest: the timer is a channel the test fires.
	fire := make(chan time.Time)
	got := make(chan []string, 1)
	b := llm.NewBatcher(llm.BatcherConfig[string]{
		After: func(time.Duration) <-chan time.Time { return fire },
		Flush: func(_ context.Context, items []string) { got <- items },
	})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go b.Run(ctx)
	_ = b.Add(ctx, "a")
	_ = b.Add(ctx, "b")
	fire <- time.Time{}
	if items := <-got; !slices.Equal(items, []string{"a", "b"}) {
		t.Errorf("batch %v", items)
	}
}
