package app

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentd/agentd/internal/config"
)

func TestBusExposure(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"in-process": {"bus: {}", "bus listening on no port (in-process only)"},
		"loopback":   {"bus: {listen: 4222}", "bus listening on 127.0.0.1:4222, token auth"},
		"network tls": {"bus: {listen: '0.0.0.0:4222', tls: {cert_file: /c.pem, key_file: /k.pem}}",
			"bus listening on 0.0.0.0:4222, token auth, TLS, reachable from other machines"},
		"external nkey": {"bus: {url: 'tls://n.example:4222', nkey_seed_file: /u.nk, tls: {ca_file: /ca.pem}}",
			"external bus at tls://n.example:4222, TLS, NKey seed /u.nk"},
		"external bare": {"bus: {url: 'nats://n.example:4222'}", "external bus at nats://n.example:4222, no credentials"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg, err := config.Parse(filepath.Join(t.TempDir(), "config.yaml"), []byte(tc.yaml+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := busExposure(cfg); got != tc.want {
				t.Errorf("busExposure = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBusCredentials(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte("bus: {listen: 4333, data_dir: "+filepath.Join(dir, "data")+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	url, token, err := BusCredentials(cfg)
	if err != nil || url != "nats://127.0.0.1:4333" || len(token) != 64 {
		t.Fatalf("BusCredentials = %q, %q, %v", url, token, err)
	}
	cfg, _ = config.Parse(filepath.Join(dir, "config.yaml"), []byte("bus: {data_dir: "+filepath.Join(dir, "data")+"}\n"))
	if _, _, err := BusCredentials(cfg); err == nil || !strings.Contains(err.Error(), "set bus.listen") {
		t.Errorf("no listen: err = %v", err)
	}
}
