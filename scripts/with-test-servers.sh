#!/usr/bin/env bash
# Runs a command with the servers the tests need, each on a free loopback port in a directory of
# its own, and stops them when the command ends (however it ends):
#   PostgreSQL, shared by the suites      -> CLIPGEN_TEST_POSTGRES_URL
#   PostgreSQL that one test stops and    -> CLIPGEN_TEST_POSTGRES_OUTAGE_URL, with shell commands
#   starts again (an outage)                 CLIPGEN_TEST_POSTGRES_OUTAGE_STOP and _START
#   SeaweedFS's S3 gateway, which checks     -> CLIPGEN_TEST_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY
#   SigV4 signatures
#   PostgreSQL primary with a streaming    -> CLIPGEN_TEST_POSTGRES_PAIR_URL (both hosts, the standby
#   standby, for the failover test            first), with shell commands CLIPGEN_TEST_POSTGRES_PAIR_KILL
#                                             (the primary lost) and _PROMOTE (the standby)
#   Redis, shared by the suites              -> CLIPGEN_TEST_REDIS_URL
#   Redis that one test stops and starts     -> CLIPGEN_TEST_REDIS_OUTAGE_URL, _STOP and _START
#   under a live API
#   Redis that another test restarts under   -> CLIPGEN_TEST_REDIS_RESTART_URL, _STOP and _START
#   a publisher (tests run in parallel, so each has its own)
# Usage: scripts/with-test-servers.sh swift test --skip-build
set -euo pipefail
. "$(dirname "$0")/servers.sh"
work=$(mktemp -d /tmp/clipgen-servers.XXXXXX)
chmod 755 "$work"

cleanup() {
  for pidfile in "$work"/redis-*/redis.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  # SeaweedFS takes many seconds over SIGTERM; its data is thrown away anyway.
  [ -f "$work/s3/weed.pid" ] && kill -9 "$(cat "$work/s3/weed.pid")" 2>/dev/null || true
  for data in "$work"/pg-*; do
    [ -f "$data/postmaster.pid" ] && $as_pg "$pg_bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM


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

# The pair: a base backup of the primary (-R: a standby of it), started on a port of its own.
start_postgres pair-primary
primary_port=$pg_port
standby="$work/pg-pair-standby"
mkdir -p "$standby"
[ "$(id -u)" -eq 0 ] && chown postgres: "$standby"
chmod 700 "$standby"
$as_pg "$pg_bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U clipgen -D "$standby" -R -X stream \
  >"$work/basebackup.log" 2>&1 || { cat "$work/basebackup.log" >&2; exit 1; }
standby_port=$(free_port)
$as_pg "$pg_bin/pg_ctl" -D "$standby" -l "$standby/server.log" -w -t 60 \
  -o "-p $standby_port -k $standby -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c full_page_writes=off" start >/dev/null \
  || { cat "$standby/server.log" >&2; exit 1; }
export CLIPGEN_TEST_POSTGRES_PAIR_URL="postgres://clipgen@127.0.0.1:$standby_port,127.0.0.1:$primary_port/postgres"
export CLIPGEN_TEST_POSTGRES_PAIR_KILL="$as_pg $pg_bin/pg_ctl -D $work/pg-pair-primary -m immediate -w stop"
echo "test servers: PostgreSQL primary on 127.0.0.1:$primary_port, its standby on 127.0.0.1:$standby_port" >&2

CLIPGEN_TEST_S3_ACCESS_KEY="test-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
CLIPGEN_TEST_S3_SECRET_KEY="$(od -An -N16 -tx4 /dev/urandom | tr -d ' ')"
# Another process can still take a port between choosing it and SeaweedFS binding it: a second
# try on fresh ports, in a fresh directory, rather than a failed run.
for attempt in 1 2 3; do
  read -r s3_port internal <<<"$(free_ports 8)"
  rm -rf "$work/s3"
  start_seaweedfs "$work/s3" "$s3_port" "$CLIPGEN_TEST_S3_ACCESS_KEY" "$CLIPGEN_TEST_S3_SECRET_KEY" "$internal" && break
  [ "$attempt" = 3 ] && exit 1
  echo "test servers: SeaweedFS did not start (try $attempt); again on other ports" >&2
done
export CLIPGEN_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port" CLIPGEN_TEST_S3_ACCESS_KEY CLIPGEN_TEST_S3_SECRET_KEY
echo "test servers: SeaweedFS S3 on 127.0.0.1:$s3_port" >&2

# test_redis NAME: a Redis of the tests'; sets redis_port, redis_start and redis_stop.
test_redis() {
  redis_port=$(free_port)
  start_redis "$work/redis-$1" "$redis_port"
}
test_redis shared
export CLIPGEN_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
echo "test servers: Redis on 127.0.0.1:$redis_port" >&2
test_redis outage
export CLIPGEN_TEST_REDIS_OUTAGE_URL="redis://127.0.0.1:$redis_port" CLIPGEN_TEST_REDIS_OUTAGE_START="$redis_start" CLIPGEN_TEST_REDIS_OUTAGE_STOP="$redis_stop"
echo "test servers: Redis (outage test) on 127.0.0.1:$redis_port" >&2
test_redis restart
export CLIPGEN_TEST_REDIS_RESTART_URL="redis://127.0.0.1:$redis_port" CLIPGEN_TEST_REDIS_RESTART_START="$redis_start" CLIPGEN_TEST_REDIS_RESTART_STOP="$redis_stop"
echo "test servers: Redis (restart test) on 127.0.0.1:$redis_port" >&2

"$@"
