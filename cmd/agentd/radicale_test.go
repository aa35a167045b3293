package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// davServer is a real Radicale started by scripts/radicale/start.sh.
type davServer struct {
	url, user, password string
	client              *http.Client
}

// startDAVServer starts Radicale and stops it when the test ends.
func startDAVServer(t *testing.T) *davServer {
	t.Helper()
	scripts := filepath.Join("..", "..", "scripts", "radicale")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(scripts, "start.sh"), dir)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// Registered before starting, so a half-started server is stopped too
	// (and before t.TempDir removes its folder).
	t.Cleanup(func() {
		if out, err := exec.Command("bash", filepath.Join(scripts, "stop.sh"), dir).CombinedOutput(); err != nil {
			t.Errorf("stop radicale: %v: %s", err, out)
		}
	})
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("start radicale (Debian package radicale): %v\n%s", err, stderr.String())
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vars[k] = v
		}
	}
	s := &davServer{url: vars["RADICALE_URL"], user: vars["RADICALE_USER"], password: vars["RADICALE_PASSWORD"],
		client: &http.Client{Timeout: 10 * time.Second}}
	if s.url == "" || s.user == "" || s.password == "" {
		t.Fatalf("start.sh printed %q", out)
	}
	return s
}

func (s *davServer) do(t *testing.T, method, path, contentType, body string) {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(s.url, "/")+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(s.user, s.password)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
}

func (s *davServer) mkcalendar(t *testing.T, path, displayName string) {
	t.Helper()
	s.do(t, "MKCALENDAR", path, "application/xml", `<?xml version="1.0" encoding="utf-8"?>`+
		`<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>`+
		`<D:displayname>`+displayName+`</D:displayname>`+
		`<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>`+
		`</D:prop></D:set></C:mkcalendar>`)
}

// putEvent creates or replaces the event uid, an hour long from start.
func (s *davServer) putEvent(t *testing.T, calPath, uid, summary string, start time.Time) {
	t.Helper()
	const stamp = "20060102T150405Z"
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//agentd//integration test//EN\r\nBEGIN:VEVENT\r\n" +
		"UID:" + uid + "\r\nDTSTAMP:" + time.Now().UTC().Format(stamp) + "\r\n" +
		"DTSTART:" + start.UTC().Format(stamp) + "\r\nDTEND:" + start.Add(time.Hour).UTC().Format(stamp) + "\r\n" +
		"SUMMARY:" + summary + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	s.do(t, http.MethodPut, calPath+uid+".ics", "text/calendar; charset=utf-8", ics)
}

// startDebugDaemon is startDaemon with debug logs, whose planner lines tell
// when a reminder was (re-)scheduled or withdrawn.
func startDebugDaemon(t *testing.T, bin, cfg string) (*daemon, string) {
	t.Helper()
	logPath := filepath.Join(filepath.Dir(cfg), "agentd.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	cmd := exec.Command(bin, "run", "--config", cfg, "--log-format", "json", "--log-level", "debug")
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			d.mu.Lock()
			d.lines = append(d.lines, sc.Text())
			d.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return d, logPath
}

// logCount counts the daemon's JSON log records for which match holds.
func logCount(t *testing.T, path string, match func(map[string]any) bool) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		var rec map[string]any
		if json.Unmarshal(line, &rec) == nil && match(rec) {
			n++
		}
	}
	return n
}

// waitLog waits until at least n log records match, up to deadline.
func waitLog(t *testing.T, path, what string, n int, deadline time.Time, match func(map[string]any) bool) {
	t.Helper()
	for logCount(t, path, match) < n {
		if time.Now().After(deadline) {
			data, _ := os.ReadFile(path)
			t.Fatalf("the daemon did not log %s (%d times) by %s; log:\n%s", what, n, deadline.Format("15:04:05.000"), data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func msgIs(msg string) func(map[string]any) bool {
	return func(r map[string]any) bool { return r["msg"] == msg }
}

// scheduled matches the planner's record of a new or re-scheduled reminder
// about summary.
func scheduled(summary string) func(map[string]any) bool {
	return func(r map[string]any) bool {
		title, _ := r["title"].(string)
		return r["msg"] == "suggestion" && r["kind"] == "reminder" && strings.Contains(title, "In 1 min: "+summary)
	}
}

func withdrew(r map[string]any) bool {
	n, _ := r["withdrawn"].(float64)
	return r["msg"] == "event planned" && n > 0
}

// reminderLines counts the terminal's reminder lines about summary.
func reminderLines(d *daemon, summary string) int { return d.count("In 1 min: " + summary) }

func hup(t *testing.T, d *daemon) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
}

// TestRadicaleReminders runs the real binary against a real Radicale:
// `agentd check` reaches the CalDAV account (and fails cleanly with a wrong
// password), and while the daemon runs, an event created, moved or deleted
// on the server (picked up at a SIGHUP: a reload polls at once) gets its
// reminder once, at the new time, or never.
func TestRadicaleReminders(t *testing.T) {
	if os.Getenv("AGENTD_INTEGRATION") == "" {
		t.Skip("set AGENTD_INTEGRATION=1")
	}
	bin := buildAgentd(t)
	dav := startDAVServer(t)
	work := "/" + dav.user + "/work/"
	dav.mkcalendar(t, work, "Work")

	const passwordEnv = "AGENTD_TEST_DAV_PASSWORD"
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf(`user:
  name: Test
  email: test@example.com
  timezone: UTC
bus:
  data_dir: %s
sources:
  calendars:
    - {name: dav, caldav: {url: %q, username: %s, password_env: %s}, every: 1m, remind_before: 1m}
notify:
  terminal: {}
`, filepath.Join(dir, "data"), dav.url, dav.user, passwordEnv)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	// The daemon started below inherits the environment.
	t.Setenv(passwordEnv, dav.password)
	code, out, errOut := runCLI(t, "check", "--config", cfg)
	if code != 0 || !strings.Contains(out, "ok    calendar:dav") {
		t.Fatalf("check with the right password: exit %d\n%s%s", code, out, errOut)
	}
	const wrong = "not-the-Password-9"
	t.Setenv(passwordEnv, wrong)
	code, out, errOut = runCLI(t, "check", "--config", cfg)
	if code == 0 || !strings.Contains(out, "FAIL  calendar:dav") {
		t.Errorf("check with a wrong password: exit %d, want a FAIL for calendar:dav\n%s%s", code, out, errOut)
	}
	for _, secret := range []string{wrong, dav.password} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("check printed the password %q:\n%s%s", secret, out, errOut)
		}
	}
	t.Setenv(passwordEnv, dav.password)

	d, logPath := startDebugDaemon(t, bin, cfg)
	waitLog(t, logPath, `"agentd started"`, 1, time.Now().Add(30*time.Second), msgIs("agentd started"))

	// Three events whose reminders (a minute ahead of them) are due in ten
	// seconds, on whole seconds as in the .ics.
	due := time.Now().Add(10 * time.Second).Truncate(time.Second)
	dav.putEvent(t, work, "kept", "Standup", due.Add(time.Minute))
	dav.putEvent(t, work, "moved", "Review", due.Add(time.Minute))
	dav.putEvent(t, work, "deleted", "Lunch", due.Add(time.Minute))
	hup(t, d)
	for _, s := range []string{"Standup", "Review", "Lunch"} {
		waitLog(t, logPath, "the reminder for "+s, 1, due, scheduled(s))
	}

	// Move one six seconds later, delete another.
	movedDue := due.Add(6 * time.Second)
	dav.putEvent(t, work, "moved", "Review", movedDue.Add(time.Minute))
	dav.do(t, http.MethodDelete, work+"deleted.ics", "", "")
	hup(t, d)
	waitLog(t, logPath, "the moved reminder", 2, due, scheduled("Review"))
	waitLog(t, logPath, "a withdrawn reminder", 1, due, withdrew)
	if left := time.Until(due); left < 500*time.Millisecond {
		t.Fatalf("moving and deleting left only %v before the reminders are due: the machine is too slow for this test's timing", left)
	}

	sleepUntil := func(at time.Time) { time.Sleep(time.Until(at)) }
	sleepUntil(due.Add(-300 * time.Millisecond))
	if n := reminderLines(d, "Standup"); n != 0 {
		t.Fatalf("reminder shown before it was due:\n%s", strings.Join(d.snapshot(), "\n"))
	}
	d.waitFor(t, "In 1 min: Standup")
	sleepUntil(due.Add(1500 * time.Millisecond))
	if n := reminderLines(d, "Review"); n != 0 {
		t.Fatalf("the moved event's reminder fired at the old time:\n%s", strings.Join(d.snapshot(), "\n"))
	}
	sleepUntil(movedDue.Add(-300 * time.Millisecond))
	if n := reminderLines(d, "Review"); n != 0 {
		t.Fatalf("the moved event's reminder fired before its new time:\n%s", strings.Join(d.snapshot(), "\n"))
	}
	d.waitFor(t, "In 1 min: Review")
	time.Sleep(time.Second) // a repeat would come right behind
	d.stop(t)

	want := map[string]int{"Standup": 1, "Review": 1, "Lunch": 0}
	for s, n := range want {
		if got := reminderLines(d, s); got != n {
			t.Errorf("reminder for %s shown %d times, want %d", s, got, n)
		}
	}
	if t.Failed() {
		t.Logf("terminal:\n%s", strings.Join(d.snapshot(), "\n"))
	}
}
