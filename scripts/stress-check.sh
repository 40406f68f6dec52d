#!/usr/bin/env bash
# The test command on a busy machine: `make test` while stress-ng (Debian) keeps both cores
# loaded, RUNS times in a row (default 2); stops at the first failure. Tests must wait for
# events, not for seconds: a bound a slow core can break fails here first.
# Usage: scripts/stress-check.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
if ! command -v stress-ng >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "stress-check: installing stress-ng"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq stress-ng >/dev/null
fi
cpus=$(nproc)
stress-ng --cpu "$cpus" --quiet &
load=$!
trap 'kill "$load" 2>/dev/null; wait "$load" 2>/dev/null || true' EXIT
for run in $(seq 1 "$runs"); do
  echo "stress-check: run $run of $runs, make test beside stress-ng --cpu $cpus"
  started=$(date +%s)
  make test
  echo "stress-check: run $run passed in $(( $(date +%s) - started )) s"
done
echo "stress-check: $runs runs passed under load"
