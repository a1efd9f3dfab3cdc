# shellcheck shell=bash disable=SC2034
# Shared by up.sh, down.sh and ctl.sh: where the cluster lives, its ports, and how each of its
# processes is started and stopped. Sourced, never run.
#
# Everything binds 127.0.0.1 only. Ports:
#   garage node k (1..3): S3 API 3909+k, RPC 3919+k, admin API 3929+k  (3910-3912, 3920-3922, 3930-3932)
#   nginx: S3 front 3990 (over the three Garage S3 APIs), HTTP front 8090 (over the instances)
#   portrait instance i (1..N): 8090+i (8091, 8092, ...)
# State: /tmp/portrait-cluster (PORTRAIT_CLUSTER_DIR); database portrait_cluster on the local
# PostgreSQL at 127.0.0.1:5432 (PORTRAIT_CLUSTER_PG_ADMIN_URL is where it is created/dropped).

CLUSTER_DIR="${PORTRAIT_CLUSTER_DIR:-/tmp/portrait-cluster}"
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DB_NAME="portrait_cluster"
PG_ADMIN_URL="${PORTRAIT_CLUSTER_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
BUCKET="portrait-cluster"
S3_FRONT_PORT=3990
HTTP_FRONT_PORT=8090
S3_FRONT="http://127.0.0.1:$S3_FRONT_PORT"
BLOB_STORE="s3://$BUCKET?endpoint=$S3_FRONT&region=garage"
PUBLIC_URL="http://127.0.0.1:$HTTP_FRONT_PORT"
NGINX_BIN="${PORTRAIT_CLUSTER_NGINX:-/usr/sbin/nginx}"
NGINX_DIR="$CLUSTER_DIR/nginx"
SETTINGS="$CLUSTER_DIR/settings.env"

if [ -z "${GARAGE_BIN:-}" ]; then
  if command -v garage >/dev/null 2>&1; then GARAGE_BIN="$(command -v garage)"; else GARAGE_BIN="$HOME/.cargo/bin/garage"; fi
fi

log() { echo "cluster: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

s3_port() { echo $((3909 + $1)); }
rpc_port() { echo $((3919 + $1)); }
admin_port() { echo $((3929 + $1)); }
instance_port() { echo $((HTTP_FRONT_PORT + $1)); }
garage_dir() { echo "$CLUSTER_DIR/garage$1"; }
instance_dir() { echo "$CLUSTER_DIR/portrait$1"; }
g() { local k="$1"; shift; "$GARAGE_BIN" -c "$(garage_dir "$k")/garage.toml" "$@"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The settings chosen at the first bring-up (binary, S3 key, instance count), kept so that a
# restart of one process uses the same ones.
load_settings() {
  # shellcheck source=/dev/null
  [ -f "$SETTINGS" ] && . "$SETTINGS"
  return 0
}

# pid in FILE, if that process is alive and its command line contains MARKER.
live_pid() {
  local file="$1" marker="$2" pid
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qaF -- "$marker" "/proc/$pid/cmdline" 2>/dev/null \
    && echo "$pid"
}

# Sends SIG to the process in FILE (if it is ours), waits up to 10 s, then SIGKILL.
stop_pidfile() {
  local file="$1" marker="$2" sig="${3:-TERM}" pid
  if pid="$(live_pid "$file" "$marker")"; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop within 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$file"
}

# ---- garage -------------------------------------------------------------------------------

write_garage_config() {
  local k="$1" dir rpc_secret
  dir="$(garage_dir "$k")"
  rpc_secret="$2"
  mkdir -p "$dir/meta" "$dir/data"
  (
    umask 077
    cat >"$dir/garage.toml" <<EOF
# Written by scripts/cluster/up.sh: node $k of a three-node Garage on loopback.
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "lmdb"
metadata_fsync = false
data_fsync = false
replication_factor = 3
consistency_mode = "consistent"

rpc_bind_addr = "127.0.0.1:$(rpc_port "$k")"
rpc_public_addr = "127.0.0.1:$(rpc_port "$k")"
rpc_secret = "$rpc_secret"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$(s3_port "$k")"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$(admin_port "$k")"
EOF
  )
}

garage_running() { live_pid "$(garage_dir "$1")/garage.pid" "$(garage_dir "$1")/garage.toml" >/dev/null; }

start_garage() {
  local k="$1" dir
  dir="$(garage_dir "$k")"
  if garage_running "$k"; then return 0; fi
  for p in "$(s3_port "$k")" "$(rpc_port "$k")" "$(admin_port "$k")"; do
    port_open "$p" && die "port $p is taken by something else (not garage node $k of $CLUSTER_DIR)"
  done
  log "starting garage node $k (S3 $(s3_port "$k"), RPC $(rpc_port "$k"), log $dir/garage.log)"
  RUST_LOG="${RUST_LOG:-garage=warn}" setsid nohup "$GARAGE_BIN" -c "$dir/garage.toml" server \
    >>"$dir/garage.log" 2>&1 </dev/null &
  echo $! >"$dir/garage.pid"
  for _ in $(seq 1 150); do
    if g "$k" status >/dev/null 2>&1 && port_open "$(s3_port "$k")"; then return 0; fi
    garage_running "$k" || { tail -n 30 "$dir/garage.log" >&2; die "garage node $k exited"; }
    sleep 0.2
  done
  tail -n 30 "$dir/garage.log" >&2
  die "garage node $k did not answer within 30 s"
}

stop_garage() { stop_pidfile "$(garage_dir "$1")/garage.pid" "$(garage_dir "$1")/garage.toml" "${2:-TERM}"; }

garage_node_addr() { g "$1" node id -q 2>/dev/null | head -n1; }

# Node 1 connects to the others (they then learn of each other); harmless when connected.
connect_garage_nodes() {
  local k addr
  for k in 2 3; do
    garage_running "$k" || continue
    addr="$(garage_node_addr "$k")"
    [ -n "$addr" ] || die "no node id from garage node $k"
    for _ in $(seq 1 25); do
      if g 1 node connect "$addr" >/dev/null 2>&1; then break; fi
      sleep 0.2
    done
  done
}

# ---- portrait -----------------------------------------------------------------------------

portrait_env() {
  env AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY="$KEY_SECRET" AWS_DEFAULT_REGION=garage \
    RUST_LOG="${RUST_LOG:-info}" "$@"
}

# Runs a portrait subcommand against the cluster's database and bucket.
portrait_cli() {
  local cmd=("$@")
  portrait_env "$PORTRAIT_BIN" "${cmd[@]}" --database-url "$DATABASE_URL" --blob-store "$BLOB_STORE"
}

instance_running() { live_pid "$(instance_dir "$1")/portrait.pid" "$DB_NAME" >/dev/null; }

start_instance() {
  local i="$1" dir port
  dir="$(instance_dir "$i")"
  port="$(instance_port "$i")"
  if instance_running "$i"; then return 0; fi
  port_open "$port" && die "port $port is taken by something else (not instance $i)"
  mkdir -p "$dir"
  log "starting portrait instance $i on 127.0.0.1:$port (log $dir/portrait.log)"
  # A plain command (not a function) in the background: $! is then portrait's own pid.
  AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY="$KEY_SECRET" AWS_DEFAULT_REGION=garage \
    RUST_LOG="${RUST_LOG:-info}" setsid nohup "$PORTRAIT_BIN" --log-format json serve \
    --listen "127.0.0.1:$port" \
    --database-url "$DATABASE_URL" \
    --blob-store "$BLOB_STORE" \
    --public-url "$PUBLIC_URL" \
    --rate-limit-per-second 0 \
    >>"$dir/stdout.log" 2>>"$dir/portrait.log" </dev/null &
  echo $! >"$dir/portrait.pid"
}

stop_instance() { stop_pidfile "$(instance_dir "$1")/portrait.pid" "$DB_NAME" "${2:-TERM}"; }

# Waits until GET /readyz of instance i answers 200.
wait_ready() {
  local i="$1" port code
  port="$(instance_port "$i")"
  for _ in $(seq 1 300); do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/readyz" || true)"
    [ "$code" = "200" ] && return 0
    instance_running "$i" || { tail -n 20 "$(instance_dir "$i")/portrait.log" >&2; die "instance $i exited"; }
    sleep 0.5
  done
  tail -n 20 "$(instance_dir "$i")/portrait.log" >&2
  die "instance $i: /readyz not 200 within 150 s (last: $code)"
}

# ---- nginx --------------------------------------------------------------------------------

write_nginx_config() {
  local n="$1" k i user_line="" next_on_503=""
  [ "${PORTRAIT_CLUSTER_NGINX_NEXT_ON_503:-0}" = "1" ] && next_on_503="http_503"
  mkdir -p "$NGINX_DIR"
  # As root, the workers run as nobody; otherwise as the caller.
  [ "$(id -u)" = "0" ] && user_line="user nobody nogroup;"
  {
    cat <<EOF
# Written by scripts/cluster/up.sh. Not the system nginx: own prefix, pid and logs.
$user_line
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 1024; }
http {
    log_format cluster '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                       'upstream=\$upstream_addr upstream_status=\$upstream_status rt=\$request_time';
    access_log $NGINX_DIR/access.log cluster;
    client_body_temp_path $NGINX_DIR/client_body;
    proxy_temp_path $NGINX_DIR/proxy;
    fastcgi_temp_path $NGINX_DIR/fastcgi;
    uwsgi_temp_path $NGINX_DIR/uwsgi;
    scgi_temp_path $NGINX_DIR/scgi;
    # Bodies are read whole (in memory up to 16 MiB) before they go upstream, so that a request
    # can be sent again to the next server when the first one fails.
    client_max_body_size 0;
    client_body_buffer_size 16m;

    # The three Garage S3 APIs. A node that refuses or times out is skipped for 5 s.
    upstream garage_s3 {
EOF
    for k in 1 2 3; do
      echo "        server 127.0.0.1:$(s3_port "$k") max_fails=1 fail_timeout=5s;"
    done
    cat <<EOF
        keepalive 32;
    }
    upstream portrait {
EOF
    for i in $(seq 1 "$n"); do
      echo "        server 127.0.0.1:$(instance_port "$i") max_fails=1 fail_timeout=5s;"
    done
    cat <<EOF
        keepalive 32;
    }

    # S3 front: the request goes upstream unchanged (URI, Host), so its SigV4 signature holds.
    server {
        listen 127.0.0.1:$S3_FRONT_PORT;
        location / {
            proxy_pass http://garage_s3;
            proxy_set_header Host \$http_host;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 1s;
            proxy_send_timeout 30s;
            proxy_read_timeout 30s;
            proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;
            proxy_next_upstream_tries 3;
            proxy_buffering off;
        }
    }

    # HTTP front over the portrait instances. Not on 503: portrait answers 503 (with
    # Retry-After) when the database or blob store it shares with every other instance is
    # unavailable, so another instance would answer the same; worse, nginx counts each 503 as a
    # failure (max_fails), takes every instance out for fail_timeout and answers 502 without
    # Retry-After meanwhile. PORTRAIT_CLUSTER_NGINX_NEXT_ON_503=1 puts http_503 back to show it.
    server {
        listen 127.0.0.1:$HTTP_FRONT_PORT;
        location / {
            proxy_pass http://portrait;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 1s;
            proxy_send_timeout 60s;
            proxy_read_timeout 60s;
            proxy_next_upstream error timeout http_502 $next_on_503 http_504 non_idempotent;
            proxy_next_upstream_tries $n;
        }
    }
}
EOF
  } >"$NGINX_DIR/nginx.conf"
}

nginx_running() { live_pid "$NGINX_DIR/nginx.pid" "$NGINX_DIR" >/dev/null; }

start_nginx() {
  "$NGINX_BIN" -t -q -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" \
    || die "nginx config test failed ($NGINX_DIR/nginx.conf)"
  if nginx_running; then
    log "nginx running: reloading its config"
    "$NGINX_BIN" -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" -s reload
    return 0
  fi
  for p in "$S3_FRONT_PORT" "$HTTP_FRONT_PORT"; do
    port_open "$p" && die "port $p is taken by something else (not this cluster's nginx)"
  done
  log "starting nginx (S3 front $S3_FRONT_PORT, HTTP front $HTTP_FRONT_PORT, logs in $NGINX_DIR)"
  "$NGINX_BIN" -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf"
  for _ in $(seq 1 50); do
    if nginx_running && port_open "$S3_FRONT_PORT" && port_open "$HTTP_FRONT_PORT"; then return 0; fi
    sleep 0.2
  done
  die "nginx did not start; see $NGINX_DIR/error.log"
}

stop_nginx() { stop_pidfile "$NGINX_DIR/nginx.pid" "$NGINX_DIR" QUIT; }
