package app

import (
	"net/url"
	"strings"
)

// redactURL drops user info (passwords, tokens) from a URL, or from each of
// a comma-separated list of them (bus.url may name a cluster), for display.
func redactURL(raw string) string {
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "(unparsable URL)"
			continue
		}
		if u.User != nil {
			u.User = url.User("REDACTED")
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}
