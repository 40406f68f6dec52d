#!/usr/bin/env bash
# Benchmark: a `keyframe` job of ten 20-second clips (CLIP_SECONDS) from a generated 10-minute
# 720p file, end to end (job posted → all clips stored), against the same ten
# `ffmpeg -ss S -i SRC -t 20 -c copy` runs, measured in the same run. Prints the ratio.
# Goal (P1): ratio ≤ 0.3; with THUMBNAILS=1, the default job with posters and the storyboard
# (P1d): ≤ 0.6. With CLUSTER=1 the same job also runs on the local cluster
# (deploy/cluster.sh: nginx with TLS, two API replicas, two workers, PostgreSQL, Redis, S3) in
# each round, and the cluster's time is printed against embedded mode's and ffmpeg's.
#
# Usage: bench/keyframe-e2e.sh            (CONFIG=release by default; ROUNDS=3; THUMBNAILS=1 to make them too;
#                                          CLUSTER=1 to add the cluster)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
ROUNDS=${ROUNDS:-3}
CLIP_SECONDS=${CLIP_SECONDS:-20}
PORT=${PORT:-18931}
work=$(mktemp -d /tmp/clipgen-bench.XXXXXX)
chmod 755 "$work" # the cluster's PostgreSQL runs as the postgres user
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
cluster_down() { [ "${CLUSTER:-0}" = 1 ] && CLIPGEN_CLUSTER_DIR="$work/cluster" deploy/cluster.sh down >/dev/null 2>&1 || true; }
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; cluster_down; rm -rf "$work"' EXIT

scripts/setup.sh
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
scripts/make-test-media.sh "$media" long720p.mp4
src="$media/long720p.mp4"
starts=(15 75 130 190 250 310 370 430 490 550)
now() { date +%s.%N; }

CLIPGEN_ADMIN_PASSWORD=bench-password CLIPGEN_BCRYPT_COST=4 CLIPGEN_RATE_LIMIT_PER_MINUTE=0 CLIPGEN_RATE_LIMIT_IP_PER_MINUTE=0 CLIPGEN_LOG_LEVEL=warning CLIPGEN_POLL_SECONDS=0.05 \
  "$bin" serve --port "$PORT" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
sign_in() { # BASE CURL-OPTIONS... -> token
  local base=$1; shift
  curl -sf "$@" -X POST "$base/v1/auth/token" -d "{\"email\":\"admin@localhost\",\"password\":\"$password\"}" \
    | python3 -c 'import sys,json; print(json.load(sys.stdin)["accessToken"])'
}
password=bench-password
base=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
token=$(sign_in "$base")
if [ "${CLUSTER:-0}" = 1 ]; then
  eval "$(CLIPGEN_CLUSTER_DIR="$work/cluster" CLIPGEN_BIN="$bin" CLIPGEN_POLL_SECONDS=0.05 CLIPGEN_LOG_LEVEL=warning deploy/cluster.sh up)"
  cluster_base=$CLIPGEN_URL cluster_tls=(--cacert "$CLIPGEN_CA_CERT") password=$CLIPGEN_ADMIN_PASSWORD
  cluster_token=$(sign_in "$cluster_base" "${cluster_tls[@]}")
fi
upload() { # BASE TOKEN CURL-OPTIONS... -> upload id
  local base=$1 token=$2; shift 2
  curl -sf "$@" -X POST "$base/v1/uploads" -H "Authorization: Bearer $token" --data-binary "@$src" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])'
}
clips=$(for s in "${starts[@]}"; do printf '{"start":%s,"end":%s},' "$s" "$((s + CLIP_SECONDS))"; done)
# The peer makes no thumbnails, so by default neither does the job (THUMBNAILS=1: posters and the storyboard too).
thumbs=$([ "${THUMBNAILS:-0}" = 1 ] && echo true || echo false)
body() { echo "{\"source\":{\"uploadId\":\"$1\"},\"output\":{\"mode\":\"keyframe\"},\"thumbnails\":$thumbs,\"clips\":[${clips%,}]}"; }
job_seconds() { # BASE TOKEN UPLOAD CURL-OPTIONS... -> seconds from posting the job to its finishedAt
  local base=$1 token=$2 upload=$3 t0 job status; shift 3
  local auth="Authorization: Bearer $token"
  # Ours ends when the server stored the last clip (the job's finishedAt, same machine clock),
  # so the client's polling neither adds latency nor takes CPU from the renders.
  t0=$(now)
  # sed, not Python: starting an interpreter here would take a core from the probe.
  job=$(curl -sf "$@" -X POST "$base/v1/jobs" -H "$auth" -d "$(body "$upload")" | sed -n 's/.*"id":"\([0-9a-f-]\{36\}\)","output".*/\1/p')
  while :; do
    sleep 0.25
    status=$(curl -sf "$@" "$base/v1/jobs/$job" -H "$auth" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
    [ "$status" = queued ] || [ "$status" = running ] || break
  done
  [ "$status" = succeeded ] || { echo "job ended $status" >&2; exit 1; }
  curl -sf "$@" "$base/v1/jobs/$job" -H "$auth" | python3 -c '
import sys, json, datetime
print(datetime.datetime.fromisoformat(json.load(sys.stdin)["finishedAt"].replace("Z", "+00:00")).timestamp() - '"$t0"')'
}
embedded_upload=$(upload "$base" "$token")
[ "${CLUSTER:-0}" = 1 ] && cluster_upload=$(upload "$cluster_base" "$cluster_token" "${cluster_tls[@]}")

ours=() theirs=() cluster=()
for round in $(seq 1 "$ROUNDS"); do
  # Peer: the same ten stream copies, one after another, as a script would run them.
  t0=$(now)
  for s in "${starts[@]}"; do
    ffmpeg -hide_banner -nostdin -loglevel error -y -ss "$s" -i "$src" -t "$CLIP_SECONDS" -c copy "$work/peer-$s.mp4"
  done
  t1=$(now)
  theirs+=("$(awk "BEGIN{print $t1 - $t0}")")
  ours+=("$(job_seconds "$base" "$token" "$embedded_upload")")
  if [ "${CLUSTER:-0}" = 1 ]; then
    cluster+=("$(job_seconds "$cluster_base" "$cluster_token" "$cluster_upload" "${cluster_tls[@]}")")
    printf 'round %d: clipgen %.3f s, cluster %.3f s, ffmpeg -c copy x10 %.3f s\n' "$round" "${ours[-1]}" "${cluster[-1]}" "${theirs[-1]}"
  else
    printf 'round %d: clipgen %.3f s, ffmpeg -c copy x10 %.3f s\n' "$round" "${ours[-1]}" "${theirs[-1]}"
  fi
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_ours=$(median "${ours[@]}") m_theirs=$(median "${theirs[@]}")
if [ "${THUMBNAILS:-0}" = 1 ]; then name=P1d goal=0.6 work="ten ${CLIP_SECONDS} s keyframe clips, posters, storyboard"
else name=P1 goal=0.3 work="ten ${CLIP_SECONDS} s keyframe clips"; fi
ratio=$(awk "BEGIN{printf \"%.2f\", $m_ours / $m_theirs}")
printf 'median: clipgen %.3f s, raw ffmpeg %.3f s, ratio %sx (goal <= %sx)\n' "$m_ours" "$m_theirs" "$ratio" "$goal"
# One line for bench/all.sh's table: name, work, peer, ours, theirs, ratio, goal.
printf 'RESULT\t%s\t%s\tffmpeg -c copy x10\t%.3f s\t%.3f s\t%s\t<= %s\n' "$name" "$work" "$m_ours" "$m_theirs" "$ratio" "$goal"
if [ "${CLUSTER:-0}" = 1 ]; then
  m_cluster=$(median "${cluster[@]}")
  printf 'median: cluster %.3f s, ratio %.2fx raw ffmpeg, %.2fx embedded\n' "$m_cluster" \
    "$(awk "BEGIN{print $m_cluster / $m_theirs}")" "$(awk "BEGIN{print $m_cluster / $m_ours}")"
fi
