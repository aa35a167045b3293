// Package dbustest runs a private D-Bus session bus (dbus-daemon) and a
// notification server on it, for tests of what agentd does with desktop
// notifications and the actions the user invokes on them.
package dbustest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// The notification service, as named by the Desktop Notifications
// Specification.
const (
	BusName = "org.freedesktop.Notifications"
	ObjPath = dbus.ObjectPath("/org/freedesktop/Notifications")
	Iface   = "org.freedesktop.Notifications"
)

const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// RequireDaemon returns the dbus-daemon binary. Without one the test is
// skipped, unless AGENTD_INTEGRATION=1 demands the real bus.
func RequireDaemon(t testing.TB) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("AGENTD_INTEGRATION") == "1" {
			t.Fatalf("AGENTD_INTEGRATION=1 but dbus-daemon is missing (apt-get install dbus-daemon dbus-bin): %v", err)
		}
		t.Skipf("dbus-daemon not installed: %v", err)
	}
	return daemon
}

// StartBus starts a dbus-daemon for this test and returns its address; it
// is stopped when the test ends. Without dbus-daemon the test is skipped,
// unless AGENTD_INTEGRATION=1 demands the real bus.
func StartBus(t testing.TB) string {
	t.Helper()
	return NewBus(t).Addr
}

// Bus is a private dbus-daemon started for one test. Stop and Restart play
// the session bus going away and coming back on the same socket.
type Bus struct {
	Addr   string
	socket string
	cmd    *exec.Cmd
}

// NewBus starts a dbus-daemon like StartBus, and returns it so that the
// test can stop and restart it.
func NewBus(t testing.TB) *Bus {
	t.Helper()
	// Short: socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "agentd-dbus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b := &Bus{socket: filepath.Join(dir, "bus")}
	b.Restart(t)
	return b
}

// Restart runs dbus-daemon on the bus's socket again, after Stop, and waits
// until it prints its address.
func (b *Bus) Restart(t testing.TB) {
	t.Helper()
	daemon := RequireDaemon(t)
	os.Remove(b.socket) // a killed daemon leaves its socket behind
	conf := filepath.Join(filepath.Dir(b.socket), "session.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConfig, b.socket), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--print-address")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	b.cmd = cmd
	t.Cleanup(b.Stop)

	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			t.Fatalf("dbus-daemon printed no address: %s", stderr.String())
		}
		b.Addr = addr
	case <-time.After(20 * time.Second):
		t.Fatalf("dbus-daemon did not start: %s", stderr.String())
	}
}

// Stop kills this test's dbus-daemon (by its own process handle).
func (b *Bus) Stop() {
	if b.cmd == nil {
		return
	}
	b.cmd.Process.Kill()
	b.cmd.Wait()
	b.cmd = nil
}

// Notification is one Notify call as the server received it.
type Notification struct {
	ID         uint32
	AppName    string
	ReplacesID uint32
	Icon       string
	Summary    string
	Body       string
	// Actions are key, label pairs.
	Actions []string
	Hints   map[string]dbus.Variant
	// Timeout is expire_timeout in milliseconds: -1 the server's default,
	// 0 until dismissed.
	Timeout int32
}

// Server implements org.freedesktop.Notifications on a test bus, the way
// a desktop's notification daemon does, and plays the user: Invoke clicks
// a button.
type Server struct {
	conn *dbus.Conn

	mu   sync.Mutex
	last uint32
	got  []Notification
}

// StartServer connects to the bus at addr and owns the notification
// service there until the test ends.
func StartServer(t testing.TB, addr string) *Server {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("notification server: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &Server{conn: conn}
	if err := conn.Export(s, ObjPath, Iface); err != nil {
		t.Fatalf("notification server: export: %v", err)
	}
	reply, err := conn.RequestName(BusName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("notification server: request name: reply %v, err %v", reply, err)
	}
	return s
}

// Notify is the D-Bus method.
func (s *Server) Notify(appName string, replacesID uint32, icon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last++
	s.got = append(s.got, Notification{ID: s.last, AppName: appName, ReplacesID: replacesID, Icon: icon,
		Summary: summary, Body: body, Actions: actions, Hints: hints, Timeout: timeout})
	return s.last, nil
}

// GetServerInformation is the D-Bus method.
func (s *Server) GetServerInformation() (name, vendor, version, spec string, _ *dbus.Error) {
	return "agentd-test", "agentd", "1.0", "1.2", nil
}

// GetCapabilities is the D-Bus method.
func (s *Server) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"actions", "body", "body-markup"}, nil
}

// CloseNotification is the D-Bus method.
func (s *Server) CloseNotification(id uint32) *dbus.Error {
	s.EmitClosed(id, 3)
	return nil
}

// Received returns the notifications shown so far.
func (s *Server) Received() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.got...)
}

// Summaries returns the summaries of the notifications shown so far.
func (s *Server) Summaries() []string {
	var out []string
	for _, n := range s.Received() {
		out = append(out, n.Summary)
	}
	return out
}

// Invoke is the user clicking button key on notification id; as servers
// do, the notification then closes.
func (s *Server) Invoke(id uint32, key string) error {
	if err := s.EmitAction(id, key); err != nil {
		return err
	}
	return s.EmitClosed(id, 2)
}

// EmitAction sends only the ActionInvoked signal for button key on
// notification id, without the close that Invoke sends after it.
func (s *Server) EmitAction(id uint32, key string) error {
	return s.conn.Emit(ObjPath, Iface+".ActionInvoked", id, key)
}

// EmitClosed sends the NotificationClosed signal for id; reason is 1 for
// expired, 2 for dismissed by the user, 3 for closed by CloseNotification.
func (s *Server) EmitClosed(id, reason uint32) error {
	return s.conn.Emit(ObjPath, Iface+".NotificationClosed", id, reason)
}
