#!/usr/bin/env bash
# Runs a command with the servers the tests need, each on a free loopback port in a directory of
# its own, and stops them when the command ends (however it ends):
#   PostgreSQL  -> CLIPGEN_TEST_POSTGRES_URL
# Usage: scripts/with-test-servers.sh swift test --skip-build
set -euo pipefail
work=$(mktemp -d /tmp/clipgen-servers.XXXXXX)
chmod 755 "$work"
cleanup() {
  [ -n "${pgdata:-}" ] && [ -f "$pgdata/postmaster.pid" ] && as_pg "$pg_bin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# PostgreSQL refuses to run as root: the server runs as the postgres user, in a directory it owns.
pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pgdata="$work/postgres"
mkdir -p "$pgdata"
[ "$(id -u)" -eq 0 ] && chown postgres: "$pgdata"
as_pg "$pg_bin/initdb" -D "$pgdata" -U clipgen --auth=trust -E UTF8 --no-sync >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
pg_port=$(free_port)
as_pg "$pg_bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
  -o "-p $pg_port -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$pgdata/server.log" >&2; exit 1; }
export CLIPGEN_TEST_POSTGRES_URL="postgres://clipgen@127.0.0.1:$pg_port/postgres"
echo "test servers: PostgreSQL on 127.0.0.1:$pg_port" >&2

"$@"
