# shellcheck shell=bash
# Sourced by scripts/*/start.sh and stop.sh: what starting a test server on
# a loopback port and stopping it again have in common.

# free_port prints a loopback port free right now.
free_port() {
  local py=/usr/bin/python3
  [ -x "$py" ] || py=$(command -v python3 || true)
  if [ -n "$py" ]; then
    "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
  else
    # No python: a random high port; a taken one fails and is retried.
    echo $((20000 + RANDOM % 40000))
  fi
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_server NAME LOG PIDFILE WANT_PORT starts a server and exits: 0 once
# it listens, 1 if it did not. The calling script defines
#   launch PORT        starts the server in the background (`setsid ... &`),
#                      no terminal, no inherited stdout: the caller reading
#                      our output sees it end;
#   report PORT PID    prints the KEY=VALUE lines for the caller.
# WANT_PORT 0 picks a free port; one picked here can be taken before the
# server binds it, so that is tried three times.
start_server() {
  local name=$1 log=$2 pidfile=$3 want_port=$4 attempt port pid
  for attempt in 1 2 3; do
    port=$want_port
    if [ "$port" = 0 ]; then port=$(free_port); fi
    launch "$port"
    pid=$!
    echo "$pid" >"$pidfile"
    # Up to 15 s: the servers start in well under a second, but CI is slow.
    for _ in $(seq 1 150); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if port_open "$port"; then
        report "$port" "$pid"
        exit 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "start.sh: $name did not start on port $port (attempt $attempt):" >&2
    tail -n 20 "$log" >&2 || true
    if [ "$want_port" != 0 ]; then break; fi
  done
  exit 1
}

# stop_server PIDFILE [group] stops the server whose pid PIDFILE holds, if
# there is one: up to 5 s to exit, then it is forced; PIDFILE is removed.
# With group, the server (a process group leader, from setsid) is stopped
# with its whole group.
stop_server() {
  local pidfile=$1 group=${2:-} pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  local target=$pid
  if [ -n "$group" ]; then target=-$pid; fi
  if { [ -n "$group" ] && kill -- "$target" 2>/dev/null; } || kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 -- "$target" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
