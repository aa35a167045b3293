package watchers

import (
	"errors"
	"testing"
	"time"
)

func TestTrackerLogsStateChangesOnce(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	tr := NewTracker("mail:work", t0)
	steps := []struct {
		err          error
		changed      bool
		failures, ok int // ok: 1 true, 0 false
	}{
		{nil, false, 0, 1},                  // first success: nothing to announce
		{errors.New("refused"), true, 1, 0}, // the outage starts: log it
		{errors.New("refused"), false, 2, 0},
		{errors.New("timeout"), false, 3, 0},
		{nil, true, 3, 1}, // back, after 3 failures: log it
		{nil, false, 0, 1},
	}
	for i, s := range steps {
		now := t0.Add(time.Duration(i+1) * time.Minute)
		changed, failures := tr.Record(now, s.err)
		h := tr.Health()
		if changed != s.changed || failures != s.failures || h.OK != (s.ok == 1) {
			t.Fatalf("step %d: changed=%v failures=%d ok=%v, want %v %d %v", i, changed, failures, h.OK, s.changed, s.failures, s.ok == 1)
		}
		if s.err != nil && h.LastError != s.err.Error() {
			t.Fatalf("step %d: last error %q", i, h.LastError)
		}
	}
	h := tr.Health()
	if !h.Since.Equal(t0.Add(5*time.Minute)) || h.Name != "mail:work" || h.Failures != 0 {
		t.Fatalf("final health %+v: ok since the recovery at step 5", h)
	}
}
