package app

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestMemoryTrimmer: the trimmer trims once per burst of work, after the
// burst has been quiet for a while, and its goroutine is gone when stop
// returns (synctest fails the test if one is left blocked in the bubble).
func TestMemoryTrimmer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var frees atomic.Int32
		m := newMemoryTrimmer()
		m.free = func() { frees.Add(1) }
		m.heap = func() uint64 { return 10 << 20 }
		stop := m.start(t.Context())

		time.Sleep(time.Minute)
		if n := frees.Load(); n != 0 {
			t.Fatalf("trimmed %d times without any work", n)
		}
		m.touch()
		time.Sleep(m.quiet / 2)
		m.touch() // still busy
		time.Sleep(m.quiet / 2)
		synctest.Wait()
		if n := frees.Load(); n != 0 {
			t.Fatalf("trimmed %d times while work was going on", n)
		}
		time.Sleep(m.quiet)
		synctest.Wait()
		if n := frees.Load(); n != 1 {
			t.Fatalf("trimmed %d times after the burst, want 1", n)
		}
		time.Sleep(10 * m.quiet)
		if n := frees.Load(); n != 1 {
			t.Fatalf("trimmed %d times while idle, want still 1", n)
		}
		stop()
		stop = m.start(t.Context()) // as a reload does
		m.touch()
		time.Sleep(2 * m.quiet)
		synctest.Wait()
		if n := frees.Load(); n != 2 {
			t.Fatalf("trimmed %d times after a second burst, want 2", n)
		}
		stop()
	})
}

// TestMemoryTrimmerStopsWithContext: cancelling the context ends the
// goroutine too; stop after that returns at once.
func TestMemoryTrimmerStopsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		stop := newMemoryTrimmer().start(ctx)
		cancel()
		synctest.Wait()
		stop()
	})
}

// TestMemoryTrimmerHeapGrowth: polls that announce nothing (304s) touch
// no work, yet the heap grows until a GC that an idle daemon reaches only
// at twice its live heap; RSS crept from 52 to 58 MB. The trimmer now also
// trims, when quiet, once the heap has grown by a quarter since the last
// trim, and not for smaller growth.
func TestMemoryTrimmerHeapGrowth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var frees atomic.Int32
		var heap atomic.Uint64
		heap.Store(20 << 20)
		m := newMemoryTrimmer()
		m.heap = heap.Load
		m.free = func() {
			frees.Add(1)
			heap.Store(20 << 20) // what a collection leaves
		}
		stop := m.start(t.Context())
		defer stop()

		heap.Store(24 << 20) // a fifth more: not yet
		time.Sleep(time.Minute)
		if n := frees.Load(); n != 0 {
			t.Fatalf("trimmed %d times for a heap grown by a fifth", n)
		}
		heap.Store(26 << 20) // more than a quarter
		time.Sleep(m.quiet)
		synctest.Wait()
		if n := frees.Load(); n != 1 {
			t.Fatalf("trimmed %d times for a heap grown by 30 %%, want 1", n)
		}
		time.Sleep(time.Minute)
		if n := frees.Load(); n != 1 {
			t.Fatalf("trimmed %d times after the heap went back, want still 1", n)
		}

		// During a burst of work the heap may grow: no trim until quiet.
		m.touch()
		heap.Store(60 << 20)
		time.Sleep(m.quiet / 2)
		synctest.Wait()
		if n := frees.Load(); n != 1 {
			t.Fatalf("trimmed during work (%d)", n)
		}
		time.Sleep(m.quiet)
		synctest.Wait()
		if n := frees.Load(); n != 2 {
			t.Fatalf("trimmed %d times after the burst, want 2", n)
		}
	})
}
