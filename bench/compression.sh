#!/usr/bin/env bash
# Benchmark: a page of the job list (100 jobs, each with its request and figures) answered plain,
# gzip and br by a real `clipgen serve`: bytes on the wire and time to the last byte over
# loopback, medians of ROUNDS; and, from those, the time on an 8 Mbit/s link (loopback time plus
# the bytes at that rate: curl's --limit-rate does not pace an answer this small). The plain
# answer is the peer. Goal: far fewer bytes, within a few milliseconds of plain on loopback.
#
# Usage: bench/compression.sh   (CONFIG=release by default; ROUNDS=15; JOBS=100)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
ROUNDS=${ROUNDS:-15}
JOBS=${JOBS:-100}
PORT=${PORT:-18942}
work=$(mktemp -d /tmp/clipgen-compression.XXXXXX)
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
scripts/setup.sh >/dev/null
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
# No workers: the jobs stay queued, so the list is the same in every round.
CLIPGEN_ADMIN_PASSWORD=bench-password CLIPGEN_BCRYPT_COST=4 CLIPGEN_RATE_LIMIT_PER_MINUTE=0 \
  CLIPGEN_RATE_LIMIT_IP_PER_MINUTE=0 CLIPGEN_QUOTA_CONCURRENT_JOBS=0 CLIPGEN_LOG_LEVEL=warning \
  "$bin" serve --no-workers --port "$PORT" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
base=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST "$base/v1/auth/token" -d '{"email":"admin@localhost","password":"bench-password"}' \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["accessToken"])')
auth="Authorization: Bearer $token"
head -c 200000 /dev/urandom >"$work/source.bin"
upload=$(curl -sf -X POST "$base/v1/uploads" -H "$auth" -H "X-Filename: talk.mp4" --data-binary "@$work/source.bin" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
for i in $(seq 1 "$JOBS"); do
  curl -sf -o /dev/null -X POST "$base/v1/jobs" -H "$auth" -d "{\"source\":{\"uploadId\":\"$upload\"},
    \"clips\":[{\"start\":$i,\"end\":$((i + 30)),\"name\":\"moment $i\"},{\"start\":$((i + 40)),\"end\":$((i + 55))}],
    \"highlights\":{\"count\":3,\"query\":\"pricing\"},\"output\":{\"aspect\":\"9:16\",\"captions\":{\"style\":\"karaoke\"}}}"
done
median() { sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p"; }
measure() { # ENCODING -> "bytes seconds"
  local encoding=$1
  local sizes=() times=()
  for _ in $(seq 1 "$ROUNDS"); do
    read -r size time < <(curl -s -o /dev/null -H "$auth" ${encoding:+-H "Accept-Encoding: $encoding"} \
      -w '%{size_download} %{time_total}\n' "$base/v1/jobs?limit=100")
    sizes+=("$size") times+=("$time")
  done
  echo "$(printf '%s\n' "${sizes[@]}" | median) $(printf '%s\n' "${times[@]}" | median)"
}
count=$(curl -sf -H "$auth" "$base/v1/jobs?limit=100" | python3 -c 'import sys,json; print(len(json.load(sys.stdin)["items"]))')
echo "a page of $count jobs"
printf '%-8s %9s %8s %10s %8s %12s %8s\n' answer bytes ratio loopback ratio "at 8 Mbit/s" ratio
read -r plain_size plain_time < <(measure "")
slow() { echo "$2 + $1 * 8 / 8000000" | bc -l; }
plain_slow=$(slow "$plain_size" "$plain_time")
for encoding in "" gzip br; do
  if [ -z "$encoding" ]; then size=$plain_size time=$plain_time; else read -r size time < <(measure "$encoding"); fi
  printf '%-8s %9d %7.3fx %9.4fs %7.2fx %11.4fs %7.2fx\n' "${encoding:-plain}" "$size" \
    "$(echo "$size / $plain_size" | bc -l)" "$time" "$(echo "$time / $plain_time" | bc -l)" \
    "$(slow "$size" "$time")" "$(echo "$(slow "$size" "$time") / $plain_slow" | bc -l)"
done
