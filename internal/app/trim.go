package app

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/agentd/agentd/internal/exepages"
)

// memoryTrimmer gives memory back to the OS once agentd goes idle after a
// burst of work (a first sync, a morning of mail). Go keeps freed heap and
// nats-server keeps block buffers in sync.Pools until two GCs have run, and
// an idle daemon allocates too little to trigger them: without this a
// daemon that has nothing to do keeps the memory of its busiest minute.
//
// Work that announces nothing (feed polls answered 304, say) does not
// touch the trimmer but still allocates, and in an idle daemon a GC comes
// only once the heap has doubled: 100 feeds polled every minute took the
// daemon from 52 to 58 MB RSS within two minutes. So the trimmer also
// trims, in a quiet moment, once the heap has grown by a quarter (at
// least heapSlack) since the last trim.
type memoryTrimmer struct {
	last    atomic.Int64 // unix nanos of the last unit of work
	trimmed atomic.Int64 // value of last when we last trimmed
	quiet   time.Duration
	free    func()        // gives memory back; tests count calls
	heap    func() uint64 // bytes of heap objects, live and not yet collected
}

// heapSlack is the least growth of the heap that makes the trimmer trim
// without a burst of work.
const heapSlack = 2 << 20

func newMemoryTrimmer() *memoryTrimmer {
	return &memoryTrimmer{quiet: 10 * time.Second, free: freeOSMemory, heap: heapObjects}
}

// start runs the trimmer in a goroutine until ctx is done or stop is
// called; stop waits for the goroutine to return.
func (m *memoryTrimmer) start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	baseline := m.heap()
	go func() {
		defer close(done)
		m.run(ctx, baseline)
	}()
	return func() {
		cancel()
		<-done
	}
}

// touch records that work happened.
func (m *memoryTrimmer) touch() { m.last.Store(time.Now().UnixNano()) }

// run checks every few seconds whether work happened and has since been
// quiet for a while, and trims once per such burst.
// baseline is the heap's size at the last trim (or start).
func (m *memoryTrimmer) run(ctx context.Context, baseline uint64) {
	t := time.NewTicker(m.quiet / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		last := m.last.Load()
		if last != 0 && time.Since(time.Unix(0, last)) < m.quiet {
			continue // busy; trimmed once the burst is over
		}
		burst := last != 0 && last != m.trimmed.Load()
		if !burst && m.heap() < baseline+max(baseline/4, heapSlack) {
			continue
		}
		m.trimmed.Store(last)
		m.free()
		baseline = m.heap()
	}
}

// heapObjects is the size of the heap's objects, reachable or not yet
// swept: it grows between collections.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// freeOSMemory runs two collections: the first moves pooled buffers to the
// victim cache, the second frees them; FreeOSMemory then returns the pages.
// Then it unmaps the executable's code and read-only data (see package
// exepages): what the idle daemon runs is mapped again on use. A failure
// there costs only memory, so it is not reported.
func freeOSMemory() {
	debug.FreeOSMemory()
	debug.FreeOSMemory()
	_, _ = exepages.Release()
}
