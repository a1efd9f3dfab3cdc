#!/usr/bin/env bash
# Stops everything scripts/cluster/up.sh started (the portrait instances, nginx, the three
# Garage nodes), drops the database portrait_cluster and removes /tmp/portrait-cluster.
#
#   scripts/cluster/down.sh
#
# Processes are found by the pid files in the state dir and signalled by pid only if their
# command line is still theirs; a process whose pid file was lost is found by the state dir or
# database name in its command line. Afterwards it lists any listener left on the cluster's ports.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_settings

for i in $(seq 1 9); do
  if instance_running "$i"; then log "stopping instance $i"; fi
  stop_instance "$i"
done
if nginx_running; then log "stopping nginx"; fi
stop_nginx
for k in 1 2 3; do
  if garage_running "$k"; then log "stopping garage node $k"; fi
  stop_garage "$k"
done

# Leftovers without a pid file: our own processes only, recognised by their command line.
for cmdline in /proc/[0-9]*/cmdline; do
  pid="${cmdline#/proc/}"; pid="${pid%/cmdline}"
  [ "$pid" = "$$" ] && continue
  args="$({ tr '\0' ' ' <"$cmdline"; } 2>/dev/null || true)"
  case "$args" in
    *"$GARAGE_BIN -c $CLUSTER_DIR/"*" server"* | "nginx: master process "*"$NGINX_DIR"* | *" serve "*"--database-url $DATABASE_URL"*)
      log "stopping leftover pid $pid: $args"
      kill -TERM "$pid" 2>/dev/null || true
      leftovers="${leftovers:-} $pid" ;;
  esac
done
for pid in ${leftovers:-}; do
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
done

if psql -q "$PG_ADMIN_URL" -c "SELECT 1" >/dev/null 2>&1; then
  log "dropping database $DB_NAME"
  psql -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >&2
else
  log "PostgreSQL does not answer: database $DB_NAME not dropped"
fi
log "removing $CLUSTER_DIR"
rm -rf "$CLUSTER_DIR"

ports="$(seq 3910 3912; seq 3920 3922; seq 3930 3932; echo "$S3_FRONT_PORT"; seq "$HTTP_FRONT_PORT" $((HTTP_FRONT_PORT + 9)))"
left=""
for p in $ports; do
  if port_open "$p"; then left="$left $p"; fi
done
if [ -n "$left" ]; then
  log "WARNING: still listening on:$left"
  ss -ltnp | grep -E ":($(echo "$left" | sed 's/^ //; s/ /|/g'))\b" >&2 || true
  exit 1
fi
log "down: no listener left on the cluster's ports"
