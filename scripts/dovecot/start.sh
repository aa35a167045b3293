#!/usr/bin/env bash
# Starts Debian's Dovecot (package `dovecot-imapd`) for tests: IMAP on a
# loopback port, no TLS, its own config file (the system's /etc/dovecot and
# service are not used), passwd-file auth for one user, Maildir storage, a
# SPECIAL-USE \Sent mailbox; config, mail, state and log under DIR.
#
#   scripts/dovecot/start.sh DIR [PORT]     PORT 0 or absent: a free port
#
# On success it prints, one per line:
#   DOVECOT_HOST=127.0.0.1
#   DOVECOT_PORT=PORT
#   DOVECOT_PID=PID
#   DOVECOT_USER=alice
#   DOVECOT_PASSWORD=...
#   DOVECOT_CONFIG=DIR/dovecot.conf
# and leaves Dovecot running in the background; stop it with
# scripts/dovecot/stop.sh DIR. Deliver mail with
#   doveadm -c DIR/dovecot.conf save -u alice -m INBOX < message.eml
# The user and password can be chosen with DOVECOT_TEST_USER and
# DOVECOT_TEST_PASSWORD, the name of the SPECIAL-USE \Drafts mailbox with
# DOVECOT_DRAFTS_MAILBOX (default Drafts).
#
# Dovecot refuses to handle mail as root: run as root, mail belongs to
# `nobody` (override with DOVECOT_MAIL_USER), and DIR and its parents get
# o+x so that user can reach it; run as anyone else, everything runs as
# that user.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

dir=${1:?usage: start.sh DIR [PORT]}
want_port=${2:-0}
user=${DOVECOT_TEST_USER:-alice}
pass=${DOVECOT_TEST_PASSWORD:-agentd-test-password}
drafts=${DOVECOT_DRAFTS_MAILBOX:-Drafts}

dovecot_bin=$(command -v dovecot || true)
if [ -z "$dovecot_bin" ] && [ -x /usr/sbin/dovecot ]; then dovecot_bin=/usr/sbin/dovecot; fi
if [ -z "$dovecot_bin" ] || [ ! -x /usr/lib/dovecot/imap ]; then
  echo "start.sh: dovecot-imapd is not installed (apt-get install -y dovecot-imapd)" >&2
  exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir/run" "$dir/state" "$dir/mail" "$dir/home"

if [ "$(id -u)" = 0 ]; then
  mail_user=${DOVECOT_MAIL_USER:-nobody}
  internal_user=dovecot
  internal_group=dovecot
  login_user=dovenull
  login_chroot=login
  # The mail user must be able to walk down to DIR (t.TempDir() is 0700).
  p=$dir
  while [ "$p" != / ]; do
    chmod o+x "$p"
    p=$(dirname "$p")
  done
else
  mail_user=$(id -un)
  internal_user=$mail_user
  internal_group=$(id -gn)
  login_user=$mail_user
  login_chroot=
fi
mail_uid=$(id -u "$mail_user")
mail_gid=$(id -g "$mail_user")
chown -R "$mail_uid:$mail_gid" "$dir/mail" "$dir/home"

# passwd-file: user:{scheme}password. Read by the auth process, which runs
# as the internal user (group dovecot when root).
printf '%s:{PLAIN}%s\n' "$user" "$pass" >"$dir/users"
chmod 0640 "$dir/users"
if [ "$(id -u)" = 0 ]; then chgrp "$internal_group" "$dir/users"; fi

write_config() {
  cat >"$dir/dovecot.conf" <<EOF
# Written by scripts/dovecot/start.sh; only this file is read.
base_dir = $dir/run
state_dir = $dir/state
instance_name = agentd-test-$1
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
# Plain LOGIN without TLS: loopback only.
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = $internal_user
default_internal_group = $internal_group
default_login_user = $login_user
first_valid_uid = 1
first_valid_gid = 1
mail_uid = $mail_uid
mail_gid = $mail_gid
mail_location = maildir:$dir/mail/%u
mail_fsync = never

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$dir/home/%u
}

service imap-login {
  chroot = $login_chroot
  inet_listener imap {
    address = 127.0.0.1
    port = $1
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}

namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox "$drafts" {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
EOF
}

launch() {
  write_config "$1"
  # -F: stay in the foreground, so the pid is the master's.
  setsid "$dovecot_bin" -F -c "$dir/dovecot.conf" </dev/null >>"$dir/dovecot.log" 2>&1 &
}

report() {
  echo "DOVECOT_HOST=127.0.0.1"
  echo "DOVECOT_PORT=$1"
  echo "DOVECOT_PID=$2"
  echo "DOVECOT_USER=$user"
  echo "DOVECOT_PASSWORD=$pass"
  echo "DOVECOT_CONFIG=$dir/dovecot.conf"
}

start_server dovecot "$dir/dovecot.log" "$dir/dovecot.pid" "$want_port"
