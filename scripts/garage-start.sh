#!/usr/bin/env bash
# Starts a single-node Garage (S3-compatible object store) on 127.0.0.1 for the
# S3 tests of crates/blobs, and prints the environment they need:
#
#   eval "$(scripts/garage-start.sh)"
#   cargo test -p portrait-blobs
#
# Idempotent: re-running reuses the state dir, the running server, the layout,
# the bucket and the key. Only the `export` lines go to stdout; everything
# else goes to stderr.
#
# Environment (all optional):
#   PORTRAIT_GARAGE_DIR      state dir (config, metadata, data, log, pid)
#                            default /tmp/portrait-garage
#   PORTRAIT_GARAGE_VERSION  garage version to `cargo install` if `garage` is
#                            not on PATH (nor in ~/.cargo/bin); default 2.5.0
#   PORTRAIT_GARAGE_BUCKET   bucket to create; default portrait-test
#   PORTRAIT_GARAGE_KEY_ID / PORTRAIT_GARAGE_SECRET
#                            the S3 access key imported into Garage; default a
#                            fixed test-only pair (the server only listens on
#                            127.0.0.1)
# Ports: S3 API 3900, RPC 3901, admin API 3903, all on 127.0.0.1.
set -euo pipefail

log() { echo "garage-start: $*" >&2; }

STATE_DIR="${PORTRAIT_GARAGE_DIR:-/tmp/portrait-garage}"
GARAGE_VERSION="${PORTRAIT_GARAGE_VERSION:-2.5.0}"
BUCKET="${PORTRAIT_GARAGE_BUCKET:-portrait-test}"
# Test-only credentials: "GK" + 24 hex digits ("portraittest" in hex), and a
# 64-hex-digit secret, the shapes Garage itself generates.
KEY_ID="${PORTRAIT_GARAGE_KEY_ID:-GK706f72747261697474657374}"
SECRET="${PORTRAIT_GARAGE_SECRET:-5f0b7d3c9a1e4f2a8c6d0b3e7f9a2c4d6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b}"
KEY_NAME="portrait-test-key"
S3_ADDR="127.0.0.1:3900"
RPC_ADDR="127.0.0.1:3901"
ADMIN_ADDR="127.0.0.1:3903"
CONFIG="$STATE_DIR/garage.toml"
PIDFILE="$STATE_DIR/garage.pid"
LOGFILE="$STATE_DIR/garage.log"

# ---- the binary ------------------------------------------------------------
if ! command -v garage >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/garage" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    log "garage not found: cargo install garage $GARAGE_VERSION (takes 20-40 minutes on 2 cores)"
    cargo install garage --locked --version "$GARAGE_VERSION" \
      --no-default-features --features bundled-libs,lmdb >&2
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
log "using $(command -v garage) ($(garage --version 2>/dev/null | head -n1))"

g() { garage -c "$CONFIG" "$@"; }

# ---- config ----------------------------------------------------------------
mkdir -p "$STATE_DIR/meta" "$STATE_DIR/data"
if [ ! -f "$CONFIG" ]; then
  rpc_secret="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  umask 077
  cat >"$CONFIG" <<EOF
# Written by scripts/garage-start.sh: single-node Garage for tests.
metadata_dir = "$STATE_DIR/meta"
data_dir = "$STATE_DIR/data"
db_engine = "lmdb"
metadata_fsync = false
data_fsync = false
replication_factor = 1

rpc_bind_addr = "$RPC_ADDR"
rpc_public_addr = "$RPC_ADDR"
rpc_secret = "$rpc_secret"

[s3_api]
s3_region = "garage"
api_bind_addr = "$S3_ADDR"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "$ADMIN_ADDR"
EOF
  chmod 600 "$CONFIG"
  log "wrote $CONFIG"
fi

# ---- server ----------------------------------------------------------------
port_open() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

if g status >/dev/null 2>&1; then
  log "garage already running (state dir $STATE_DIR)"
else
  for addr in "$S3_ADDR" "$RPC_ADDR" "$ADMIN_ADDR"; do
    if port_open "$addr"; then
      log "ERROR: $addr is taken by something that does not answer with $CONFIG" \
        "(another garage? stop it, e.g. with PORTRAIT_GARAGE_DIR=<its dir> scripts/garage-stop.sh)"
      exit 1
    fi
  done
  log "starting garage server (log: $LOGFILE)"
  # setsid + nohup: the server outlives this script and its caller's shell.
  RUST_LOG="${RUST_LOG:-garage=warn}" setsid nohup garage -c "$CONFIG" server \
    >>"$LOGFILE" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 150); do
    if g status >/dev/null 2>&1; then break; fi
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      log "ERROR: garage exited; last log lines:"
      tail -n 30 "$LOGFILE" >&2
      exit 1
    fi
    sleep 0.2
  done
  g status >/dev/null 2>&1 || { log "ERROR: garage did not answer within 30 s"; tail -n 30 "$LOGFILE" >&2; exit 1; }
fi

# ---- layout ----------------------------------------------------------------
layout_version() { g layout show 2>/dev/null | sed -n 's/^Current cluster layout version: *\([0-9]*\).*/\1/p'; }
if [ "$(layout_version)" = "0" ]; then
  node_id="$(g node id -q 2>/dev/null | cut -d@ -f1)"
  log "assigning single-node layout to ${node_id:0:16}"
  g layout assign -z dc1 -c 1G "$node_id" >&2
  g layout apply --version 1 >&2
fi
for _ in $(seq 1 100); do
  if g status 2>/dev/null | grep -q "NO ROLE ASSIGNED"; then sleep 0.2; else break; fi
done

# ---- key and bucket --------------------------------------------------------
# Each step retries briefly: right after the layout is applied the tables may
# still be settling.
retry() {
  local i
  for i in $(seq 1 50); do
    if "$@" >&2 2>&1; then return 0; fi
    sleep 0.2
  done
  "$@" >&2
}
if ! g key info "$KEY_ID" >/dev/null 2>&1; then
  log "importing access key $KEY_ID"
  retry g key import -n "$KEY_NAME" --yes "$KEY_ID" "$SECRET"
fi
if ! g bucket info "$BUCKET" >/dev/null 2>&1; then
  log "creating bucket $BUCKET"
  retry g bucket create "$BUCKET"
fi
retry g bucket allow --read --write --owner "$BUCKET" --key "$KEY_ID"

# ---- ready? ----------------------------------------------------------------
for _ in $(seq 1 50); do
  if port_open "$S3_ADDR"; then break; fi
  sleep 0.2
done
port_open "$S3_ADDR" || { log "ERROR: S3 API not listening on $S3_ADDR"; exit 1; }
log "ready: bucket $BUCKET at http://$S3_ADDR (region garage)"

cat <<EOF
export PORTRAIT_TEST_S3_ENDPOINT=http://$S3_ADDR
export PORTRAIT_TEST_S3_BUCKET=$BUCKET
export AWS_ACCESS_KEY_ID=$KEY_ID
export AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_DEFAULT_REGION=garage
EOF
