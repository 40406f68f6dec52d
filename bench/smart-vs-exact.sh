#!/usr/bin/env bash
# Benchmark: `smart` against `exact` for ten 30-second clips of a generated 10-minute 720p source
# with a 10-second GOP, both through `clipgen clip`, in the same run. Every smart clip must pass
# the per-frame check (same frame count as the exact cut, every frame ≥ 35 dB PSNR against the
# source, copied frames identical) or the run fails. Goal: smart ≤ 0.25× exact.
# Runs on two sources: with B-frames (head and tail re-encoded) and without (head only).
#
# Usage: bench/smart-vs-exact.sh   (CONFIG=release by default)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
work=$(mktemp -d /tmp/clipgen-smart-bench.XXXXXX)
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
trap 'rm -rf "$work"' EXIT

scripts/setup.sh
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
scripts/make-test-media.sh "$media" gop10-720p.mp4 gop10-720p-nob.mp4
starts=(17.3 73.1 129.7 186.4 244.9 301.2 357.8 414.5 472.6 533.3)
now() { date +%s.%N; }

for name in gop10-720p.mp4 gop10-720p-nob.mp4; do
  src="$media/$name"
  t0=$(now)
  for s in "${starts[@]}"; do
    "$bin" clip "$src" --start "$s" --end "$(awk "BEGIN{print $s + 30}")" --mode exact --out "$work/exact-$s.mp4" >/dev/null
  done
  t1=$(now)
  for s in "${starts[@]}"; do
    "$bin" clip "$src" --start "$s" --end "$(awk "BEGIN{print $s + 30}")" --mode smart --out "$work/smart-$s.mp4" > "$work/smart-$s.json"
  done
  t2=$(now)
  exact=$(awk "BEGIN{print $t1 - $t0}") smart=$(awk "BEGIN{print $t2 - $t1}")

  # The per-frame check, outside the timing.
  for s in "${starts[@]}"; do
    grep -q '"modeUsed":"smart"' "$work/smart-$s.json" || { echo "clip at $s was not smart-cut: $(cat "$work/smart-$s.json")" >&2; exit 1; }
    frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$work/smart-$s.mp4")
    exact_frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$work/exact-$s.mp4")
    [ "$frames" = "$exact_frames" ] || { echo "clip at $s: $frames frames, exact has $exact_frames" >&2; exit 1; }
    first=$(awk "BEGIN{printf \"%d\", $s * 30 + 0.001}")
    ffmpeg -v error -i "$work/smart-$s.mp4" -i "$src" -filter_complex \
      "[1:v]select='between(n,$first,$((first + frames - 1)))',settb=1/30,setpts=N[ref];[0:v]settb=1/30,setpts=N[c];[c][ref]psnr=stats_file=$work/psnr-$s.log" \
      -f null -
    read -r worst identical < <(awk '{for(i=1;i<=NF;i++) if($i ~ /^psnr_avg:/){split($i,a,":"); if(a[2]=="inf") n++; else if(min=="" || a[2]+0 < min) min=a[2]+0}} END {print min, n+0}' "$work/psnr-$s.log")
    awk "BEGIN{exit !($worst >= 35)}" || { echo "clip at $s: a frame at $worst dB" >&2; exit 1; }
    printf '  %s clip at %6ss: %d frames, worst re-encoded frame %.1f dB, %d copied frames identical\n' "$name" "$s" "$frames" "$worst" "$identical"
  done
  printf '%s: exact x10 %.2f s, smart x10 %.2f s, ratio %.3fx (goal <= 0.25x)\n' "$name" "$exact" "$smart" "$(awk "BEGIN{print $smart / $exact}")"
  printf 'RESULT\tP2 %s\tten 30 s smart clips (%s)\texact x10\t%.2f s\t%.2f s\t%.3f\t<= 0.25\n' "$name" "$name" "$smart" "$exact" "$(awk "BEGIN{print $smart / $exact}")"
done
