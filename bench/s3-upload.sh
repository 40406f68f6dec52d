#!/usr/bin/env bash
# Benchmark: a 1 GB upload into S3 (SeaweedFS, started here with the test servers) through
# ClipGen's API (`POST /v1/uploads`, release build, CLIPGEN_S3_*) against `aws s3 cp` (awscli)
# of the same file to the same server, alternating, ROUNDS times each. Prints MB/s for both, the
# ratio ClipGen / CLI (goal >= 0.9), and the server's resident memory before and at its peak
# during the uploads (goal: flat, i.e. independent of the file's size).
#
# Usage: bench/s3-upload.sh     (CONFIG=release by default; SIZE_MB=1024, ROUNDS=3, PORT)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
SIZE_MB=${SIZE_MB:-1024}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18951}
scripts/setup.sh
command -v aws >/dev/null || python3 -m pip install --quiet awscli
swift build -c "$CONFIG" --product clipgen >/dev/null
export CLIPGEN_BENCH_BIN=$(swift build -c "$CONFIG" --show-bin-path)/clipgen SIZE_MB ROUNDS PORT

scripts/with-test-servers.sh bash -c '
set -euo pipefail
work=$(mktemp -d /tmp/clipgen-bench.XXXXXX)
server=""
trap "[ -n \"\$server\" ] && kill \$server 2>/dev/null; rm -rf $work" EXIT
head -c "${SIZE_MB}M" /dev/urandom >"$work/big.bin"
export AWS_ACCESS_KEY_ID=$CLIPGEN_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$CLIPGEN_TEST_S3_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
aws --endpoint-url "$CLIPGEN_TEST_S3_ENDPOINT" s3 mb s3://bench-cli >/dev/null

CLIPGEN_ADMIN_PASSWORD=bench-password CLIPGEN_BCRYPT_COST=4 CLIPGEN_LOG_LEVEL=warning CLIPGEN_WORKERS_IN_PROCESS=false \
CLIPGEN_S3_ENDPOINT=$CLIPGEN_TEST_S3_ENDPOINT CLIPGEN_S3_BUCKET=bench-clipgen \
CLIPGEN_S3_ACCESS_KEY_ID=$CLIPGEN_TEST_S3_ACCESS_KEY CLIPGEN_S3_SECRET_ACCESS_KEY=$CLIPGEN_TEST_S3_SECRET_KEY \
  "$CLIPGEN_BENCH_BIN" serve --port "$PORT" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
base=http://127.0.0.1:$PORT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
token=$(curl -sf -X POST "$base/v1/auth/token" -d "{\"email\":\"admin@localhost\",\"password\":\"bench-password\"}" | python3 -c "import sys,json; print(json.load(sys.stdin)[\"accessToken\"])")
rss() { awk "/^$1:/ {print int(\$2/1024)}" /proc/$server/status; }
before=$(rss VmRSS)

now() { date +%s.%N; }
cli=0; ours=0
for round in $(seq 1 "$ROUNDS"); do
  t0=$(now)
  aws --endpoint-url "$CLIPGEN_TEST_S3_ENDPOINT" s3 cp --only-show-errors "$work/big.bin" "s3://bench-cli/big-$round.bin"
  t1=$(now)
  # Distinct bytes per round, so deduplication of identical uploads cannot answer for the store.
  printf "%08d" "$round" | dd of="$work/big.bin" bs=1 seek=0 conv=notrunc status=none
  t2=$(now)
  curl -sf -o /dev/null -X POST "$base/v1/uploads" -H "Authorization: Bearer $token" -H "X-Filename: big.bin" -T "$work/big.bin"
  t3=$(now)
  c=$(python3 -c "print($t1-$t0)"); o=$(python3 -c "print($t3-$t2)")
  printf "round %d: aws s3 cp %.2f s, ClipGen %.2f s\n" "$round" "$c" "$o"
  cli=$(python3 -c "print($cli+$c)"); ours=$(python3 -c "print($ours+$o)")
done
peak=$(rss VmHWM)
python3 - "$SIZE_MB" "$ROUNDS" "$cli" "$ours" "$before" "$peak" <<PY
import sys
size, rounds, cli, ours, before, peak = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
c, o = size * rounds / cli, size * rounds / ours
print(f"aws s3 cp: {c:.1f} MB/s   ClipGen POST /v1/uploads -> S3: {o:.1f} MB/s   ratio ClipGen/CLI: {o / c:.2f} (goal >= 0.9)")
print(f"ClipGen server RSS: {before} MiB before, {peak} MiB peak over {rounds} uploads of {size:.0f} MiB")
PY
'
