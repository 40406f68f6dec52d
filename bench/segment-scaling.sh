#!/usr/bin/env bash
# Benchmark: the analysis of a 60-minute source (long1h.mp4: cuts10m-720p.mp4 six times over)
# as a job through the service, with one `clipgen worker` process and then with two, each worker
# pinned to a core of its own (`taskset`) and taking one task at a time. The source splits into
# six segment tasks (CLIPGEN_ANALYSIS_SEGMENT_SECONDS, 600 s); goal: two workers finish at least
# 1.7x faster than one, with the same analysis. The peer is the one-worker run.
#
# Usage: bench/segment-scaling.sh   (CONFIG=release by default)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
PORT=${PORT:-18935}
work=$(mktemp -d /tmp/clipgen-segment-bench.XXXXXX)
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop; rm -rf "$work"' EXIT
[ "$(nproc)" -ge 2 ] || { echo "segment-scaling: needs two cores" >&2; exit 1; }

scripts/setup.sh
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
scripts/make-test-media.sh "$media" long1h.mp4
src="$media/long1h.mp4"

field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# One run: the API without workers, WORKERS worker processes on cores 0, 1, …; prints seconds
# from the job's creation to its end and leaves the analysis in $work/analysis-WORKERS.json.
run() {
  local workers=$1 data="$work/data-$1"
  export CLIPGEN_ADMIN_PASSWORD=bench-password CLIPGEN_BCRYPT_COST=4 CLIPGEN_LOG_LEVEL=warning \
    CLIPGEN_DATA_DIR="$data" CLIPGEN_POLL_SECONDS=0.2
  "$bin" serve --no-workers --port "$PORT" >"$work/api-$workers.log" 2>&1 &
  pids+=($!)
  local base=http://127.0.0.1:$PORT
  for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
  for core in $(seq 0 $((workers - 1))); do
    taskset -c "$core" "$bin" worker --concurrency 1 >"$work/worker-$workers-$core.log" 2>&1 &
    pids+=($!)
  done
  local token auth upload job status started
  token=$(curl -sf -X POST "$base/v1/auth/token" -d '{"email":"admin@localhost","password":"bench-password"}' \
    | field accessToken)
  auth="Authorization: Bearer $token"
  upload=$(curl -sf -X POST "$base/v1/uploads" -H "$auth" -H 'X-Filename: long1h.mp4' -T "$src" | field id)
  started=$(date +%s.%N)
  job=$(curl -sf -X POST "$base/v1/jobs" -H "$auth" \
    -d '{"source":{"uploadId":"'"$upload"'"},"analyze":true,"thumbnails":false}' | field id)
  while :; do
    status=$(curl -sf "$base/v1/jobs/$job" -H "$auth" | field status)
    [ "$status" = queued ] || [ "$status" = running ] || break
    sleep 0.2
  done
  local elapsed
  elapsed=$(awk "BEGIN{print $(date +%s.%N) - $started}")
  [ "$status" = succeeded ] || { echo "job $job ended $status" >&2; cat "$work"/*.log >&2; exit 1; }
  curl -sf "$base/v1/jobs/$job/analysis" -H "$auth" >"$work/analysis-$workers.json"
  stop
  echo "$elapsed"
}

one=$(run 1)
two=$(run 2)
same=no
cmp -s "$work/analysis-1.json" "$work/analysis-2.json" && same=yes
cuts=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["cuts"]))' "$work/analysis-2.json")
printf 'source: long1h.mp4 (60 min, 1280x720), six segments; %s cuts found\n' "$cuts"
printf 'one worker: %.1f s; two workers: %.1f s; the same analysis: %s\n' "$one" "$two" "$same"
speedup=$(awk "BEGIN{print $one / $two}")
printf 'speed-up with two workers: %.2fx; goal >= 1.7x\n' "$speedup"
[ "$same" = yes ] || { echo "segment-scaling: the two runs' analyses differ" >&2; exit 1; }
printf 'RESULT\tSEG\tanalysis of 60 min, two workers\tone worker\t%.1f s\t%.1f s\t%.2f\t>= 1.7\n' "$two" "$one" "$speedup"
