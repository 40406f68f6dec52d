#!/usr/bin/env bash
# Benchmark: ClipGen's whole analysis (`clipgen analyze`: cuts, fades, black, frozen, blur,
# sharpness, motion, EBU R128 loudness and silences, in one decode) against PySceneDetect's
# `detect-adaptive` (scene cuts alone), on the same generated 10-minute 720p file with known
# cuts, in the same run. Prints time ratio (goal ≤ 1.0) and both F1 scores against the
# ground truth (a cut counts within ±1 frame; goal: ours ≥ theirs), and against a plain full
# decode of the same file (`ffmpeg -threads 0 -i SRC -map 0:v -f null -`, P3: goal ≤ 1.0; P3 over
# PySceneDetect: goal ≤ 0.6). Then, unless SKIP_LONG=1,
# the peak RSS of analysing a generated 2-hour source (goal ≤ 200 MB).
#
# Usage: bench/analysis-vs-pyscenedetect.sh   (CONFIG=release by default; ROUNDS=1; SKIP_SHORT=1 or
# SKIP_LONG=1 to run one part)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
ROUNDS=${ROUNDS:-1}
work=$(mktemp -d /tmp/clipgen-bench.XXXXXX)
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
trap 'rm -rf "$work"' EXIT

scripts/setup.sh
swift build -c "$CONFIG" --product clipgen >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
# The peer in its own virtual environment, from PyPI.
[ -x bench/.venv/bin/scenedetect ] || { python3 -m venv bench/.venv && bench/.venv/bin/pip install -q scenedetect-headless==0.7.2; }
scripts/make-test-media.sh "$media" cuts10m-720p.mp4
src="$media/cuts10m-720p.mp4" truth="$media/cuts10m-720p.cuts"

# Seconds of wall time and peak RSS (MB) of a command, from GNU time.
measure() {
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  read -r seconds kb <"$work/time"
  echo "$seconds $((kb / 1024))"
}

if [ "${SKIP_SHORT:-0}" != 1 ]; then
ours=() theirs=() decodes=()
for round in $(seq 1 "$ROUNDS"); do
  read -r t_ours rss_ours < <(measure sh -c "\"$bin\" analyze \"$src\" --json > \"$work/ours.json\"")
  read -r t_theirs rss_theirs < <(measure bench/.venv/bin/scenedetect -q -i "$src" -o "$work" detect-adaptive list-scenes -f theirs.csv -q)
  read -r t_decode _ < <(measure ffmpeg -v error -threads 0 -i "$src" -map 0:v -f null -)
  echo "round $round: clipgen analyze ${t_ours} s (${rss_ours} MB), scenedetect detect-adaptive ${t_theirs} s (${rss_theirs} MB), plain decode ${t_decode} s"
  ours+=("$t_ours") theirs+=("$t_theirs") decodes+=("$t_decode")
done

python3 - "$truth" "$work/ours.json" "$work/theirs.csv" "${ours[*]}" "${theirs[*]}" "${decodes[*]}" <<'PY'
import csv, json, statistics, sys
truth = [int(l) for l in open(sys.argv[1]) if l.strip()]
ours = [c["frame"] for c in json.load(open(sys.argv[2]))["cuts"]]
rows = list(csv.reader(open(sys.argv[3])))
# list-scenes: the first row is the cut list ("Timecode List:"), then a header; scenes start at "Start Frame" (1-based).
header = next(i for i, r in enumerate(rows) if "Start Frame" in r)
col = rows[header].index("Start Frame")
theirs = [int(r[col]) - 1 for r in rows[header + 1:] if r and r[col].strip()][1:]
def f1(found, tolerance=1):
    unmatched = list(truth)
    hits = 0
    for f in found:
        m = next((t for t in unmatched if abs(t - f) <= tolerance), None)
        if m is not None:
            unmatched.remove(m); hits += 1
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth)
    return (2 * precision * recall / (precision + recall) if hits else 0.0), precision, recall, len(found)
o, t = f1(ours), f1(theirs)
mo = statistics.median(float(x) for x in sys.argv[4].split())
mt = statistics.median(float(x) for x in sys.argv[5].split())
print(f"ground truth: {len(truth)} cuts")
print(f"clipgen:     F1 {o[0]:.3f} (precision {o[1]:.3f}, recall {o[2]:.3f}, {o[3]} cuts)")
print(f"scenedetect: F1 {t[0]:.3f} (precision {t[1]:.3f}, recall {t[2]:.3f}, {t[3]} cuts)")
md = statistics.median(float(x) for x in sys.argv[6].split())
print(f"median: clipgen {mo:.2f} s, scenedetect {mt:.2f} s, ratio {mo / mt:.2f}x (goal <= 0.6x); F1 {o[0]:.3f} vs {t[0]:.3f} (goal: ours >= theirs)")
print(f"median: clipgen {mo:.2f} s, plain decode {md:.2f} s, ratio {mo / md:.2f}x (goal <= 1.0x)")
# Lines for bench/all.sh's table: name, work, peer, ours, theirs, ratio, goal.
print(f"RESULT\tP3\twhole analysis, 10 min 720p\tffmpeg full decode\t{mo:.2f} s\t{md:.2f} s\t{mo / md:.2f}\t<= 1.0")
print(f"RESULT\tP3s\twhole analysis (F1 {o[0]:.3f} vs {t[0]:.3f})\tPySceneDetect detect-adaptive\t{mo:.2f} s\t{mt:.2f} s\t{mo / mt:.2f}\t<= 0.6")
PY
fi

if [ "${SKIP_LONG:-0}" != 1 ]; then
  scripts/make-test-media.sh "$media" long2h.mp4
  # The analysing process's own peak (VmHWM, read until it exits), and the largest FFmpeg decoder beside it.
  start=$(date +%s.%N)
  "$bin" analyze "$media/long2h.mp4" --json >"$work/long.json" &
  pid=$!
  hwm=0 child=0
  while kill -0 $pid 2>/dev/null; do
    v=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
    [ "${v:-0}" -gt "$hwm" ] && hwm=$v
    for c in $(pgrep -P $pid 2>/dev/null); do
      r=$(awk '/VmRSS/ {print $2}' /proc/$c/status 2>/dev/null || echo 0)
      [ "${r:-0}" -gt "$child" ] && child=$r
    done
    sleep 0.2
  done
  wait $pid
  end=$(date +%s.%N)
  python3 -c "import json,sys; a=json.load(open('$work/long.json')); print(f'2-hour source (640x360): {a[\"duration\"]:.0f} s analysed, {len(a[\"loudness\"][\"curve\"])} curve points')"
  echo "clipgen analyze peak RSS $((hwm / 1024)) MB (goal <= 200 MB); largest FFmpeg child $((child / 1024)) MB; $(python3 -c "print(f'{$end - $start:.0f}')") s"
  printf 'RESULT\tRSS-a\tanalysing a 2-hour source\t(limit)\t%d MB\t200 MB\t%.2f\t<= 1.0\n' "$((hwm / 1024))" "$(awk "BEGIN{print $hwm / 1024 / 200}")"
fi
