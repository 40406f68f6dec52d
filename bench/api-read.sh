#!/usr/bin/env bash
# Benchmark: the read path. `wrk -t2 -c32 -d10s` against ClipGen (release build) for /healthz,
# /v1/me, GET /v1/clips/{id}, GET /v1/jobs/{id} (a finished job with three clips) and GET /v1/jobs,
# then the same job read against the FastAPI twin (bench/peers/fastapi_twin.py: FastAPI, uvicorn,
# PyJWT, SQLite) with 1 and 2 uvicorn workers, in the same run. Prints requests/s and the ratio
# of ClipGen's job read to the twin's better configuration. Goal: ≥ 5×.
#
# Both sides run as a user gets them: ClipGen at its default log level (info: an access line per
# request on stderr), the twin under `uvicorn[standard]` (uvloop and httptools, what FastAPI's
# documentation installs) with its default access log. Rate limits are off on ClipGen, or wrk
# would measure 429s. An earlier version ran the twin on plain `uvicorn` (asyncio and h11, about
# a third as fast) and both sides at warning, which made the ratio look 3× better than a user's.
#
# Usage: bench/api-read.sh     (CONFIG=release by default; DURATION=10s; PORT, TWIN_PORT)
#        LOG_FILE=1 bench/api-read.sh   ClipGen's access lines into a size-rotated CLIPGEN_LOG_FILE
#        instead of stderr; LOG_LEVEL=warning bench/api-read.sh   both sides without access logs
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
DURATION=${DURATION:-10s}
LOG_LEVEL=${LOG_LEVEL:-info}
PORT=${PORT:-18941}
TWIN_PORT=${TWIN_PORT:-18942}
VENV=${VENV:-bench/.venv-twin}
work=$(mktemp -d /tmp/clipgen-bench.XXXXXX)
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

scripts/setup.sh
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
"$VENV/bin/python" -c 'import fastapi, jwt, uvloop, httptools' 2>/dev/null \
  || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q fastapi 'uvicorn[standard]' pyjwt; }
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
scripts/make-test-media.sh "$media" gop2s.mp4
load() { wrk -t2 -c32 -d"$DURATION" -H "$2" "$1" | awk '/Requests\/sec/ {print $2}'; }

log_file=""
[ -n "${LOG_FILE:-}" ] && log_file="$work/clipgen.log"
CLIPGEN_ADMIN_PASSWORD=bench-password CLIPGEN_BCRYPT_COST=4 CLIPGEN_RATE_LIMIT_PER_MINUTE=0 CLIPGEN_RATE_LIMIT_IP_PER_MINUTE=0 CLIPGEN_LOG_LEVEL=$LOG_LEVEL \
  CLIPGEN_LOG_FILE=$log_file "$bin" serve --port "$PORT" --data-dir "$work/data" >"$work/server.log" 2>&1 &
pids+=($!)
base=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST "$base/v1/auth/token" -d '{"email":"admin@localhost","password":"bench-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["accessToken"])')
auth="Authorization: Bearer $token"
upload=$(curl -sf -X POST "$base/v1/uploads" -H "$auth" --data-binary "@$media/gop2s.mp4" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
job=$(curl -sf -X POST "$base/v1/jobs" -H "$auth" \
  -d "{\"source\":{\"uploadId\":\"$upload\"},\"output\":{\"mode\":\"keyframe\"},\"thumbnails\":false,\"clips\":[{\"start\":1,\"end\":4},{\"start\":6,\"end\":9},{\"start\":11,\"end\":14}]}" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
for _ in $(seq 1 200); do
  status=$(curl -sf "$base/v1/jobs/$job" -H "$auth" | python3 -c 'import sys,json; print(json.load(sys.stdin)["status"])')
  [ "$status" = succeeded ] && break; sleep 0.2
done
[ "$status" = succeeded ] || { echo "job ended $status" >&2; cat "$work/server.log" >&2; exit 1; }
clip=$(curl -sf "$base/v1/jobs/$job" -H "$auth" | python3 -c 'import sys,json; print(json.load(sys.stdin)["clips"][0]["id"])')

healthz=$(load "$base/healthz" "X-None: 1")
me=$(load "$base/v1/me" "$auth")
clipread=$(load "$base/v1/clips/$clip" "$auth")
jobread=$(load "$base/v1/jobs/$job" "$auth")
joblist=$(load "$base/v1/jobs" "$auth")
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()

twin() {
  local db="$work/twin-$1.sqlite"
  TWIN_DB=$db "$VENV/bin/python" bench/peers/fastapi_twin.py seed > "$db.json"
  local id tok
  id=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['ids'][0])" "$db.json")
  tok=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['token'])" "$db.json")
  (cd bench/peers && TWIN_DB=$db exec "../../$VENV/bin/uvicorn" fastapi_twin:app --port "$TWIN_PORT" --workers "$1" --log-level "$LOG_LEVEL" >/dev/null 2>&1) &
  local pid=$!
  for _ in $(seq 50); do curl -sf -o /dev/null -H "Authorization: Bearer $tok" "http://127.0.0.1:$TWIN_PORT/v1/jobs/$id" && break; sleep 0.2; done
  load "http://127.0.0.1:$TWIN_PORT/v1/jobs/$id" "Authorization: Bearer $tok"
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  pkill -f "uvicorn fastapi_twin:app --port $TWIN_PORT" 2>/dev/null || true
  sleep 0.5
}
twin1=$(twin 1)
twin2=$(twin 2)
best=$(python3 -c "print(max($twin1, $twin2))")
echo "clipgen requests/s: /healthz $healthz, /v1/me $me, GET /v1/clips/{id} $clipread, GET /v1/jobs/{id} $jobread, GET /v1/jobs $joblist"
echo "fastapi twin GET /v1/jobs/{id}: 1 worker $twin1, 2 workers $twin2"
python3 -c "print(f'ratio (clipgen job read / twin best): {$jobread / $best:.2f}x  (goal >= 5x)')"
python3 -c "print(f'RESULT\tP4\tGET /v1/jobs/{{id}}, req/s\tFastAPI twin (best)\t{$jobread:.0f}\t{$best:.0f}\t{$jobread / $best:.2f}\t>= 5')"
