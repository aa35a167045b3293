package main

import (
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestListeningBusNeedsToken: with bus.listen the bus was open to every
// local user (and, on 0.0.0.0, to the network): one could read mail events
// and publish suggestions. A raw NATS client over TCP is now refused
// without the token that check --show-bus-credentials prints, and let in
// with it; check says what is exposed.
func TestListeningBusNeedsToken(t *testing.T) {
	bin := buildAgentd(t)
	fs := &feedServer{}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	fs.add("Go 1.99 released with generics everywhere")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf("user: {name: Test, email: test@example.com, timezone: UTC, interests: [golang, go]}\n"+
		"bus: {data_dir: %s, listen: %q}\nsources:\n  feeds:\n    - {name: test, url: %q, every: 1h}\nnotify: {terminal: {}}\n", data, addr, srv.URL+"/feed.xml")
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	d := startDaemon(t, bin, cfg)
	d.waitFor(t, "Go 1.99 released")
	defer d.stop(t)

	url := "nats://" + addr
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second), nats.NoReconnect())
	if !errors.Is(err, nats.ErrAuthorization) {
		if nc != nil {
			nc.Close()
		}
		t.Fatalf("raw client without a token: err = %v, want an authorization error", err)
	}

	code, out, errOut := runCLI(t, "check", "--config", cfg, "--show-bus-credentials")
	if code != 0 {
		t.Fatalf("check --show-bus-credentials: exit %d\n%s%s", code, out, errOut)
	}
	var gotURL, token string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "url" {
			gotURL = f[1]
		} else if len(f) == 2 && f[0] == "token" {
			token = f[1]
		}
	}
	if gotURL != url || token == "" {
		t.Fatalf("check --show-bus-credentials printed url %q token %q, want url %q and a token:\n%s", gotURL, token, url, out)
	}
	fi, err := os.Stat(filepath.Join(data, "bus.token"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v, mode %v, want 0600", err, fi.Mode().Perm())
	}
	nc, err = nats.Connect(url, nats.Timeout(5*time.Second), nats.NoReconnect(), nats.Token(token))
	if err != nil {
		t.Fatalf("raw client with the token: %v", err)
	}
	defer nc.Close()
	if _, err := nc.Request("$JS.API.STREAM.NAMES", nil, 5*time.Second); err != nil {
		t.Errorf("list streams with the token: %v", err)
	}

	code, out, errOut = runCLI(t, "check", "--config", cfg)
	if want := "bus listening on " + addr + ", token auth"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("check: exit %d, want a line with %q:\n%s%s", code, want, out, errOut)
	}
}
