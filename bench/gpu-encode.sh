#!/usr/bin/env bash
# Benchmark: NVENC against the software encoders at equal quality, as ClipGen's renders run
# them (CutPlan's arguments): a scale-only render decoded by NVDEC, scaled by scale_cuda and
# encoded by h264_nvenc / hevc_nvenc, frames never leaving GPU memory, against libx264 (veryfast,
# crf 20) / libx265 (fast, crf 24) on the CPU. For each NVENC codec the constant-quality level
# whose PSNR against the source is nearest the software encode's is used, so the ratio compares
# equal quality. Prints seconds, PSNR, size and the speed ratio (software / NVENC).
# Needs an NVIDIA GPU with its driver (the `device` machine); elsewhere it says so and stops.
#
# Usage: bench/gpu-encode.sh   (LENGTH=60 seconds of the 720p source, HEIGHT=540)
set -euo pipefail
cd "$(dirname "$0")/.."
LENGTH=${LENGTH:-60}
HEIGHT=${HEIGHT:-540}
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 \
  || { echo "gpu-encode: no NVIDIA GPU here (nvidia-smi); run it on a machine with one" >&2; exit 2; }
work=$(mktemp -d /tmp/clipgen-gpu.XXXXXX)
trap 'rm -rf "$work"' EXIT
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
scripts/make-test-media.sh "$media" gop10-720p.mp4 >/dev/null
src="$media/gop10-720p.mp4"
nvidia-smi -L
now() { date +%s.%N; }
input=(-ss 60 -t "$LENGTH" -i "$src")
common=(-map 0:v:0 -an -fps_mode passthrough -f mp4)
psnr() {
  ffmpeg -hide_banner -nostdin -i "$1" -ss 60 -t "$LENGTH" -i "$src" -filter_complex \
    "[1:v]scale=-2:$HEIGHT:flags=bicubic,format=yuv420p[r];[0:v]format=yuv420p[d];[d][r]psnr=shortest=1" -f null - 2>&1 \
    | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p' | tail -1
}
run() { # name, output, ffmpeg arguments...
  local name=$1 out=$2; shift 2
  local t0; t0=$(now)
  ffmpeg -hide_banner -nostdin -v error -y "$@" "$out"
  local seconds; seconds=$(echo "$(now) - $t0" | bc -l)
  printf '%-28s %8.2fs  PSNR %6s dB  %8d KiB\n' "$name" "$seconds" "$(psnr "$out")" $(( $(stat -c %s "$out") / 1024 )) >&2
  echo "$seconds"
}
for pair in "h264 libx264 h264_nvenc" "h265 libx265 hevc_nvenc"; do
  set -- $pair
  codec=$1 software=$2 hardware=$3
  if [ "$codec" = h264 ]; then
    cpu_args=(-c:v libx264 -preset veryfast -crf 20 -profile:v high)
  else
    cpu_args=(-c:v libx265 -preset fast -crf 24 -x265-params log-level=error -tag:v hvc1)
  fi
  cpu_time=$(run "$software" "$work/cpu-$codec.mp4" "${input[@]}" -vf "scale=-2:$HEIGHT,format=yuv420p" "${cpu_args[@]}" "${common[@]}")
  target=$(psnr "$work/cpu-$codec.mp4")
  best="" best_gap=999
  for cq in 17 19 21 23 25 27; do
    out="$work/gpu-$codec-$cq.mp4"
    run "$hardware cq $cq" "$out" -hwaccel cuda -hwaccel_output_format cuda "${input[@]}" \
      -vf "scale_cuda=-2:$HEIGHT" -c:v "$hardware" -preset p5 -rc vbr -cq "$cq" -b:v 0 "${common[@]}" >/dev/null
    gap=$(echo "g = $(psnr "$out") - $target; if (g < 0) -g else g" | bc -l)
    if (( $(echo "$gap < $best_gap" | bc -l) )); then best=$cq best_gap=$gap; fi
  done
  gpu_time=$(run "$hardware cq $best (timed)" "$work/gpu-$codec.mp4" -hwaccel cuda -hwaccel_output_format cuda \
    "${input[@]}" -vf "scale_cuda=-2:$HEIGHT" -c:v "$hardware" -preset p5 -rc vbr -cq "$best" -b:v 0 "${common[@]}")
  printf '%s: %s %.2fs vs %s %.2fs at PSNR within %.2f dB: %.1fx faster on the GPU\n' "$codec" "$software" "$cpu_time" \
    "$hardware" "$gpu_time" "$best_gap" "$(echo "$cpu_time / $gpu_time" | bc -l)"
done
