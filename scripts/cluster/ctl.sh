#!/usr/bin/env bash
# Stops or starts one process of a running cluster (check.py uses it for its fault checks).
#
#   scripts/cluster/ctl.sh stop-instance I [SIGNAL]   e.g. KILL for kill -9 (default TERM)
#   scripts/cluster/ctl.sh start-instance I           starts it again and waits for /readyz 200
#   scripts/cluster/ctl.sh stop-garage K [SIGNAL]     K = 1, 2 or 3
#   scripts/cluster/ctl.sh start-garage K             starts it again and reconnects it
#   scripts/cluster/ctl.sh pids                       "instance I PID" / "garage K PID" / "nginx PID"
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_settings
[ -f "$SETTINGS" ] || die "no cluster in $CLUSTER_DIR (run scripts/cluster/up.sh first)"

case "${1:-}" in
  stop-instance) stop_instance "$2" "${3:-TERM}" ;;
  start-instance) start_instance "$2"; wait_ready "$2" ;;
  stop-garage) stop_garage "$2" "${3:-TERM}" ;;
  start-garage) start_garage "$2"; connect_garage_nodes ;;
  pids)
    for i in $(seq 1 9); do
      if pid="$(live_pid "$(instance_dir "$i")/portrait.pid" "$DB_NAME")"; then echo "instance $i $pid"; fi
    done
    for k in 1 2 3; do
      if pid="$(live_pid "$(garage_dir "$k")/garage.pid" "$(garage_dir "$k")/garage.toml")"; then echo "garage $k $pid"; fi
    done
    if pid="$(live_pid "$NGINX_DIR/nginx.pid" "$NGINX_DIR")"; then echo "nginx $pid"; fi
    ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
