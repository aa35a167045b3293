package notifiers_test

import (
	"errors"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/notifiers"
)

// quietHours builds the user's quiet hours as the app does: the config's
// window read in the user's zone.
func quietHours(start, end string, loc *time.Location) (notifiers.QuietFunc, error) {
	if loc == nil {
		return nil, errors.New("no time zone")
	}
	w, err := config.ParseDailyWindow(start + "-" + end)
	if err != nil {
		return nil, err
	}
	return notifiers.QuietHoursIn(w, loc), nil
}

func TestDailyQuietHours(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, paris) }
	tests := map[string]struct {
		start, end string
		t          time.Time
		wantIn     bool
		wantEnd    time.Time
	}{
		"evening, across midnight":       {"22:00", "07:00", at(2026, 11, 27, 23, 30), true, at(2026, 11, 28, 7, 0)},
		"after midnight":                 {"22:00", "07:00", at(2026, 11, 28, 3, 0), true, at(2026, 11, 28, 7, 0)},
		"at the start":                   {"22:00", "07:00", at(2026, 11, 27, 22, 0), true, at(2026, 11, 28, 7, 0)},
		"at the end is awake":            {"22:00", "07:00", at(2026, 11, 28, 7, 0), false, time.Time{}},
		"just before the start":          {"22:00", "07:00", at(2026, 11, 27, 21, 59), false, time.Time{}},
		"midday":                         {"22:00", "07:00", at(2026, 11, 27, 12, 0), false, time.Time{}},
		"same-day window inside":         {"12:30", "14:00", at(2026, 11, 27, 13, 0), true, at(2026, 11, 27, 14, 0)},
		"same-day window outside":        {"12:30", "14:00", at(2026, 11, 27, 14, 1), false, time.Time{}},
		"new year's eve across midnight": {"23:00", "08:00", at(2026, 12, 31, 23, 15), true, at(2027, 1, 1, 8, 0)},
		// Clocks go back at 03:00 on 2026-10-25 in Paris: the night is an
		// hour longer, the window still ends at 07:00 local time.
		"night the clocks go back": {"22:00", "07:00", at(2026, 10, 25, 1, 0), true, at(2026, 10, 25, 7, 0)},
		// The instant is given in UTC; the window is the user's.
		"instant in another zone": {"22:00", "07:00", time.Date(2026, 11, 27, 21, 30, 0, 0, time.UTC), true, at(2026, 11, 28, 7, 0)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			q, err := quietHours(tc.start, tc.end, paris)
			if err != nil {
				t.Fatal(err)
			}
			in, end := q(tc.t)
			if in != tc.wantIn || !end.Equal(tc.wantEnd) {
				t.Errorf("quiet(%v) = %v, %v; want %v, %v", tc.t, in, end, tc.wantIn, tc.wantEnd)
			}
		})
	}
}

func TestDailyQuietHoursLengthAcrossDST(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	q, err := quietHours("22:00", "07:00", paris)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 10, 24, 22, 0, 0, 0, paris)
	_, end := q(start)
	if got := end.Sub(start); got != 10*time.Hour {
		t.Errorf("the night the clocks go back lasts %v, want 10h", got)
	}
}

func TestDailyQuietHoursInvalid(t *testing.T) {
	tests := map[string]struct {
		start, end string
		loc        *time.Location
	}{
		"bad start":      {"25:00", "07:00", time.UTC},
		"bad end":        {"22:00", "7am", time.UTC},
		"empty window":   {"22:00", "22:00", time.UTC},
		"no time zone":   {"22:00", "07:00", nil},
		"seconds given":  {"22:00:00", "07:00", time.UTC},
		"missing minute": {"22", "07:00", time.UTC},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := quietHours(tc.start, tc.end, tc.loc); err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestQuietHoursStage(t *testing.T) {
	night := time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC)
	day := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	quiet, err := quietHours("22:00", "07:00", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	morning := time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		quiet    notifiers.QuietFunc
		respects bool
		priority string
		now      time.Time
		want     notifiers.Outcome
		until    time.Time
	}{
		"night, respecting target":          {quiet, true, event.PriorityHigh, night, notifiers.Deferred, morning},
		"night, target ignores quiet hours": {quiet, false, event.PriorityNormal, night, notifiers.Delivered, time.Time{}},
		"night, urgent goes through":        {quiet, true, event.PriorityUrgent, night, notifiers.Delivered, time.Time{}},
		"day":                               {quiet, true, event.PriorityLow, day, notifiers.Delivered, time.Time{}},
		"no quiet hours configured":         {nil, true, event.PriorityLow, night, notifiers.Delivered, time.Time{}},
		"quiet func without an end": {func(time.Time) (bool, time.Time) { return true, time.Time{} },
			true, event.PriorityLow, night, notifiers.Delivered, time.Time{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var next delivered
			h := notifiers.QuietHoursStage(tc.quiet, func() time.Time { return tc.now })(next.handle)
			target := notifiers.Target{Notifier: newRecorder("r"), Route: notifiers.Route{QuietHours: tc.respects}}
			r, err := h(t.Context(), notifiers.Delivery{Target: target, Suggestion: suggestion("a", event.KindReminder, tc.priority)})
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcome != tc.want || !r.DeferUntil.Equal(tc.until) {
				t.Errorf("got %v until %v, want %v until %v", r.Outcome, r.DeferUntil, tc.want, tc.until)
			}
		})
	}
}
