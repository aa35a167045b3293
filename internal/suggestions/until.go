package suggestions

import (
	"fmt"
	"strings"
	"time"
)

// MorningHour is the hour "tomorrow" means in ParseUntil.
const MorningHour = 9

// ParseUntil reads how long to snooze as the user writes it: a Go duration
// ("1h", "90m") from now, or "tomorrow" (MorningHour o'clock the next day,
// in now's location).
func ParseUntil(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "tomorrow") {
		y, m, d := now.Date()
		return time.Date(y, m, d+1, MorningHour, 0, 0, 0, now.Location()), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("snooze %q: want a duration such as 1h or 30m, or tomorrow", s)
	}
	if d <= 0 {
		return time.Time{}, fmt.Errorf("snooze %q: the duration must be positive", s)
	}
	return now.Add(d), nil
}
