#!/usr/bin/env bash
# Stops the SMTP server that scripts/smtp/start.sh DIR started. The mail
# under DIR stays.
#
#   scripts/smtp/stop.sh DIR
set -euo pipefail

dir=${1:?usage: stop.sh DIR}
pidfile="$dir/smtpd.pid"
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
if kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null; then
  # Up to 5 s to exit, then force it.
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 -- "-$pid" 2>/dev/null || true
fi
rm -f "$pidfile"
