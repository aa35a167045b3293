#!/usr/bin/env bash
# Stops the Dovecot that scripts/dovecot/start.sh DIR started. The mail
# under DIR stays, so start.sh DIR PORT brings the same server back.
#
#   scripts/dovecot/stop.sh DIR
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

dir=${1:?usage: stop.sh DIR}
# setsid made the master a process group leader: stopping the whole group
# at once is much faster than letting the master wind its children down.
stop_server "$dir/dovecot.pid" group
