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
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

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

launch() {
  # -n: no setuid to nobody.
  setsid "$py" -m aiosmtpd -n -l "127.0.0.1:$1" -c aiosmtpd.handlers.Mailbox "$dir/mail" \
    </dev/null >>"$dir/smtpd.log" 2>&1 &
}

report() {
  echo "SMTP_HOST=127.0.0.1"
  echo "SMTP_PORT=$1"
  echo "SMTP_PID=$2"
  echo "SMTP_MAILDIR=$dir/mail"
}

start_server aiosmtpd "$dir/smtpd.log" "$dir/smtpd.pid" "$want_port"
