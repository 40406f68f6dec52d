#!/usr/bin/env bash
# Benchmark: transcription time per minute of speech (the speech helper, Whisper tiny.en int8 on
# CPU) against raw `ffmpeg` decoding the same sound, and the face reframe planner (the face
# helper at 5 frames/s, 320 px, plus planning) against `ffmpeg` decoding the same frames alone,
# measured in the same run. Both on generated media (espeak-ng speech, a face from opencv-doc).
# Prints seconds and ratios.
#
# Usage: bench/speech-faces.sh   (CONFIG=release by default; ROUNDS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d /tmp/clipgen-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}

scripts/setup.sh
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
export CLIPGEN_HELPERS_VENV=$PWD/.venv-helpers
scripts/make-test-media.sh "$media" speech.mp4 face-pan.mp4
ff() { ffmpeg -hide_banner -nostdin -loglevel error -y "$@"; }
# Three minutes of speech (the 40 s recording four and a half times) and one minute of the face.
ff -stream_loop 4 -i "$media/speech.mp4" -t 180 -c copy "$work/speech.mp4"
ff -stream_loop 4 -i "$media/face-pan.mp4" -t 60 -c copy "$work/face.mp4"
now() { date +%s.%N; }
best() { sort -n | head -1; }

for _ in $(seq "$ROUNDS"); do
  t0=$(now); "$bin" transcribe "$work/speech.mp4" --format json --out "$work/t.json"; t1=$(now)
  ff -i "$work/speech.mp4" -vn -ac 1 -ar 16000 -f wav "$work/s.wav"; t2=$(now)
  echo "$t1 $t0 $t2" >>"$work/speech.times"
  t0=$(now); "$bin" clip "$work/face.mp4" --start 0 --end 60 --aspect 9:16 --reframe face --height 320 --out "$work/face-clip.mp4" >/dev/null; t1=$(now)
  "$bin" clip "$work/face.mp4" --start 0 --end 60 --aspect 9:16 --reframe center --height 320 --out "$work/center-clip.mp4" >/dev/null; t2=$(now)
  ff -i "$work/face.mp4" -map 0:v:0 -vf fps=5,scale=320:180 -f rawvideo -pix_fmt rgb24 - >/dev/null; t3=$(now)
  echo "$t0 $t1 $t2 $t3" >>"$work/face.times"
done
words=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["words"]))' "$work/t.json")
read -r transcribe decode < <(awk '{ print $1 - $2, $3 - $1 }' "$work/speech.times" | sort -n | head -1)
echo "speech: 3.0 min, ${words} words; transcribe ${transcribe} s (best of $ROUNDS) = $(awk -v t="$transcribe" 'BEGIN { printf "%.2f", t / 3 }') s per minute of speech ($(awk -v t="$transcribe" 'BEGIN { printf "%.3f", t / 180 }')x real time)"
echo "ffmpeg decoding the same sound: ${decode} s; ratio transcribe/decode: $(awk -v a="$transcribe" -v b="$decode" 'BEGIN { printf "%.1f", a / b }')x"
read -r planner decoding < <(awk '{ print ($2 - $1) - ($3 - $2), $4 - $3 }' "$work/face.times" | sort -n | head -1)
echo "faces: 60 s at 1280x720; face reframe planning (face render minus centre render) ${planner} s = $(awk -v t="$planner" 'BEGIN { printf "%.3f", t / 60 }')x real time"
echo "ffmpeg decoding the same frames alone (5 fps, 320x180): ${decoding} s; ratio planner/decode: $(awk -v a="$planner" -v b="$decoding" 'BEGIN { printf "%.1f", a / b }')x"
