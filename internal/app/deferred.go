package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/agentd/agentd/watchers"
)

// deferredWatcher builds its watcher at the first Connect. Sources whose
// password comes from a command (a password manager that is still locked
// when a user service starts) then fail like a server that is down: the
// runner retries with backoff and `agentd check` shows the error, and the
// other sources run meanwhile.
type deferredWatcher struct {
	name string
	// probe: `agentd check` only connects (logs in) instead of a full
	// sync, which for a mail account would read weeks of mail.
	probe bool
	build func(ctx context.Context) (watchers.Watcher, error)

	mu sync.Mutex
	w  watchers.Watcher
}

func (d *deferredWatcher) Name() string { return d.name }

func (d *deferredWatcher) inner() watchers.Watcher {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.w
}

func (d *deferredWatcher) Connect(ctx context.Context) error {
	d.mu.Lock()
	if d.w == nil {
		w, err := d.build(ctx)
		if err != nil {
			d.mu.Unlock()
			return err
		}
		d.w = w
	}
	w := d.w
	d.mu.Unlock()
	return w.Connect(ctx)
}

func (d *deferredWatcher) Run(ctx context.Context, publish watchers.Publish) error {
	w := d.inner()
	if w == nil {
		return fmt.Errorf("%s: not connected", d.name)
	}
	return w.Run(ctx, publish)
}

func (d *deferredWatcher) Close(ctx context.Context) error {
	if w := d.inner(); w != nil {
		return w.Close(ctx)
	}
	return nil
}

func (d *deferredWatcher) SyncOnce(ctx context.Context, publish watchers.Publish) error {
	s, ok := d.inner().(watchers.Syncer)
	if !ok {
		return fmt.Errorf("%s cannot do a single pass", d.name)
	}
	return s.SyncOnce(ctx, publish)
}

// Health is the inner watcher's own view once it exists; before that the
// runner's view (the failing Connect) stands.
func (d *deferredWatcher) Health() watchers.Health {
	if hr, ok := d.inner().(watchers.HealthReporter); ok {
		return hr.Health()
	}
	return watchers.Health{Name: d.name}
}

var (
	_ watchers.Watcher = (*deferredWatcher)(nil)
	_ watchers.Syncer  = (*deferredWatcher)(nil)
)
