#!/usr/bin/env bash
# Benchmark: what each `output.enhance` filter costs. `clipgen clip` renders the same range of
# a generated 720p file (exact mode) plainly and with one filter at a time; each filter's time is
# printed against the plain render's, measured in the same run (the median of ROUNDS).
#
# Usage: bench/enhance-cost.sh     (CONFIG=debug by default: the time is FFmpeg's; ROUNDS=3; SECONDS_=6)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-debug}
ROUNDS=${ROUNDS:-3}
LENGTH=${SECONDS_:-6}
work=$(mktemp -d /tmp/clipgen-enhance.XXXXXX)
trap 'rm -rf "$work"' EXIT
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
scripts/setup.sh >/dev/null
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
scripts/make-test-media.sh "$media" long720p.mp4
src="$media/long720p.mp4"
now() { date +%s.%N; }
time_of() { # ENHANCE-or-empty -> seconds (median of ROUNDS)
  local times=()
  for _ in $(seq 1 "$ROUNDS"); do
    local t0; t0=$(now)
    if [ -z "$1" ]; then "$bin" clip "$src" --start 60 --end $((60 + LENGTH)) --mode exact --out "$work/out.mp4" >/dev/null
    else "$bin" clip "$src" --start 60 --end $((60 + LENGTH)) --mode exact --enhance "$1" --out "$work/out.mp4" >/dev/null; fi
    times+=("$(echo "$(now) - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p"
}
plain=$(time_of "")
printf '%-44s %8.2f s\n' "plain render (${LENGTH} s of 720p, libx264)" "$plain"
for filter in denoise '{"denoise":{"method":"nlmeans"}}' sharpen '{"sharpen":{"method":"unsharp"}}' deinterlace=on \
  deband stabilize upscale=1080 autoLevels audioDenoise dynamicNormalize; do
  t=$(time_of "$filter")
  printf '%-44s %8.2f s  %5.2fx plain\n' "$filter" "$t" "$(echo "$t / $plain" | bc -l)"
done
