package main

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// logZone shows log record times in the user's configured zone, the one
// suggestions are shown in, so a terminal shows a single zone. Until set
// (before the config is loaded) times are left as they are.
type logZone struct {
	loc atomic.Pointer[time.Location]
}

func (z *logZone) set(loc *time.Location) {
	if loc != nil {
		z.loc.Store(loc)
	}
}

// replaceAttr is a slog.HandlerOptions.ReplaceAttr.
func (z *logZone) replaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 || a.Key != slog.TimeKey || a.Value.Kind() != slog.KindTime {
		return a
	}
	if loc := z.loc.Load(); loc != nil {
		a.Value = slog.TimeValue(a.Value.Time().In(loc))
	}
	return a
}
