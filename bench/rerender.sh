#!/usr/bin/env bash
# Benchmark: rendering a 30 s captioned clip again with only its caption style changed
# (POST /v1/clips/{id}/renders) against its first render, both through a real `clipgen serve`
# and timed by the server (createdAt to finishedAt). The first render probes, transcribes and
# renders; the second reuses the probe and the transcript. Goal: ratio <= 0.5.
#
# Usage: bench/rerender.sh   (CONFIG=release by default; needs the helpers: scripts/setup-helpers.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
PORT=${PORT:-18941}
work=$(mktemp -d /tmp/clipgen-rerender.XXXXXX)
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
scripts/setup.sh >/dev/null
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
scripts/make-test-media.sh "$media" speech.mp4
CLIPGEN_ADMIN_PASSWORD=bench-password CLIPGEN_BCRYPT_COST=4 CLIPGEN_RATE_LIMIT_PER_MINUTE=0 CLIPGEN_LOG_LEVEL=warning \
  CLIPGEN_POLL_SECONDS=0.05 "$bin" serve --port "$PORT" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
base=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST "$base/v1/auth/token" -d '{"email":"admin@localhost","password":"bench-password"}' \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["accessToken"])')
auth="Authorization: Bearer $token"
upload=$(curl -sf -X POST "$base/v1/uploads" -H "$auth" --data-binary "@$media/speech.mp4" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
wait_job() { # JOB-ID -> "seconds clip-id" from the server's own createdAt and finishedAt
  local status
  while :; do
    sleep 0.25
    status=$(curl -sf "$base/v1/jobs/$1" -H "$auth" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
    [ "$status" = queued ] || [ "$status" = running ] || break
  done
  [ "$status" = succeeded ] || { echo "job ended $status" >&2; tail -20 "$work/server.log" >&2; exit 1; }
  curl -sf "$base/v1/jobs/$1" -H "$auth" | python3 -c '
import sys, json, datetime
job = json.load(sys.stdin)
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
print(t(job["finishedAt"]) - t(job["createdAt"]), job["clips"][0]["id"])'
}
output='{"mode":"exact","captions":{"style":"karaoke"},"quality":60}'
first=$(curl -sf -X POST "$base/v1/jobs" -H "$auth" \
  -d "{\"source\":{\"uploadId\":\"$upload\"},\"clips\":[{\"start\":5,\"end\":35}],\"output\":$output,\"quality\":false,\"thumbnails\":false}" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
read -r first_seconds clip < <(wait_job "$first")
again=$(curl -sf -X POST "$base/v1/clips/$clip/renders" -H "$auth" \
  -d '{"output":{"mode":"exact","captions":{"style":"boxed"},"quality":60}}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
read -r again_seconds _ < <(wait_job "$again")
printf 'first render (probe, transcribe, render 30 s): %.2f s\n' "$first_seconds"
printf 'caption style changed (render only):          %.2f s\n' "$again_seconds"
printf 'ratio %.2fx (goal <= 0.5x)\n' "$(echo "$again_seconds / $first_seconds" | bc -l)"
