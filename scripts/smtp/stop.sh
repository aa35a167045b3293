#!/usr/bin/env bash
# Stops the SMTP server that scripts/smtp/start.sh DIR started. The mail
# under DIR stays.
#
#   scripts/smtp/stop.sh DIR
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

dir=${1:?usage: stop.sh DIR}
stop_server "$dir/smtpd.pid" group
