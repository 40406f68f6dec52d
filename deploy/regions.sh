#!/usr/bin/env bash
# Two ClipGen regions on this machine, `a` and `b`, each a deploy/cluster.sh of its own (nginx
# with TLS, two API replicas, a worker, Redis, SeaweedFS, PostgreSQL) on loopback ports, joined
# the way two data centres are: region b's PostgreSQL is a streaming standby of region a's
# (pg_basebackup -R, a replication slot); each region writes its own bucket (clipgen-a,
# clipgen-b), which `weed filer.sync` copies one way into the other region's SeaweedFS
# (active-passive per bucket: one writer per key, so the copies converge), where it is read as
# a replica. Every ClipGen process gets both database servers and writes wherever the primary
# is; writes for an organisation homed in the other region are redirected there (307).
#
#   deploy/regions.sh up        start whatever is not running (all of it the first time); print
#                               CLIPGEN_URL_A=… CLIPGEN_URL_B=… CLIPGEN_CA_CERT_A=… CLIPGEN_CA_CERT_B=…
#                               CLIPGEN_ADMIN_EMAIL=… CLIPGEN_ADMIN_PASSWORD=… lines. A region lost
#                               in a failover comes back as the standby of the one that took over
#                               (its old database moved aside, a fresh copy taken).
#   deploy/regions.sh status    which region is writable, the replication lag, then each region's
#                               processes (deploy/cluster.sh status, prefixed with the region)
#   deploy/regions.sh failover  the writable region (a at first) is lost or must be given up: fence
#                               what is left of it (SIGKILL, so it cannot accept a write again),
#                               promote the other's PostgreSQL and stop the lost region's bucket
#                               sync (the other's keeps trying, and catches it up when it returns);
#                               the survivor's workers take the lost region's organisations' work
#                               once it has had no live worker for CLIPGEN_REGION_TAKEOVER_SECONDS.
#                               Prints RTO_SECONDS=… (promotion to the first write accepted)
#   deploy/regions.sh down      stop everything (the data stays)
#
# CLIPGEN_REPLICATION=sync (default async): a commit returns only once the standby has applied it
# (synchronous_standby_names + synchronous_commit=remote_apply), so nothing that was committed is
# lost with the primary, and a task's files must be readable in the other region before its
# clips are ready; the price is a round trip to the standby on every commit (commits wait while
# the standby is down) and the blob sync's lag on every task. State: $CLIPGEN_REGIONS_DIR,
# default ./.regions.
set -euo pipefail
for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && [ "$n" -lt 255 ] && eval "exec $n>&-"; done

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/servers.sh"
state=${CLIPGEN_REGIONS_DIR:-$root/.regions}
command=${1:-}
log() { echo "regions: $*" >&2; }

# Each region's cluster.env is written here, once, with the secrets both regions share: a token
# signed in one region is checked in the other; an object synced is read with the same keys.
settings() {
  mkdir -p "$state"
  chmod 755 "$state"
  if [ ! -f "$state/regions.env" ]; then
    local admin jwt access s3secret r
    admin=$(secret 12) jwt=$(secret 32) access="clipgen-$(secret 4)" s3secret=$(secret 20)
    for r in a b; do
      mkdir -p "$state/$r"
      {
        echo "PG_PORT=$(free_port)"; echo "REDIS_PORT=$(free_port)"; echo "S3_PORT=$(free_port)"
        echo "S3_INTERNAL_PORTS=\"$(free_ports 7)\""
        echo "NGINX_PORT=$(free_port)"; echo "API_PORTS=\"$(free_ports 2)\""; echo "WORKER_PORTS=\"$(free_port)\""
        echo "ADMIN_PASSWORD=$admin"; echo "JWT_SECRET=$jwt"; echo "S3_ACCESS_KEY=$access"; echo "S3_SECRET_KEY=$s3secret"
      } >"$state/$r/cluster.env"
      chmod 600 "$state/$r/cluster.env"
    done
    { echo "WRITABLE=a"; echo "REPLICATION=${CLIPGEN_REPLICATION:-async}"; } >"$state/regions.env"
  fi
  # shellcheck disable=SC1091
  . "$state/regions.env"
  # Chosen at the first `up` and kept; CLIPGEN_REPLICATION given to a later `up` changes it.
  replication=${CLIPGEN_REPLICATION:-${REPLICATION:-async}}
  case "$replication" in
    sync | async) ;;
    *) echo "regions: CLIPGEN_REPLICATION must be sync or async, not '$replication'" >&2; exit 2 ;;
  esac
  if [ "$command" = up ]; then
    grep -v '^REPLICATION=' "$state/regions.env" >"$state/regions.env.new" || true
    echo "REPLICATION=$replication" >>"$state/regions.env.new"
    mv "$state/regions.env.new" "$state/regions.env"
  fi
  other=$([ "$WRITABLE" = a ] && echo b || echo a)
}

# region_var REGION NAME: a setting of that region's cluster.env.
region_var() { (. "$state/$1/cluster.env" && eval "echo \"\$$2\""); }
filer() { local p; read -r -a p <<<"$(region_var "$1" S3_INTERNAL_PORTS)"; echo "127.0.0.1:${p[4]}.${p[5]}"; }
psql_at() { $as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$(region_var "$1" PG_PORT)" -U clipgen -d clipgen -tAc "$2"; }
pg_running() { $as_pg "$pg_bin/pg_ctl" -D "$state/$1/postgres" status >/dev/null 2>&1; }

database_url() {
  echo "postgres://clipgen@127.0.0.1:$(region_var a PG_PORT),127.0.0.1:$(region_var b PG_PORT)/clipgen"
}

cluster() { # cluster REGION ARGS...
  local region=$1 peer; shift
  peer=$([ "$region" = a ] && echo b || echo a)
  # Reports read the region's own server (the standby, in the region whose primary is elsewhere).
  CLIPGEN_CLUSTER_DIR="$state/$region" CLIPGEN_REGION="$region" CLIPGEN_CLUSTER_DATABASE_URL="$(database_url)" \
    CLIPGEN_DATABASE_READ_URL="postgres://clipgen@127.0.0.1:$(region_var "$region" PG_PORT)/clipgen" \
    CLIPGEN_CLUSTER_POSTGRES_OPTIONS="-c wal_log_hints=on -c wal_keep_size=256MB -c hot_standby_feedback=on" \
    CLIPGEN_S3_BUCKET="clipgen-$region" CLIPGEN_S3_REPLICA_BUCKETS="clipgen-$peer" \
    CLIPGEN_S3_REPLICA_ENDPOINT="http://127.0.0.1:$(region_var "$peer" S3_PORT)" CLIPGEN_REPLICATION="$replication" \
    CLIPGEN_REGION_URLS="a=https://127.0.0.1:$(region_var a NGINX_PORT),b=https://127.0.0.1:$(region_var b NGINX_PORT)" \
    CLIPGEN_BIN="$bin" "$root/deploy/cluster.sh" "$@"
}

# standby REGION: makes REGION's PostgreSQL a fresh copy of the writable region's, streaming from
# it through a slot named after REGION. A copy that was a primary before (the region lost in a
# failover) is moved aside, not reused: it may hold commits the new primary never saw.
standby() {
  local region=$1 data="$state/$1/postgres" slot="region_$1"
  if [ -f "$data/PG_VERSION" ] && [ -f "$data/standby.signal" ]; then return; fi
  if [ -f "$data/PG_VERSION" ]; then
    if pg_running "$region"; then $as_pg "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    log "region $region's old database moved to $data.lost-$(date +%s); taking a fresh copy of region $WRITABLE's"
    mv "$data" "$data.lost-$(date +%s)"
  fi
  psql_at "$WRITABLE" "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot'" | grep -q 1 \
    && psql_at "$WRITABLE" "SELECT pg_drop_replication_slot('$slot')" >/dev/null
  mkdir -p "$data"
  [ -n "$as_pg" ] && chown postgres: "$data"
  chmod 700 "$data"
  log "copying region $WRITABLE's database to region $region (pg_basebackup)"
  $as_pg "$pg_bin/pg_basebackup" -d "host=127.0.0.1 port=$(region_var "$WRITABLE" PG_PORT) user=clipgen application_name=$slot" \
    -D "$data" -R -X stream -C -S "$slot" >"$state/$region/basebackup.log" 2>&1 \
    || { cat "$state/$region/basebackup.log" >&2; exit 1; }
}

# The writable region's commits wait for the standby (sync) or not (async). Set after the copy is
# taken, or the copy itself would wait for a standby of its own.
replication_mode() {
  if [ "$replication" = sync ]; then
    psql_at "$WRITABLE" "ALTER SYSTEM SET synchronous_standby_names = 'region_$other'" >/dev/null
    psql_at "$WRITABLE" "ALTER SYSTEM SET synchronous_commit = 'remote_apply'" >/dev/null
  else
    psql_at "$WRITABLE" "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null
    psql_at "$WRITABLE" "ALTER SYSTEM RESET synchronous_commit" >/dev/null
  fi
  psql_at "$WRITABLE" "SELECT pg_reload_conf()" >/dev/null
}

# start_sync REGION: REGION's bucket copied into the other region's SeaweedFS, one way. It
# retries on its own while the other side is down, and catches up when it returns.
start_sync() {
  local from=$1 to weed dir="$state/sync-$1"
  to=$([ "$from" = a ] && echo b || echo a)
  alive "$dir/pid" && return
  weed=$( (command -v pyenv >/dev/null && pyenv which weed 2>/dev/null) || command -v weed)
  mkdir -p "$dir"
  log "syncing region $from's bucket to region $to (weed filer.sync, active-passive)"
  setsid "$root/scripts/unblocked" "$weed" filer.sync -a "$(filer "$from")" -b "$(filer "$to")" -isActivePassive \
    -a.path "/buckets/clipgen-$from" -b.path "/buckets/clipgen-$from" -debug.port=0 \
    </dev/null >>"$dir/sync.log" 2>&1 &
  echo $! >"$dir/pid"
}

stop_pid() { # stop_pid PIDFILE SIGNAL
  if alive "$1"; then kill "-$2" "$(cat "$1")" 2>/dev/null || true; fi
  rm -f "$1"
}

up() {
  "$root/scripts/setup.sh" >&2
  settings
  bin=${CLIPGEN_BIN:-$(cd "$root" && swift build -c release --product clipgen >&2 && echo "$(swift build -c release --show-bin-path)/clipgen")}
  # The writable region first: it makes the schema and the administrator the other one copies.
  cluster "$WRITABLE" up >"$state/$WRITABLE/up.env"
  standby "$other"
  replication_mode
  cluster "$other" up >"$state/$other/up.env"
  start_sync a
  start_sync b
  local r upper
  for r in a b; do
    upper=$(echo "$r" | tr a-z A-Z)
    sed -n -e "s/^CLIPGEN_URL=/CLIPGEN_URL_$upper=/p" -e "s/^CLIPGEN_CA_CERT=/CLIPGEN_CA_CERT_$upper=/p" "$state/$r/up.env"
  done
  grep -e '^CLIPGEN_ADMIN_EMAIL=' -e '^CLIPGEN_ADMIN_PASSWORD=' "$state/a/up.env"
}

status() {
  [ -f "$state/regions.env" ] || { echo "no regions in $state" >&2; exit 1; }
  settings
  bin=${CLIPGEN_BIN:-clipgen}
  echo "writable region: $WRITABLE (replication $replication)"
  local lag
  lag=$(psql_at "$WRITABLE" "SELECT application_name || ' ' || state || ' ' || COALESCE(replay_lag::text, '0') FROM pg_stat_replication" 2>/dev/null || true)
  echo "database standby: ${lag:-none streaming}"
  local r
  for r in a b; do
    if alive "$state/sync-$r/pid"; then echo "blob sync: clipgen-$r to the other region, pid $(cat "$state/sync-$r/pid")"
    else echo "blob sync: clipgen-$r stopped"; fi
  done
  for r in a b; do cluster "$r" status | sed "s/^/$r  /"; done
}

failover() {
  settings
  local lost=$WRITABLE standby=$other pidfile started
  [ -f "$state/$standby/postgres/standby.signal" ] \
    || { echo "regions: region $standby has no standby database to promote; bring region $lost back with 'up' first" >&2; exit 1; }
  # Fence the lost region: whatever of it still runs is killed, so that only one region can accept
  # writes. Each was started in a session of its own: the whole group goes, nginx's workers too,
  # which outlive a killed master and keep its port.
  for pidfile in "$state/$lost"/*/clipgen.pid "$state/$lost/nginx/nginx.pid" "$state/$lost/s3/weed.pid" \
    "$state/$lost/redis/redis.pid"; do
    [ -f "$pidfile" ] || continue
    kill -KILL -- "-$(cat "$pidfile")" 2>/dev/null || true
    stop_pid "$pidfile" KILL
  done
  # A postmaster just killed can leave its backends a moment: pg_ctl may see it and fail to stop it.
  if pg_running "$lost"; then
    $as_pg "$pg_bin/pg_ctl" -D "$state/$lost/postgres" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  # The lost region's bucket has nothing left to send; the other keeps syncing, for when it returns.
  stop_pid "$state/sync-$lost/pid" TERM
  started=$(date +%s.%N)
  log "promoting region $standby's database"
  # pg_ctl on this machine; `clipgen admin promote` does the same where there is no shell on the
  # database's host.
  $as_pg "$pg_bin/pg_ctl" -D "$state/$standby/postgres" -w -t 60 promote >/dev/null
  # No standby is left to wait for.
  psql_at "$standby" "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null
  psql_at "$standby" "SELECT pg_reload_conf()" >/dev/null
  sed -i "s/^WRITABLE=.*/WRITABLE=$standby/" "$state/regions.env"
  for _ in $(seq 1 600); do
    psql_at "$standby" "CREATE TEMP TABLE failover_probe (x int)" >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "RTO_SECONDS=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $started }")"
}

down() {
  [ -f "$state/regions.env" ] || { log "no regions in $state"; return 0; }
  settings
  bin=${CLIPGEN_BIN:-clipgen}
  stop_pid "$state/sync-a/pid" TERM
  stop_pid "$state/sync-b/pid" TERM
  # The standby's region first: the primary must not wait on a commit it can no longer confirm.
  cluster "$other" down
  psql_at "$WRITABLE" "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null 2>&1 \
    && psql_at "$WRITABLE" "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
  cluster "$WRITABLE" down
}

case "$command" in
  up) up ;;
  status) status ;;
  failover) failover ;;
  down) down ;;
  *) echo "usage: deploy/regions.sh up|status|failover|down" >&2; exit 2 ;;
esac
