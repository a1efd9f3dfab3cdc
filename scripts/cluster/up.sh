#!/usr/bin/env bash
# Brings up a real portrait cluster on loopback: a three-node Garage (replication factor 3),
# the database portrait_cluster on the local PostgreSQL, nginx with an S3 front over the Garage
# nodes and an HTTP front over the instances, and N portrait instances (default 3).
#
#   eval "$(scripts/cluster/up.sh 3)"      # only the export lines go to stdout
#   python3 scripts/cluster/check.py
#   scripts/cluster/down.sh
#
# Idempotent-ish: the first run starts from nothing (the database is dropped and created
# again); a later run, while /tmp/portrait-cluster exists, keeps the state and (re)starts
# whatever is not running, so it also restarts a killed instance or Garage node. A different N
# rewrites the nginx upstream, starts the missing instances and stops the extra ones.
#
# Environment (all optional):
#   PORTRAIT_BIN          the portrait binary; default $CARGO_TARGET_DIR/release/portrait, or
#                         target/release/portrait of this repository
#   GARAGE_BIN            default: garage on PATH, else ~/.cargo/bin/garage
#   PORTRAIT_CLUSTER_DIR  state dir, default /tmp/portrait-cluster
# Ports: see lib.sh (Garage 3910-3912/3920-3922/3930-3932, nginx 3990 and 8090, instances 8091..).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N="${1:-${PORTRAIT_CLUSTER_N:-3}}"
[[ "$N" =~ ^[1-9]$ ]] || die "N must be 1..9 (got $N)"

# PORTRAIT_BIN from the environment wins over the one a previous run saved.
BIN_FROM_ENV="${PORTRAIT_BIN:-}"
load_settings
PORTRAIT_BIN="${BIN_FROM_ENV:-${PORTRAIT_BIN:-${CARGO_TARGET_DIR:-$REPO_DIR/target}/release/portrait}}"
[ -x "$PORTRAIT_BIN" ] || die "no portrait binary at $PORTRAIT_BIN (build it: cargo build --release --bin portrait, or set PORTRAIT_BIN)"
PORTRAIT_BIN="$(cd "$(dirname "$PORTRAIT_BIN")" && pwd)/$(basename "$PORTRAIT_BIN")"
[ -x "$GARAGE_BIN" ] || die "no garage binary at $GARAGE_BIN (cargo install garage --version 2.5.0, or set GARAGE_BIN)"
[ -x "$NGINX_BIN" ] || die "no nginx at $NGINX_BIN (apt-get install -y nginx)"
command -v psql >/dev/null || die "psql not found"
command -v curl >/dev/null || die "curl not found"

hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# ---- settings (first run only) -------------------------------------------------------------
FRESH=0
if [ ! -f "$SETTINGS" ]; then
  FRESH=1
  mkdir -p "$CLUSTER_DIR"
  KEY_ID="GK$(hex 12)"
  KEY_SECRET="$(hex 32)"
  RPC_SECRET="$(hex 32)"
  (
    umask 077
    cat >"$SETTINGS" <<EOF
PORTRAIT_BIN='$PORTRAIT_BIN'
KEY_ID='$KEY_ID'
KEY_SECRET='$KEY_SECRET'
RPC_SECRET='$RPC_SECRET'
EOF
  )
  log "fresh cluster in $CLUSTER_DIR (binary $PORTRAIT_BIN, $("$PORTRAIT_BIN" --version))"
else
  log "reusing the cluster state in $CLUSTER_DIR"
fi
# The binary is kept in the settings so that restarts use the same one.
if ! grep -q "^PORTRAIT_BIN='$PORTRAIT_BIN'$" "$SETTINGS"; then
  sed -i "s|^PORTRAIT_BIN=.*|PORTRAIT_BIN='$PORTRAIT_BIN'|" "$SETTINGS"
fi

# ---- garage --------------------------------------------------------------------------------
for k in 1 2 3; do
  [ -f "$(garage_dir "$k")/garage.toml" ] || write_garage_config "$k" "$RPC_SECRET"
  start_garage "$k"
done
connect_garage_nodes

layout_version() { g 1 layout show 2>/dev/null | sed -n 's/^Current cluster layout version: *\([0-9]*\).*/\1/p'; }
healthy_nodes() { g 1 status 2>/dev/null | awk '/HEALTHY NODES/{h=1;next} /====/{h=0} h && $1 ~ /^[0-9a-f]+$/ {n++} END{print n+0}'; }
for _ in $(seq 1 100); do
  [ "$(healthy_nodes)" -ge 3 ] && break
  sleep 0.3
done
[ "$(healthy_nodes)" -ge 3 ] || { g 1 status >&2; die "the three garage nodes do not see each other"; }

if [ "$(layout_version)" = "0" ]; then
  for k in 1 2 3; do
    id="$(garage_node_addr "$k" | cut -d@ -f1)"
    log "layout: node $k (${id:0:16}) in zone dc1, 1G"
    g 1 layout assign -z dc1 -c 1G "$id" >/dev/null
  done
  g 1 layout apply --version 1 >&2
fi
for _ in $(seq 1 150); do
  if g 1 status 2>/dev/null | grep -q "NO ROLE ASSIGNED"; then sleep 0.2; else break; fi
done

retry() {
  local i
  for i in $(seq 1 50); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.3
  done
  "$@" >&2
}
if ! g 1 key info "$KEY_ID" >/dev/null 2>&1; then
  log "importing S3 key $KEY_ID"
  retry g 1 key import -n portrait-cluster-key --yes "$KEY_ID" "$KEY_SECRET"
fi
if ! g 1 bucket info "$BUCKET" >/dev/null 2>&1; then
  log "creating bucket $BUCKET"
  retry g 1 bucket create "$BUCKET"
fi
retry g 1 bucket allow --read --write --owner "$BUCKET" --key "$KEY_ID"

# ---- nginx (the S3 front is needed before portrait touches the bucket) ---------------------
write_nginx_config "$N"
start_nginx

# ---- database, schema, fixture, token -----------------------------------------------------
if [ "$FRESH" = 1 ]; then
  log "creating database $DB_NAME (dropped first if present)"
  psql -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >&2
  psql -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" -c "CREATE DATABASE $DB_NAME" >&2
fi
portrait_cli migrate >&2
if [ ! -f "$CLUSTER_DIR/token" ]; then
  # One account: Ada (10) is its administrator and may change every photo in it; users
  # 100..499 are there for load runs that spread uploads over many users.
  fixture="$CLUSTER_DIR/fixture.json"
  {
    echo '{"accounts": [{"id": 1, "name": "Cluster Co"}],'
    echo ' "users": [{"id": 10, "account_id": 1, "full_name": "Ada Lovelace", "email_address": "ada@cluster.test"}'
    for u in $(seq 100 499); do
      printf ',\n   {"id": %d, "account_id": 1, "full_name": "Load User %d", "email_address": "user%d@cluster.test"}' "$u" "$u" "$u"
    done
    echo '],'
    echo ' "account_memberships": [{"id": 1000, "account_id": 1, "user_id": 10, "permission": "administrator"}'
    for u in $(seq 100 499); do
      printf ',\n   {"id": %d, "account_id": 1, "user_id": %d, "permission": "collaborator"}' "$((1000 + u))" "$u"
    done
    echo ']}'
  } >"$fixture"
  portrait_cli import "$fixture" >&2
  token="$(portrait_cli token create --user 10)"
  (umask 077; echo "$token" >"$CLUSTER_DIR/token")
fi
TOKEN="$(cat "$CLUSTER_DIR/token")"

# ---- instances -----------------------------------------------------------------------------
for i in $(seq 1 "$N"); do start_instance "$i"; done
for i in $(seq $((N + 1)) 9); do
  if instance_running "$i"; then log "stopping extra instance $i"; stop_instance "$i"; fi
done
for i in $(seq 1 "$N"); do wait_ready "$i"; done
echo "$N" >"$CLUSTER_DIR/instances"
log "ready: $N instances behind $PUBLIC_URL, blobs in $BUCKET over three Garage nodes"

urls=""
for i in $(seq 1 "$N"); do urls="$urls http://127.0.0.1:$(instance_port "$i")"; done
cat >"$CLUSTER_DIR/env" <<EOF
export PORTRAIT_CLUSTER_URL=$PUBLIC_URL
export PORTRAIT_CLUSTER_INSTANCES='${urls# }'
export PORTRAIT_CLUSTER_TOKEN=$TOKEN
export PORTRAIT_CLUSTER_DATABASE_URL=$DATABASE_URL
export PORTRAIT_CLUSTER_BLOB_STORE='$BLOB_STORE'
export PORTRAIT_CLUSTER_S3_ENDPOINT=$S3_FRONT
export PORTRAIT_CLUSTER_BUCKET=$BUCKET
export PORTRAIT_BIN=$PORTRAIT_BIN
export AWS_ACCESS_KEY_ID=$KEY_ID
export AWS_SECRET_ACCESS_KEY=$KEY_SECRET
export AWS_DEFAULT_REGION=garage
EOF
cat "$CLUSTER_DIR/env"
