#!/usr/bin/env bash
# Benchmark: peak resident memory of the worker (`clipgen serve` with in-process workers) while
# it probes, renders and storyboards from a generated 2-hour source. Goal: ≤ 200 MB.
# Peer, measured in the same run: plain `ffmpeg` rendering one of the same clips.
#
# Usage: bench/worker-rss.sh   (CONFIG=release by default)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
PORT=${PORT:-18933}
work=$(mktemp -d /tmp/clipgen-rss-bench.XXXXXX)
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT

scripts/setup.sh
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
scripts/make-test-media.sh "$media" long2h.mp4
src="$media/long2h.mp4"

CLIPGEN_ADMIN_PASSWORD=bench-password CLIPGEN_BCRYPT_COST=4 CLIPGEN_LOG_LEVEL=warning \
  "$bin" serve --port "$PORT" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
base=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST "$base/v1/auth/token" -d '{"email":"admin@localhost","password":"bench-password"}' | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
auth="Authorization: Bearer $token"
upload=$(curl -sf -X POST "$base/v1/uploads" -H "$auth" -H 'X-Filename: long2h.mp4' -T "$src" | sed -n 's/.*"id":"\([0-9a-f-]\{36\}\)".*/\1/p')
after_upload=$(awk '/VmHWM/ {print $2}' /proc/$server/status)

# Smart (default) clips spread over the two hours, one exact 720p-capped clip, and the storyboard.
body='{"source":{"uploadId":"'$upload'"},"clips":[{"start":61.3,"end":121.3},{"start":1800.5,"end":1860.5},{"start":3600,"end":3660},{"start":5400.2,"end":5430.2},{"start":7100,"end":7190}]}'
exact='{"source":{"uploadId":"'$upload'"},"thumbnails":false,"output":{"mode":"exact","normalizeAudio":true},"clips":[{"start":4000,"end":4060}]}'
jobs=()
for b in "$body" "$exact"; do
  jobs+=("$(curl -sf -X POST "$base/v1/jobs" -H "$auth" -d "$b" | sed -n 's/.*"id":"\([0-9a-f-]\{36\}\)","output".*/\1/p')")
done
child_peak=0
for job in "${jobs[@]}"; do
  while :; do
    for pid in $(pgrep -P "$server" || true); do
      rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
      [ "${rss:-0}" -gt "$child_peak" ] && child_peak=$rss
    done
    status=$(curl -sf "$base/v1/jobs/$job" -H "$auth" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
    [ "$status" = queued ] || [ "$status" = running ] || break
    sleep 0.2
  done
  [ "$status" = succeeded ] || { echo "job $job ended $status" >&2; cat "$work/server.log" >&2; exit 1; }
done
peak=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
peer=$( { /usr/bin/time -f '%M' ffmpeg -v error -y -ss 4000 -i "$src" -t 60 -c:v libx264 -preset veryfast -c:a aac "$work/peer.mp4"; } 2>&1 | tail -1)

printf 'source: %s (%s MB)\n' "$(basename "$src")" "$(( $(stat -c %s "$src") / 1048576 ))"
printf 'worker (clipgen serve) peak RSS: %d MB (after the upload: %d MB); goal <= 200 MB\n' "$((peak / 1024))" "$((after_upload / 1024))"
printf 'largest FFmpeg child seen: %d MB; peer ffmpeg rendering one 60 s clip: %d MB\n' "$((child_peak / 1024))" "$((peer / 1024))"
printf 'ratio worker / peer ffmpeg: %.2fx\n' "$(awk "BEGIN{print $peak / $peer}")"
printf 'RESULT\tRSS-w\tworker peak on a 2-hour source\t(limit)\t%d MB\t200 MB\t%.2f\t<= 1.0\n' "$((peak / 1024))" "$(awk "BEGIN{print $peak / 1024 / 200}")"
