#!/usr/bin/env bash
# Starts a real SMTP server for tests: Debian's aiosmtpd (package
# `python3-aiosmtpd`) on a loopback port, no TLS, no AUTH, every message
# it accepts stored in a Maildir (its Mailbox handler, which adds
# X-MailFrom, X-RcptTo and X-Peer headers with the envelope).
#
#   scripts/smtp/start.sh DIR [PORT]     PORT 0 or absent: a free port
#
# On success it prints, one per line:
#   SMTP_HOST=127.0.0.1
#   SMTP_PORT=PORT
#   SMTP_PID=PID
#   SMTP_MAILDIR=DIR/mail          (messages land in DIR/mail/new)
# and leaves the server running in the background; stop it with
# scripts/smtp/stop.sh DIR.
set -euo pipefail

dir=${1:?usage: start.sh DIR [PORT]}
want_port=${2:-0}

py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 || true)
if [ -z "$py" ] || ! "$py" -c 'import aiosmtpd' 2>/dev/null; then
  echo "start.sh: aiosmtpd is not installed (apt-get install -y python3-aiosmtpd)" >&2
  exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir/mail/new" "$dir/mail/cur" "$dir/mail/tmp"

free_port() {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A port picked here can be taken before the server binds it: try again.
for attempt in 1 2 3; do
  port=$want_port
  if [ "$port" = 0 ]; then port=$(free_port); fi
  # -n: no setuid to nobody. No terminal, no inherited stdout: the caller
  # reading our output sees it end.
  setsid "$py" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$dir/mail" \
    </dev/null >>"$dir/smtpd.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/smtpd.pid"
  # Up to 15 s: it starts in well under a second, but CI is slow.
  for _ in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if port_open "$port"; then
      echo "SMTP_HOST=127.0.0.1"
      echo "SMTP_PORT=$port"
      echo "SMTP_PID=$pid"
      echo "SMTP_MAILDIR=$dir/mail"
      exit 0
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "start.sh: aiosmtpd did not start on port $port (attempt $attempt):" >&2
  tail -n 20 "$dir/smtpd.log" >&2 || true
  if [ "$want_port" != 0 ]; then break; fi
done
exit 1
