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
# Debian's python3 (a pyenv python3 earlier in PATH lacks the radicale module).
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)

mkdir -p "$dir/collections"
dir=$(cd "$dir" && pwd)
printf '%s:%s\n' "$user" "$pass" >"$dir/users"

free_port() {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

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

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A port picked here can be taken before Radicale binds it: try again.
for attempt in 1 2 3; do
  port=$want_port
  if [ "$port" = 0 ]; then port=$(free_port); fi
  write_config "$port"
  # No terminal, no inherited stdout: the caller reading our output must
  # see it end when this script exits.
  setsid "$radicale_bin" -C "$dir/config" </dev/null >"$dir/radicale.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/radicale.pid"
  # Up to 15 s: Radicale starts in well under a second, but CI is slow.
  for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if port_open "$port"; then
      echo "RADICALE_URL=http://127.0.0.1:$port/"
      echo "RADICALE_PID=$pid"
      echo "RADICALE_USER=$user"
      echo "RADICALE_PASSWORD=$pass"
      exit 0
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "start.sh: radicale did not start on port $port (attempt $attempt):" >&2
  tail -n 20 "$dir/radicale.log" >&2 || true
  if [ "$want_port" != 0 ]; then break; fi
done
exit 1
