#!/usr/bin/env bash
# Benchmark: each output format's encode through `clipgen clip` against the same FFmpeg command
# line run directly (the one clipgen reports as `ffmpegArguments`), measured in the same run on
# the same 30 s of a generated 720p file. Goal: each ratio <= 1.1.
#
# Usage: bench/formats-vs-ffmpeg.sh   (CONFIG=release by default; ROUNDS=3; LENGTH=30 seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
ROUNDS=${ROUNDS:-3}
LENGTH=${LENGTH:-30}
work=$(mktemp -d /tmp/clipgen-formats.XXXXXX)
trap 'rm -rf "$work"' EXIT
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
scripts/setup.sh >/dev/null
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
scripts/make-test-media.sh "$media" long720p.mp4
src="$media/long720p.mp4"
now() { date +%s.%N; }
median() { sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p"; }
printf '%-22s %10s %10s %7s\n' format clipgen ffmpeg ratio
for spec in "mp4 h264" "mp4 h265" "mp4 av1" "webm vp9" "webm av1" "mov prores" "webp -" "m4a -" "mp3 -" "wav -"; do
  set -- $spec
  format=$1 codec=$2
  extra=()
  [ "$codec" != - ] && extra=(--video-codec "$codec")
  out="$work/out.$format"
  ours=() theirs=()
  for _ in $(seq 1 "$ROUNDS"); do
    t0=$(now)
    summary=$("$bin" clip "$src" --start 120 --end $((120 + LENGTH)) --mode exact --format "$format" "${extra[@]}" --out "$out")
    ours+=("$(echo "$(now) - $t0" | bc -l)")
    mapfile -t args < <(printf '%s' "$summary" | python3 -c 'import sys,json; print("\n".join(json.load(sys.stdin)["ffmpegArguments"]))')
    t0=$(now)
    ffmpeg "${args[@]}" >/dev/null
    theirs+=("$(echo "$(now) - $t0" | bc -l)")
  done
  a=$(printf '%s\n' "${ours[@]}" | median); b=$(printf '%s\n' "${theirs[@]}" | median)
  printf '%-22s %9.2fs %9.2fs %6.2fx\n' "$format $codec" "$a" "$b" "$(echo "$a / $b" | bc -l)"
done
