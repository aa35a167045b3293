package feed

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff bounds after failed polls.
const (
	minBackoff    = time.Minute
	maxBackoff    = 24 * time.Hour
	maxRetryAfter = 7 * 24 * time.Hour
	jitterShare   = 0.10
)

// nextWait is how long to wait before the next poll. failures counts the
// consecutive failed polls including the one just done (0 after a success),
// retryAfter is what the server asked for (0 if nothing), jitter is a
// number in [-1, 1] drawn by the caller.
//
// After a success the wait is every ± 10 %. After the n-th consecutive
// failure it is 1m·2^(n-1) ± 10 %, capped at min(8·every, 24h): a transient
// error is retried soon, a dead feed is asked at most daily. A Retry-After
// (capped at 7 days) is a floor: the next poll is never before it.
func nextWait(every time.Duration, failures int, retryAfter time.Duration, jitter float64) time.Duration {
	jitter = max(-1, min(1, jitter))
	base := every
	if failures > 0 {
		limit := min(8*every, maxBackoff)
		base = min(minBackoff, limit)
		for i := 1; i < failures && base < limit; i++ {
			base *= 2
		}
		base = min(base, limit)
	}
	wait := base + time.Duration(float64(base)*jitterShare*jitter)
	if retryAfter > 0 {
		retryAfter = min(retryAfter, maxRetryAfter)
		if wait < retryAfter {
			// Spread the herd that a shared Retry-After would create, but
			// only later, never earlier.
			wait = retryAfter + time.Duration(float64(retryAfter)*jitterShare/2*(jitter+1)/2)
		}
	}
	return max(wait, 0)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
// It returns 0 when the header is absent, malformed or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
