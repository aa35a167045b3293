package desktop_test

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

// sessionBus is a private dbus-daemon started for one test.
type sessionBus struct {
	addr   string
	socket string
	cmd    *exec.Cmd
}

// requireDBusDaemon returns the dbus-daemon binary. It skips the test when
// there is none, unless AGENTD_INTEGRATION=1 demands the real bus.
func requireDBusDaemon(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("AGENTD_INTEGRATION") == "1" {
			t.Fatalf("AGENTD_INTEGRATION=1 but dbus-daemon is missing (apt-get install dbus-daemon dbus-bin): %v", err)
		}
		t.Skipf("dbus-daemon not installed: %v", err)
	}
	return path
}

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

// startBus starts a session bus listening on a socket in a fresh directory
// (short, since socket paths are limited to about 100 bytes).
func startBus(t testing.TB) *sessionBus {
	t.Helper()
	dir, err := os.MkdirTemp("", "agentd-dbus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b := &sessionBus{socket: filepath.Join(dir, "bus")}
	b.start(t)
	return b
}

// start runs dbus-daemon on b.socket and waits until it prints its address.
func (b *sessionBus) start(t testing.TB) {
	t.Helper()
	daemon := requireDBusDaemon(t)
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
	t.Cleanup(b.stop)

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
		b.addr = addr
	case <-time.After(20 * time.Second):
		t.Fatalf("dbus-daemon did not start: %s", stderr.String())
	}
}

// stop kills this test's dbus-daemon (by its own process handle).
func (b *sessionBus) stop() {
	if b.cmd == nil {
		return
	}
	b.cmd.Process.Kill()
	b.cmd.Wait()
	b.cmd = nil
}

// notification is one Notify call as the server received it.
type notification struct {
	ID         uint32
	AppName    string
	ReplacesID uint32
	Icon       string
	Summary    string
	Body       string
	Actions    []string
	Hints      map[string]dbus.Variant
	Timeout    int32
}

// notificationServer implements org.freedesktop.Notifications on the test
// bus, the way a desktop's notification daemon does.
type notificationServer struct {
	conn *dbus.Conn

	mu   sync.Mutex
	last uint32
	got  []notification
}

const (
	busName = "org.freedesktop.Notifications"
	objPath = dbus.ObjectPath("/org/freedesktop/Notifications")
	iface   = "org.freedesktop.Notifications"
)

func startServer(t testing.TB, addr string) *notificationServer {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("server: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &notificationServer{conn: conn}
	if err := conn.Export(s, objPath, iface); err != nil {
		t.Fatalf("server: export: %v", err)
	}
	reply, err := conn.RequestName(busName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("server: request name: reply %v, err %v", reply, err)
	}
	return s
}

func (s *notificationServer) Notify(appName string, replacesID uint32, icon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last++
	s.got = append(s.got, notification{s.last, appName, replacesID, icon, summary, body, actions, hints, timeout})
	return s.last, nil
}

func (s *notificationServer) GetServerInformation() (name, vendor, version, spec string, _ *dbus.Error) {
	return "agentd-test", "agentd", "1.0", "1.2", nil
}

func (s *notificationServer) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"actions", "body", "body-markup"}, nil
}

func (s *notificationServer) CloseNotification(id uint32) *dbus.Error {
	s.emitClosed(id, 3)
	return nil
}

func (s *notificationServer) received() []notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]notification(nil), s.got...)
}

func (s *notificationServer) summaries() []string {
	var out []string
	for _, n := range s.received() {
		out = append(out, n.Summary)
	}
	return out
}

// invoke is the user clicking button key on notification id.
func (s *notificationServer) invoke(id uint32, key string) error {
	return s.conn.Emit(objPath, iface+".ActionInvoked", id, key)
}

func (s *notificationServer) emitClosed(id, reason uint32) error {
	return s.conn.Emit(objPath, iface+".NotificationClosed", id, reason)
}
