#!/usr/bin/env bash
# Benchmark: claims per second with 8 concurrent claimers, on PostgreSQL (a server of its own,
# started and stopped here) and on SQLite in the same run: claims alone, then each claim followed
# by its completion (which succeeds the job: a worker's whole cycle); fails on any double claim.
# Goal: PostgreSQL >= 1,000 claims/s.
#
# Usage: bench/queue.sh      (CONFIG=release by default; JOBS=4000, CLAIMERS=8)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
scripts/setup.sh
swift build -c "$CONFIG" --product queue-bench >/dev/null
bin=$(swift build -c "$CONFIG" --show-bin-path)/queue-bench
scripts/with-test-servers.sh bash -c 'QUEUE_BENCH_POSTGRES_URL=$CLIPGEN_TEST_POSTGRES_URL "$0" --jobs "$1" --claimers "$2"' \
  "$bin" "${JOBS:-4000}" "${CLAIMERS:-8}"
