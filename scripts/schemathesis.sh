#!/usr/bin/env bash
# Runs schemathesis with Kantata's Swagger (contract/kantata-users-swagger.yml, plus the edits
# of contract/overlay.yml) against a real portrait server, over the six Users operations:
#
#   scripts/schemathesis.sh            (after `cargo build --bin portrait`, or it builds it)
#
# The server runs on 127.0.0.1:0 over a fresh SQLite database and file blob store holding
# contract/fixture.json, with per-token rate limiting off (a fuzzer's burst is not a client's
# traffic). Exits non-zero on any failure. Reports land in $SCHEMATHESIS_REPORT_DIR (default: a
# temp dir, printed).
#
# Environment (all optional):
#   PORTRAIT_CI_CACHE            cache root; the venv is $PORTRAIT_CI_CACHE/venv
#                                (default ~/.cache/portrait-ci)
#   CARGO_TARGET_DIR             where the portrait binary is (default $PORTRAIT_CI_CACHE/target)
#   SCHEMATHESIS_MAX_EXAMPLES    examples per operation and phase (default 500: about a minute)
#   SCHEMATHESIS_SEED            seed, for a reproducible run (default: a fresh one, printed)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "schemathesis.sh: $*" >&2; }

SCHEMATHESIS_VERSION=4.32.5
CACHE="${PORTRAIT_CI_CACHE:-$HOME/.cache/portrait-ci}"
TARGET="${CARGO_TARGET_DIR:-$CACHE/target}"
VENV="$CACHE/venv"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-500}"
SEED="${SCHEMATHESIS_SEED:-$RANDOM$RANDOM}"

# ---- the contract: verbatim copy, overlay --------------------------------------------------
SHARED=../shared/spec/kantata-users-swagger.yml
if [[ -f $SHARED ]] && ! cmp -s "$SHARED" contract/kantata-users-swagger.yml; then
  log "contract/kantata-users-swagger.yml differs from $SHARED: copy it again (it must be verbatim)"
  exit 1
fi

# ---- schemathesis in its own venv, exactly pinned ------------------------------------------
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# ---- the server --------------------------------------------------------------------------
WORK=$(mktemp -d)
# Built from this tree (a no-op after `cargo test`) and copied: a shared target dir may be
# rebuilt from another checkout while the run goes on.
CARGO_TARGET_DIR="$TARGET" cargo build --quiet --bin portrait
PORTRAIT="$WORK/portrait"
cp "$TARGET/debug/portrait" "$PORTRAIT"
REPORT_DIR="${SCHEMATHESIS_REPORT_DIR:-$WORK/report}"
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  # Keep the reports (and the server log) of a failed run for whoever reads it.
  [[ ${keep:-0} == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT

"$VENV/bin/python" contract/apply_overlay.py \
  contract/kantata-users-swagger.yml contract/overlay.yml "$WORK/effective.json"

DATA="$WORK/data"
"$PORTRAIT" import --data-dir "$DATA" contract/fixture.json >&2

# The real photos the upload is exercised with: every accepted photo of fixtures/images
# (derived from the corpus's photographs; see fixtures/images/make_fixtures.py).
PHOTOS="$WORK/photos"
mkdir -p "$PHOTOS"
for f in photo-320x180.jpg progressive-320x180.jpg orient6-160x90.jpg orient3-160x90.jpg \
         gps-exif-320x240.jpg cmyk-240x150.jpg gray-240x150.jpg tall-90x240.jpg tiny-32x32.jpg \
         rgb-160x120.png palette-160x100.png alpha-120x120.png rgb16-64x43.png \
         bmp24-96x72.bmp lossy-320x180.webp static-120x80.gif \
         heic-grid-irot1-p3-256x160.heic avif-320x180.avif; do
  cp "fixtures/images/$f" "$PHOTOS/"
done

PORTRAIT_HTTP__RATE_LIMIT__PER_SECOND=0 RUST_LOG="${RUST_LOG:-warn}" \
  "$PORTRAIT" serve --listen 127.0.0.1:0 --data-dir "$DATA" >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
BASE=
for _ in $(seq 1 100); do
  BASE=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$WORK/server.out")
  [[ -n $BASE ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; log "server did not start"; exit 1; }
  sleep 0.1
done
[[ -n $BASE ]] || { log "server did not print its address"; exit 1; }
log "server at $BASE (pid $SERVER_PID), seed $SEED, $MAX_EXAMPLES examples per operation"

# ---- which operations ------------------------------------------------------------------------
# The extract holds exactly the six Users operations; all of them are run.
# Until PUT /users/{id} is served (the server's own OpenAPI document lists it), Update User is
# taken out of the effective schema with a warning, rather than failing every run on its 405
# (and on the Allow header of the other methods of /users/{id}).
if ! curl -fsS "$BASE/api/v1/openapi.json" | "$VENV/bin/python" -c \
    'import json,sys; sys.exit(0 if "put" in json.load(sys.stdin)["paths"].get("/api/v1/users/{id}", {}) else 1)'; then
  log "WARNING: this portrait does not serve PUT /users/{id} yet; Update User is not fuzzed"
  "$VENV/bin/python" -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["paths"]["/users/{id}"]["put"]; json.dump(d, open(sys.argv[1], "w"))' \
    "$WORK/effective.json"
fi

# ---- the run -----------------------------------------------------------------------------
# One worker: with two, hypothesis describes strategies' lambdas with `ast` from two threads at
# once, which CPython 3.11 (before 3.12's fix of gh-106905) can fail with "AST constructor
# recursion depth mismatch", a crash of the tool, not of the server.
# negative_data_rejection is left out: Kantata (brainstem) never refuses a malformed query
# parameter (see contract/AUDIT.md, "Checks"). Every other check runs on every response,
# negative cases included.
status=0
PORTRAIT_ADMIN_TOKEN=contract-admin-token PORTRAIT_PLAIN_TOKEN=contract-plain-token \
PORTRAIT_PHOTOS="$PHOTOS" PORTRAIT_STATUS_LOG="$WORK/statuses" SCHEMATHESIS_HOOKS=contract.hooks PYTHONPATH=. \
  "$VENV/bin/schemathesis" run "$WORK/effective.json" \
    --url "$BASE/api/v1" \
    --checks all --exclude-checks negative_data_rejection \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$MAX_EXAMPLES" --seed "$SEED" \
    --workers 1 --request-timeout 30 \
    --generation-database none --no-color \
    --report junit,ndjson --report-dir "$REPORT_DIR" \
  || status=$?

# What the server answered, per operation and status: a run that never saw a 200 upload has
# not exercised the photo pipeline, however green.
log "responses (count, method, path, status):"
sort "$WORK/statuses" | uniq -c >&2
if ! grep -q "^POST /users/{id}/profile_photo 200$" "$WORK/statuses"; then
  log "no upload succeeded: the real photos never reached the pipeline"; status=1
fi
if grep -q "panicked" "$WORK/server.log"; then
  log "the server log has a panic:"; grep -n -A5 "panicked" "$WORK/server.log" >&2; status=1
fi
if [[ $status -ne 0 ]]; then
  keep=1
  log "FAILED (exit $status); reports in $REPORT_DIR, server log $WORK/server.log; rerun with SCHEMATHESIS_SEED=$SEED"
  exit "$status"
fi
log "passed"
