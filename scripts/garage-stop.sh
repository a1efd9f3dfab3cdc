#!/usr/bin/env bash
# Stops the Garage started by scripts/garage-start.sh (the process whose pid is
# in the state dir). Keeps the state dir unless --purge is given.
#
#   scripts/garage-stop.sh [--purge]
#
# Environment: PORTRAIT_GARAGE_DIR (default /tmp/portrait-garage).
set -euo pipefail

STATE_DIR="${PORTRAIT_GARAGE_DIR:-/tmp/portrait-garage}"
PIDFILE="$STATE_DIR/garage.pid"
log() { echo "garage-stop: $*" >&2; }

if [ -f "$PIDFILE" ]; then
  pid="$(cat "$PIDFILE")"
  # Only signal it if it still is a garage process (pids get reused).
  if kill -0 "$pid" 2>/dev/null && grep -qa garage "/proc/$pid/cmdline" 2>/dev/null; then
    log "stopping garage (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "garage did not stop within 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  else
    log "garage (pid $pid) is not running"
  fi
  rm -f "$PIDFILE"
else
  log "no pid file in $STATE_DIR: nothing to stop"
fi

if [ "${1:-}" = "--purge" ]; then
  log "removing $STATE_DIR"
  rm -rf "$STATE_DIR"
fi
