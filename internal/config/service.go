package config

import (
	"fmt"
	"strings"
)

// ServiceUnit returns a systemd user unit that runs `binary run --config
// configPath`. Install it as ~/.config/systemd/user/agentd.service and
// enable it with `systemctl --user enable --now agentd`. Both arguments are
// quoted for systemd; systemd specifiers such as %h (home) are kept, so
// "%h/.config/agentd/config.yaml" works.
func ServiceUnit(binary, configPath string) []byte {
	var b strings.Builder
	b.WriteString(`[Unit]
Description=agentd: nudges from your mail, calendars and feeds
# Keep restarting however often it fails; each failure is logged.
StartLimitIntervalSec=0

[Service]
Type=exec
`)
	fmt.Fprintf(&b, "ExecStart=%s run --config %s\n", systemdQuote(binary), systemdQuote(configPath))
	b.WriteString(`# SIGTERM lets agentd finish the work in flight before it stops.
KillSignal=SIGTERM
TimeoutStopSec=30s
Restart=on-failure
RestartSec=10s
NoNewPrivileges=yes
UMask=0077

[Install]
WantedBy=default.target
`)
	return []byte(b.String())
}

// systemdQuote quotes one ExecStart argument: double quotes when it holds
// white space or quotes, with \ and " escaped, and $ doubled so systemd does
// not expand it as a variable.
func systemdQuote(s string) string {
	s = strings.ReplaceAll(s, "$", "$$")
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
