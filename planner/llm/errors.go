package llm

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrRefused is returned when the model declines to answer (a non-empty
// message.refusal, or finish_reason "content_filter"). Retrying the same
// input will not help; callers use the rules' own text.
var ErrRefused = errors.New("llm: model refused")

// ErrInvalidOutput matches (errors.Is) every *OutputError.
var ErrInvalidOutput = errors.New("llm: invalid output")

// OutputError reports an answer that is not JSON or does not match the
// request's schema. Callers fall back to the rules' output. The model's text
// is kept in Content for debugging but never put into Error(): it may quote
// the user's mail.
type OutputError struct {
	Mode    Mode
	Reason  string // e.g. `not JSON`, `$.title: required`
	Content string
}

func (e *OutputError) Error() string {
	return fmt.Sprintf("llm: invalid output (%s): %s", e.Mode, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidOutput) true.
func (e *OutputError) Is(target error) bool { return target == ErrInvalidOutput }

// Error is a failed exchange with the server: an HTTP status other than 200,
// a timeout or a transport failure. Retryable tells the caller whether the
// same request may succeed later; RetryAfter is the server's requested delay
// (zero when it gave none).
type Error struct {
	Host       string
	Status     int    // 0 for transport errors and timeouts
	Message    string // the server's error message, shortened
	Retryable  bool
	RetryAfter time.Duration
	Err        error // the transport error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "llm %s: ", e.Host)
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Message)
		}
	} else if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary follows the convention shared stages use to tell retryable
// errors from permanent ones.
func (e *Error) Temporary() bool { return e.Retryable }

// IsRetryable reports whether err is worth retrying later, and after how
// long at least (zero: the caller's own backoff decides).
func IsRetryable(err error) (bool, time.Duration) {
	var e *Error
	if errors.As(err, &e) && e.Retryable {
		return true, e.RetryAfter
	}
	var b *BudgetError
	if errors.As(err, &b) {
		return true, 0
	}
	return false, 0
}

// statusRetryable: 408/409/425/429 and every 5xx may succeed later; any other
// 4xx is a problem with the request or the account that a retry cannot fix.
func statusRetryable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return status >= 500
}

// maxRetryAfter bounds a server's Retry-After so a bogus date cannot park
// the planner's work for weeks.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date
// (RFC 9110 §10.2.3), relative to now. Unparsable or past values give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
