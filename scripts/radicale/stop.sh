#!/usr/bin/env bash
# Stops the Radicale that scripts/radicale/start.sh DIR started.
#
#   scripts/radicale/stop.sh DIR
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

dir=${1:?usage: stop.sh DIR}
stop_server "$dir/radicale.pid"
