#!/usr/bin/env bash
# A ClipGen cluster on this machine, in one command: PostgreSQL, Redis, SeaweedFS (S3), two API
# replicas, two workers and nginx (TLS) in front of the APIs, every one on a loopback port.
#
#   deploy/cluster.sh up       start whatever is not running (all of it the first time), then print
#                              shell-sourceable CLIPGEN_URL=… CLIPGEN_ADMIN_EMAIL=… CLIPGEN_ADMIN_PASSWORD=…
#                              CLIPGEN_CA_CERT=… lines; run it again after a process died to bring it back
#   deploy/cluster.sh status   one line per process: role, name, pid (or -), running|stopped, address
#   deploy/cluster.sh down     stop everything it started (the data stays in the state directory)
#
# Daemons start through scripts/unblocked: a caller that blocks SIGTERM (a test runner) must not
# leave them deaf to `down`.
# State (ports, generated secrets, data, logs, pid files): $CLIPGEN_CLUSTER_DIR, default ./.cluster.
# The binary: $CLIPGEN_BIN, default a release build made here. CLIPGEN_* settings in the
# environment reach every ClipGen process (e.g. CLIPGEN_LEASE_SECONDS=5).
# deploy/regions.sh runs one of these per region and sets two more: CLIPGEN_CLUSTER_DATABASE_URL
# (the database URL the processes get, instead of this cluster's own PostgreSQL) and
# CLIPGEN_CLUSTER_POSTGRES_OPTIONS (more `-c name=value` for that PostgreSQL).
set -euo pipefail
# Close descriptors we inherited (a caller's pipes): the daemons started here would hold them open.
for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && [ "$n" -lt 255 ] && eval "exec $n>&-"; done

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/servers.sh"
state=${CLIPGEN_CLUSTER_DIR:-$root/.cluster}
command=${1:-}
log() { echo "cluster: $*" >&2; }

# Ports and secrets are chosen once and kept, so `up` after a crash brings a process back where it was.
settings() {
  mkdir -p "$state"
  chmod 755 "$state"
  if [ ! -f "$state/cluster.env" ]; then
    {
      echo "PG_PORT=$(free_port)"; echo "REDIS_PORT=$(free_port)"; echo "S3_PORT=$(free_port)"
      echo "S3_INTERNAL_PORTS=\"$(for _ in 1 2 3 4 5 6 7; do printf '%s ' "$(free_port)"; done)\""
      echo "NGINX_PORT=$(free_port)"; echo "API_PORTS=\"$(free_port) $(free_port)\""; echo "WORKER_PORTS=\"$(free_port) $(free_port)\""
      echo "ADMIN_PASSWORD=$(secret 12)"; echo "JWT_SECRET=$(secret 32)"
      echo "S3_ACCESS_KEY=clipgen-$(secret 4)"; echo "S3_SECRET_KEY=$(secret 20)"
    } >"$state/cluster.env"
    chmod 600 "$state/cluster.env"
  fi
  # shellcheck disable=SC1091
  . "$state/cluster.env"
}

clipgen_bin() {
  if [ -n "${CLIPGEN_BIN:-}" ]; then echo "$CLIPGEN_BIN"; return; fi
  (cd "$root" && swift build -c release --product clipgen >&2 && echo "$(swift build -c release --show-bin-path)/clipgen")
}

clipgen_environment() {
  export CLIPGEN_DATABASE_URL="${CLIPGEN_CLUSTER_DATABASE_URL:-postgres://clipgen@127.0.0.1:$PG_PORT/clipgen}"
  export CLIPGEN_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  export CLIPGEN_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" CLIPGEN_S3_BUCKET="${CLIPGEN_S3_BUCKET:-clipgen}"
  export CLIPGEN_S3_ACCESS_KEY_ID="$S3_ACCESS_KEY" CLIPGEN_S3_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
  # Every replica must sign and check tokens with one secret.
  # nginx (on loopback) is the only proxy whose X-Forwarded-For the APIs believe: sign-in limits per address.
  export CLIPGEN_TRUSTED_PROXIES=127.0.0.1
  export CLIPGEN_JWT_SECRET="$JWT_SECRET" CLIPGEN_ADMIN_PASSWORD="$ADMIN_PASSWORD" CLIPGEN_ADMIN_EMAIL="${CLIPGEN_ADMIN_EMAIL:-admin@localhost}"
}

start_postgres() {
  local data="$state/postgres" bin=$pg_bin
  if [ -f "$data/postmaster.pid" ] && $as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then return; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"; [ -n "$as_pg" ] && chown postgres: "$data"
    $as_pg test -w "$data" || { echo "cluster: PostgreSQL runs as the postgres user, which cannot reach $state (make its parents world-searchable or pick another CLIPGEN_CLUSTER_DIR)" >&2; exit 1; }
    $as_pg "$bin/initdb" -D "$data" -U clipgen --auth=trust -E UTF8 >"$state/initdb.log" 2>&1 || { cat "$state/initdb.log" >&2; exit 1; }
  fi
  rm -f "$data/postmaster.pid"
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  $as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $data -c listen_addresses=127.0.0.1 -c max_connections=200 ${CLIPGEN_CLUSTER_POSTGRES_OPTIONS:-}" start >/dev/null
  $as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U clipgen -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'clipgen'" | grep -q 1 \
    || $as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U clipgen -d postgres -qc "CREATE DATABASE clipgen" >/dev/null
}

cluster_redis() {
  alive "$state/redis/redis.pid" && return
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  start_redis "$state/redis" "$REDIS_PORT"
}

start_s3() {
  alive "$state/s3/weed.pid" && return
  log "starting SeaweedFS (S3) on 127.0.0.1:$S3_PORT"
  local attempt
  # Another process can take an internal port between choosing it and SeaweedFS binding it (a
  # loaded machine running tests): those ports are nobody else's business, so new ones are
  # chosen and kept. Clients know only the S3 port.
  for attempt in 1 2 3; do
    start_seaweedfs "$state/s3" "$S3_PORT" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" "$S3_INTERNAL_PORTS" && return
    [ "$attempt" = 3 ] && exit 1
    S3_INTERNAL_PORTS=$(free_ports 7)
    sed -i "s/^S3_INTERNAL_PORTS=.*/S3_INTERNAL_PORTS=\"$S3_INTERNAL_PORTS\"/" "$state/cluster.env"
    log "SeaweedFS did not start; again on other internal ports"
  done
}

# start_clipgen NAME ARGS...: a ClipGen process with its own data directory and log.
start_clipgen() {
  local name=$1; shift
  alive "$state/$name/clipgen.pid" && return 0
  mkdir -p "$state/$name"
  log "starting $name"
  setsid "$root/scripts/unblocked" "$bin" "$@" --data-dir "$state/$name/data" </dev/null >>"$state/$name/clipgen.log" 2>&1 &
  echo $! >"$state/$name/clipgen.pid"
}

# wait_http LOG CURL-ARGS...: waits for an answer; without one, says so with the end of LOG.
wait_http() {
  local log=$1; shift
  for _ in $(seq 1 300); do curl -sf "$@" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "no answer from $*; the end of $log:" >&2
  tail -n 20 "$log" >&2 || true
  exit 1
}

start_nginx() {
  alive "$state/nginx/nginx.pid" && return
  local dir="$state/nginx" upstreams="" port
  mkdir -p "$dir"/{client-body,proxy,fastcgi,uwsgi,scgi} "$state/tls"
  if [ ! -f "$state/tls/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$state/tls/key.pem" -out "$state/tls/cert.pem" 2>/dev/null
    chmod 600 "$state/tls/key.pem"
  fi
  for port in $API_PORTS; do upstreams+="server 127.0.0.1:$port max_fails=1 fail_timeout=5s; "; done
  sed -e "s|@PREFIX@|$dir|g" -e "s|@LISTEN@|127.0.0.1:$NGINX_PORT|g" -e "s|@CERT@|$state/tls/cert.pem|g" \
      -e "s|@KEY@|$state/tls/key.pem|g" -e "s|@UPSTREAMS@|$upstreams|g" -e "s|@MAX_BODY@|${CLIPGEN_MAX_UPLOAD_BYTES:-10737418240}|g" \
      "$root/deploy/nginx/clipgen.conf.template" >"$dir/nginx.conf"
  # nginx's workers drop to `nobody` when started by root: they write request bodies there.
  [ "$(id -u)" -eq 0 ] && chown -R nobody "$dir"/{client-body,proxy,fastcgi,uwsgi,scgi}
  nginx -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx-error.log"
  log "starting nginx on https://127.0.0.1:$NGINX_PORT"
  "$root/scripts/unblocked" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx-error.log"
}

up() {
  "$root/scripts/setup.sh" >&2
  settings
  bin=$(clipgen_bin)
  [ -x "$bin" ] || { echo "no clipgen binary at $bin" >&2; exit 1; }
  start_postgres; cluster_redis; start_s3
  clipgen_environment
  local i=0 port
  for port in $API_PORTS; do i=$((i + 1)); start_clipgen "api-$i" serve --no-workers --host 127.0.0.1 --port "$port"; done
  # The first API makes the schema and the admin; workers wait for it rather than race it.
  i=0
  for port in $API_PORTS; do i=$((i + 1)); wait_http "$state/api-$i/clipgen.log" "http://127.0.0.1:$port/healthz"; done
  i=0
  for port in $WORKER_PORTS; do i=$((i + 1)); start_clipgen "worker-$i" worker --metrics-port "$port"; done
  i=0
  for port in $WORKER_PORTS; do i=$((i + 1)); wait_http "$state/worker-$i/clipgen.log" "http://127.0.0.1:$port/healthz"; done
  start_nginx
  wait_http "$state/nginx/nginx-error.log" --cacert "$state/tls/cert.pem" "https://127.0.0.1:$NGINX_PORT/readyz"
  echo "CLIPGEN_URL=https://127.0.0.1:$NGINX_PORT"
  echo "CLIPGEN_ADMIN_EMAIL=$CLIPGEN_ADMIN_EMAIL"
  echo "CLIPGEN_ADMIN_PASSWORD=$ADMIN_PASSWORD"
  echo "CLIPGEN_CA_CERT=$state/tls/cert.pem"
}

status() {
  [ -f "$state/cluster.env" ] || { echo "no cluster in $state" >&2; exit 1; }
  settings
  line() { # role name pidfile address
    if alive "$3"; then printf '%-9s %-9s %-8s %-8s %s\n' "$1" "$2" "$(cat "$3")" running "$4"
    else printf '%-9s %-9s %-8s %-8s %s\n' "$1" "$2" - stopped "$4"; fi
  }
  local pgpid="$state/postgres/pid"
  head -1 "$state/postgres/postmaster.pid" >"$pgpid" 2>/dev/null || rm -f "$pgpid"
  line postgres postgres "$pgpid" "127.0.0.1:$PG_PORT"
  line redis redis "$state/redis/redis.pid" "127.0.0.1:$REDIS_PORT"
  line s3 s3 "$state/s3/weed.pid" "http://127.0.0.1:$S3_PORT"
  local i=0 port
  for port in $API_PORTS; do i=$((i + 1)); line api "api-$i" "$state/api-$i/clipgen.pid" "http://127.0.0.1:$port"; done
  i=0
  for port in $WORKER_PORTS; do i=$((i + 1)); line worker "worker-$i" "$state/worker-$i/clipgen.pid" "http://127.0.0.1:$port/metrics"; done
  line nginx nginx "$state/nginx/nginx.pid" "https://127.0.0.1:$NGINX_PORT"
}

# stop PIDFILE [SIGNAL] [SECONDS]: signal the process and wait for it to go.
stop() {
  alive "$1" || { rm -f "$1"; return 0; }
  local pid; pid=$(cat "$1")
  kill "-${2:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((${3:-30} * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$1"
}

down() {
  [ -f "$state/cluster.env" ] || { log "no cluster in $state"; return 0; }
  settings
  stop "$state/nginx/nginx.pid" QUIT 10
  local dir
  # Workers first: SIGTERM lets running tasks finish (or hands them back) before the APIs and storage go.
  for dir in "$state"/worker-* "$state"/api-*; do [ -d "$dir" ] && stop "$dir/clipgen.pid" TERM 40; done
  stop "$state/s3/weed.pid" KILL 5
  stop "$state/redis/redis.pid" TERM 10
  if [ -f "$state/postgres/postmaster.pid" ]; then
    $as_pg "$pg_bin/pg_ctl" -D "$state/postgres" -m fast -w stop >/dev/null 2>&1 || true
  fi
  log "stopped (data kept in $state)"
}

case "$command" in
  up) up ;;
  status) status ;;
  down) down ;;
  *) echo "usage: deploy/cluster.sh up|status|down" >&2; exit 2 ;;
esac
