#!/usr/bin/env bash
# Stops the Radicale that scripts/radicale/start.sh DIR started.
#
#   scripts/radicale/stop.sh DIR
set -euo pipefail

dir=${1:?usage: stop.sh DIR}
pidfile="$dir/radicale.pid"
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
if kill "$pid" 2>/dev/null; then
  # Up to 5 s to exit cleanly, then force it.
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$pidfile"
