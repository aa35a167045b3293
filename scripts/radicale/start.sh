#!/usr/bin/env bash
# Starts Debian's Radicale (package `radicale`) for tests: loopback only,
# storage, config and log under DIR, one user with a plain-text password.
#
#   scripts/radicale/start.sh DIR [PORT]     PORT 0 or absent: a free port
#
# On success it prints, one per line:
#   RADICALE_URL=http://127.0.0.1:PORT/
#   RADICALE_PID=PID
#   RADICALE_USER=alice
#   RADICALE_PASSWORD=...
# and leaves Radicale running in the background; stop it with
# scripts/radicale/stop.sh DIR. The user and password can be chosen with
# RADICALE_TEST_USER and RADICALE_TEST_PASSWORD.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

dir=${1:?usage: start.sh DIR [PORT]}
want_port=${2:-0}
user=${RADICALE_TEST_USER:-alice}
pass=${RADICALE_TEST_PASSWORD:-agentd-test-password}

radicale_bin=$(command -v radicale || true)
if [ -z "$radicale_bin" ] && [ -x /usr/bin/radicale ]; then radicale_bin=/usr/bin/radicale; fi
if [ -z "$radicale_bin" ]; then
  echo "start.sh: radicale is not installed (apt-get install -y radicale)" >&2
  exit 1
fi

mkdir -p "$dir/collections"
dir=$(cd "$dir" && pwd)
printf '%s:%s\n' "$user" "$pass" >"$dir/users"

write_config() {
  # Only this file is read (-C replaces /etc/radicale/config, whose
  # remote_user auth and TLS certificate would get in the way).
  cat >"$dir/config" <<EOF
[server]
hosts = 127.0.0.1:$1
ssl = False
timeout = 30

[auth]
type = htpasswd
htpasswd_filename = $dir/users
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = $dir/collections

[web]
type = none

[logging]
level = warning
mask_passwords = True
EOF
}

launch() {
  write_config "$1"
  setsid "$radicale_bin" -C "$dir/config" </dev/null >"$dir/radicale.log" 2>&1 &
}

report() {
  echo "RADICALE_URL=http://127.0.0.1:$1/"
  echo "RADICALE_PID=$2"
  echo "RADICALE_USER=$user"
  echo "RADICALE_PASSWORD=$pass"
}

start_server radicale "$dir/radicale.log" "$dir/radicale.pid" "$want_port"
