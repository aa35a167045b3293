package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/agentd/agentd/internal/app"
	"github.com/agentd/agentd/internal/config"
)

// showBusCredentials prints what a NATS client needs to connect to the
// listening embedded bus: its URL and the token in the data dir.
func showBusCredentials(configPath string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(configPath)
	if err != nil {
		fmt.Fprintf(stderr, "agentd check: %v\n", err)
		return 1
	}
	url, token, err := app.BusCredentials(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "agentd check: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "url    %s\ntoken  %s\n", url, token)
	if cfg.Bus.TLS.CertFile != "" {
		fmt.Fprintf(stdout, "tls    the server presents %s: trust the authority that signed it\n", cfg.Bus.TLS.CertFile)
	}
	fmt.Fprintf(stdout, "connect, e.g.: nats --server %s --token %s stream ls\n", url, token)
	fmt.Fprintf(stdout, "another agentd joins with: bus: {url: %q, token_file: %q}\n", url, filepath.Join(app.BusDataDir(cfg), "bus.token"))
	return 0
}
