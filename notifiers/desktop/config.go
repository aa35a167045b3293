package desktop

import (
	"fmt"
	"math"
	"time"
)

// Config of the desktop notifier.
type Config struct {
	// AppName is shown by the notification server as the sender; default
	// "agentd".
	AppName string
	// Address is the D-Bus address to use; empty means the session bus
	// named by DBUS_SESSION_BUS_ADDRESS (or $XDG_RUNTIME_DIR/bus).
	Address string
	// Timeout is how long a notification stays on screen: zero leaves it to
	// the server, negative keeps it until the user closes it.
	Timeout time.Duration
	// Location is the user's time zone, for due times; nil means UTC.
	Location *time.Location
	// Now is the clock that tells a late reminder; nil means time.Now.
	//
	// Deprecated: use WithClock, the one way every agentd component takes
	// its clock. A WithClock option wins over Now.
	Now func() time.Time
	// OnAction is called with the suggestion and what the user did:
	// ActionOpen, ActionDone, ActionDismiss, ActionSnooze,
	// ActionSnoozeTomorrow or ActionClosed. It runs on the
	// goroutine that reads D-Bus signals, so it should return quickly.
	OnAction func(suggestionID, action string)
}

// DefaultAppName is the sender name shown by the server.
const DefaultAppName = "agentd"

func (c Config) withDefaults() Config {
	if c.AppName == "" {
		c.AppName = DefaultAppName
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	return c
}

// Validate reports a timeout the D-Bus call cannot carry (its field is
// milliseconds in an int32, about 24 days).
func (c Config) Validate() error {
	if c.Timeout > time.Duration(math.MaxInt32)*time.Millisecond {
		return fmt.Errorf("desktop: timeout %v is longer than the %v D-Bus allows", c.Timeout, time.Duration(math.MaxInt32)*time.Millisecond)
	}
	return nil
}

// expireTimeout is the Notify call's expire_timeout: -1 for the server's
// default, 0 for never, else milliseconds.
func (c Config) expireTimeout() int32 {
	switch {
	case c.Timeout == 0:
		return -1
	case c.Timeout < 0:
		return 0
	case c.Timeout >= time.Duration(math.MaxInt32)*time.Millisecond:
		return math.MaxInt32
	default:
		return int32(max(c.Timeout.Milliseconds(), 1))
	}
}
