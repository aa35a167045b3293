package app

import (
	"context"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// memoryTrimmer gives memory back to the OS once agentd goes idle after a
// burst of work (a first sync, a morning of mail). Go keeps freed heap and
// nats-server keeps block buffers in sync.Pools until two GCs have run, and
// an idle daemon allocates too little to trigger them: without this a
// daemon that has nothing to do keeps the memory of its busiest minute.
type memoryTrimmer struct {
	last    atomic.Int64 // unix nanos of the last unit of work
	trimmed atomic.Int64 // value of last when we last trimmed
	quiet   time.Duration
	free    func() // gives memory back; tests count calls
}

func newMemoryTrimmer() *memoryTrimmer {
	return &memoryTrimmer{quiet: 10 * time.Second, free: freeOSMemory}
}

// start runs the trimmer in a goroutine until ctx is done or stop is
// called; stop waits for the goroutine to return.
func (m *memoryTrimmer) start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.run(ctx)
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
func (m *memoryTrimmer) run(ctx context.Context) {
	t := time.NewTicker(m.quiet / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		last := m.last.Load()
		if last == 0 || last == m.trimmed.Load() || time.Since(time.Unix(0, last)) < m.quiet {
			continue
		}
		m.trimmed.Store(last)
		m.free()
	}
}

// freeOSMemory runs two collections: the first moves pooled buffers to the
// victim cache, the second frees them; FreeOSMemory then returns the pages.
func freeOSMemory() {
	debug.FreeOSMemory()
	debug.FreeOSMemory()
}
