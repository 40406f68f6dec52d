#!/usr/bin/env bash
# Benchmark: the two regions of deploy/regions.sh (CLIPGEN_REPLICATION=sync, release build).
#   RW   a write for an organisation homed in b sent to region a (307, then b) against the same
#        write sent to b directly: POST /v1/api-keys by curl, one process per request, alternating,
#        ROUNDS_RW times each; medians, and what the redirect adds.
#   LAG  a 100 MB object put into region a's bucket (`aws s3 cp`) until region b's store serves
#        it at its full size (`weed filer.sync`), against `aws s3 cp` of the same file into b's
#        store directly: what the sync takes over copying it across by hand.
#   RTO  every process of the writable region SIGKILLed, `regions.sh failover`, until the first
#        write is accepted in the survivor; ROUNDS_RTO times, failing over back and forth (the
#        lost region comes back as a standby with `regions.sh up` in between). Goal <= 30 s.
# Each prints a RESULT line for bench/all.sh.
#
# Usage: bench/regions.sh     (CONFIG=release; ROUNDS_RW=30, SIZE_MB=100, ROUNDS_LAG=3, ROUNDS_RTO=2, KEEP=1)
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
ROUNDS_RW=${ROUNDS_RW:-30}
SIZE_MB=${SIZE_MB:-100}
ROUNDS_LAG=${ROUNDS_LAG:-3}
ROUNDS_RTO=${ROUNDS_RTO:-2}
scripts/setup.sh
command -v aws >/dev/null || python3 -m pip install --quiet awscli
swift build -c "$CONFIG" --product clipgen >/dev/null

work=$(mktemp -d /tmp/clipgen-bench-regions.XXXXXX)
chmod 755 "$work" # PostgreSQL runs as its own user and must reach its data directory
export CLIPGEN_REGIONS_DIR=$work/regions CLIPGEN_BIN=$(swift build -c "$CONFIG" --show-bin-path)/clipgen
export CLIPGEN_REPLICATION=sync CLIPGEN_OPERATOR_TOKEN=$(head -c 30 /dev/urandom | base64 | tr -dc a-zA-Z0-9)
export CLIPGEN_BCRYPT_COST=4 CLIPGEN_LOG_LEVEL=warning CLIPGEN_REGION_TAKEOVER_SECONDS=5
# KEEP=1 keeps the regions' directories (logs) for a look after the run.
trap 'deploy/regions.sh down >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
now() { date +%s.%N; }
median() { python3 -c "import sys, statistics; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.4f}')" "$@"; }

echo "bench/regions.sh: starting both regions"
settings=$(deploy/regions.sh up)
eval "$settings"
cat "$CLIPGEN_CA_CERT_A" "$CLIPGEN_CA_CERT_B" >"$work/ca.pem"
region_var() { (. "$CLIPGEN_REGIONS_DIR/$1/cluster.env" && eval "echo \"\$$2\""); }
url() { [ "$1" = a ] && echo "$CLIPGEN_URL_A" || echo "$CLIPGEN_URL_B"; }
json() { python3 -c "import sys, json; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

# An organisation homed in b, signed in there.
curl -sf --cacert "$work/ca.pem" -X POST "$CLIPGEN_URL_A/v1/organizations" \
  -H "Authorization: Bearer $CLIPGEN_OPERATOR_TOKEN" -H "Content-Type: application/json" \
  -d '{"name":"bench b","adminEmail":"b@bench.test","adminPassword":"bench-password-b","homeRegion":"b"}' >/dev/null
sign_in() { # REGION: a token of the admin of the organisation homed in REGION, signed in there
  local body='{"email":"b@bench.test","password":"bench-password-b"}'
  [ "$1" = a ] && body="{\"email\":\"$CLIPGEN_ADMIN_EMAIL\",\"password\":\"$CLIPGEN_ADMIN_PASSWORD\"}"
  curl -sf --cacert "$work/ca.pem" -X POST "$(url "$1")/v1/auth/token" -H "Content-Type: application/json" \
    -d "$body" | json accessToken
}
token=$(sign_in b)

# RW: the same write, direct and redirected.
write() { # URL: seconds for POST /v1/api-keys, following a redirect; fails unless it ends in 201
  local out
  out=$(curl -s --location-trusted --cacert "$work/ca.pem" -o /dev/null -w '%{http_code} %{time_total}' -X POST "$1/v1/api-keys" \
    -H "Authorization: Bearer $token" -H "Content-Type: application/json" -d '{"name":"bench"}')
  [ "${out%% *}" = 201 ] || { echo "bench/regions.sh: POST $1/v1/api-keys answered ${out%% *}" >&2; exit 1; }
  echo "${out#* }"
}
write "$CLIPGEN_URL_A" >/dev/null; write "$CLIPGEN_URL_B" >/dev/null # warm both paths
direct=(); redirected=()
for _ in $(seq 1 "$ROUNDS_RW"); do
  direct+=("$(write "$CLIPGEN_URL_B")")
  redirected+=("$(write "$CLIPGEN_URL_A")")
done
d=$(median "${direct[@]}"); r=$(median "${redirected[@]}")
python3 - "$d" "$r" "$ROUNDS_RW" <<'PY'
import sys
d, r, n = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
print(f"RW: direct to b {d * 1000:.1f} ms, sent to a and redirected {r * 1000:.1f} ms (medians of {n}): +{(r - d) * 1000:.1f} ms")
print(f"RESULT\tRW\ta write for b's organisation sent to a (307) vs sent to b\tdirect write\t{r * 1000:.1f} ms\t{d * 1000:.1f} ms\t{r / d:.2f}\t-")
PY

# LAG: 100 MB through filer.sync, against copying it across by hand.
s3() { # REGION ARGS...: aws against that region's store
  local region=$1; shift
  AWS_ACCESS_KEY_ID=$(region_var "$region" S3_ACCESS_KEY) AWS_SECRET_ACCESS_KEY=$(region_var "$region" S3_SECRET_KEY) \
    AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url "http://127.0.0.1:$(region_var "$region" S3_PORT)" "$@"
}
served_size() { # REGION BUCKET KEY: the size b's store serves, or nothing
  curl -s -I --aws-sigv4 "aws:amz:us-east-1:s3" --user "$(region_var "$1" S3_ACCESS_KEY):$(region_var "$1" S3_SECRET_KEY)" \
    "http://127.0.0.1:$(region_var "$1" S3_PORT)/$2/$3" | tr -d '\r' | awk 'tolower($1) == "content-length:" {print $2}'
}
head -c "${SIZE_MB}M" /dev/urandom >"$work/big.bin"
s3 b s3 mb s3://bench-by-hand >/dev/null
lags=(); copies=()
for round in $(seq 1 "$ROUNDS_LAG"); do
  printf "%08d" "$round" | dd of="$work/big.bin" bs=1 seek=0 conv=notrunc status=none
  t0=$(now); s3 b s3 cp --only-show-errors "$work/big.bin" "s3://bench-by-hand/big-$round.bin"; t1=$(now)
  s3 a s3 cp --only-show-errors "$work/big.bin" "s3://clipgen-a/bench/big-$round.bin"
  t2=$(now)
  until [ "$(served_size b clipgen-a "bench/big-$round.bin")" = "$((SIZE_MB * 1048576))" ]; do sleep 0.05; done
  t3=$(now)
  copies+=("$(python3 -c "print($t1 - $t0)")"); lags+=("$(python3 -c "print($t3 - $t2)")")
  printf "LAG round %d: aws s3 cp into b %.2f s; in a's bucket, then readable in b after %.2f s\n" \
    "$round" "${copies[-1]}" "${lags[-1]}"
done
l=$(median "${lags[@]}"); c=$(median "${copies[@]}")
python3 - "$l" "$c" "$SIZE_MB" <<'PY'
import sys
l, c, size = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
print(f"RESULT\tLAG\t{size} MB from a's store readable in b's (filer.sync)\taws s3 cp into b\t{l:.2f} s\t{c:.2f} s\t{l / c:.2f}\t-")
PY

# RTO: the writable region lost, failed over, until the survivor takes a write.
rtos=()
for round in $(seq 1 "$ROUNDS_RTO"); do
  lost=$(sed -n 's/^WRITABLE=//p' "$CLIPGEN_REGIONS_DIR/regions.env")
  survivor=$([ "$lost" = a ] && echo b || echo a)
  if [ "$round" != 1 ]; then settings=$(deploy/regions.sh up); eval "$settings"; fi
  token=$(sign_in "$survivor")
  t0=$(now)
  for pidfile in api-1/clipgen.pid api-2/clipgen.pid worker-1/clipgen.pid nginx/nginx.pid s3/weed.pid redis/redis.pid; do
    pid=$(head -1 "$CLIPGEN_REGIONS_DIR/$lost/$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] && { kill -KILL -- "-$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true; }
  done
  pid=$(head -1 "$CLIPGEN_REGIONS_DIR/$lost/postgres/postmaster.pid" 2>/dev/null || true)
  [ -n "$pid" ] && { kill -KILL "$pid" 2>/dev/null || true; }
  deploy/regions.sh failover >/dev/null
  until out=$(curl -s --cacert "$work/ca.pem" -o /dev/null -w '%{http_code}' -X POST "$(url "$survivor")/v1/api-keys" \
    -H "Authorization: Bearer $token" -H "Content-Type: application/json" -d '{"name":"rto"}') && [ "$out" = 201 ]; do
    sleep 0.05
  done
  rtos+=("$(python3 -c "print($(now) - $t0)")")
  printf "RTO round %d: region %s killed, region %s took a write after %.2f s\n" "$round" "$lost" "$survivor" "${rtos[-1]}"
done
rto=$(median "${rtos[@]}")
python3 - "$rto" <<'PY'
import sys
rto = float(sys.argv[1])
print(f"RESULT\tRTO\tkill of the writable region to the first write in the other\tthe issue's 30 s bound\t{rto:.1f} s\t30 s\t{rto / 30:.2f}\t<= 1.0")
PY
