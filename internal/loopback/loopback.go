// Package loopback tells whether a host names this machine: where agentd
// allows what it refuses over a network (plain IMAP or SMTP, a model over
// http, a bus without TLS).
package loopback

import (
	"net"
	"strings"
)

// Host reports whether host (a name or an IP, with or without brackets and
// a trailing dot) is this machine: localhost, a *.localhost name (RFC 6761)
// or a loopback address.
func Host(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
