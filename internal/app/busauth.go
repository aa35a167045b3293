package app

import (
	"errors"
	"fmt"
	"strings"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/redact"

	"github.com/agentd/agentd/internal/loopback"
)

// busTLS is the config's bus.tls for the bus package.
func busTLS(cfg *config.Config) bus.TLSConfig {
	t := cfg.Bus.TLS
	return bus.TLSConfig{CertFile: t.CertFile, KeyFile: t.KeyFile, CAFile: t.CAFile}
}

// busExposure says who can reach the bus and how they must log in, for
// `agentd check`: "bus listening on 127.0.0.1:4222, token auth".
func busExposure(cfg *config.Config) string {
	b := cfg.Bus
	if b.URL != "" {
		var auth []string
		if strings.Contains(strings.ToLower(b.URL), "tls://") || strings.Contains(strings.ToLower(b.URL), "wss://") || b.TLS.CAFile != "" {
			auth = append(auth, "TLS")
		}
		switch {
		case b.CredentialsFile != "":
			auth = append(auth, "credentials file "+b.CredentialsFile)
		case b.NKeySeedFile != "":
			auth = append(auth, "NKey seed "+b.NKeySeedFile)
		case b.TokenFile != "":
			auth = append(auth, "token file "+b.TokenFile)
		default:
			auth = append(auth, "no credentials")
		}
		if b.TLS.CertFile != "" {
			auth = append(auth, "client certificate "+b.TLS.CertFile)
		}
		return "external bus at " + redact.Link(b.URL) + ", " + strings.Join(auth, ", ")
	}
	if b.Listen == "" {
		return "bus listening on no port (in-process only)"
	}
	s := "bus listening on " + b.Listen + ", token auth"
	if b.TLS.CertFile != "" {
		s += ", TLS"
	}
	if !loopback.Host(listenHost(b.Listen)) {
		s += ", reachable from other machines"
	}
	return s
}

func listenHost(listen string) string {
	if i := strings.LastIndex(listen, ":"); i >= 0 {
		return listen[:i]
	}
	return listen
}

// BusCredentials is what another NATS client needs to use the embedded
// server that listens: its URL and token (made now if agentd has not yet
// run with bus.listen). An external bus's credentials are the user's own
// files, so it only names them.
func BusCredentials(cfg *config.Config) (url, token string, err error) {
	bc := busConfig(cfg)
	if bc.URL != "" {
		return "", "", fmt.Errorf("the bus is external (%s): connect with your own credentials (%s)", busExposure(cfg), "bus.credentials_file, bus.nkey_seed_file, bus.token_file or bus.tls")
	}
	if bc.Listen == "" {
		return "", "", errors.New("the bus listens on no port, so no other client can connect: set bus.listen (e.g. 127.0.0.1:4222)")
	}
	token, err = bus.LoadToken(bc.DataDir)
	if err != nil {
		return "", "", err
	}
	scheme := "nats://"
	if bc.TLS.CertFile != "" {
		scheme = "tls://"
	}
	return scheme + bc.Listen, token, nil
}

// BusDataDir is the embedded server's data directory.
func BusDataDir(cfg *config.Config) string { return busConfig(cfg).DataDir }
