#!/usr/bin/env bash
# The API against its own OpenAPI document: schemathesis (PyPI) generates requests for every
# operation and checks that a live `clipgen serve`, signed in as its admin, answers none with a
# server error and every one as the document says. Part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-schemathesis
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "schemathesis: installing into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'schemathesis==4.32.5'
fi
bin=$(swift build --show-bin-path)/clipgen
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CLIPGEN_ADMIN_PASSWORD=schemathesis-password CLIPGEN_BCRYPT_COST=4 CLIPGEN_LOG_LEVEL=warning \
CLIPGEN_RATE_LIMIT_PER_MINUTE=0 CLIPGEN_RATE_LIMIT_IP_PER_MINUTE=0 CLIPGEN_WORKERS_IN_PROCESS=false \
  scripts/unblocked "$bin" serve --port "$port" --data-dir "$work/data" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST "$base/v1/auth/token" -H 'Content-Type: application/json' \
  -d '{"email":"admin@localhost","password":"schemathesis-password"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["accessToken"])')
status=0
"$venv/bin/schemathesis" run "$base/openapi.json" -H "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance --max-examples "${SCHEMATHESIS_EXAMPLES:-30}" \
  --request-timeout 20 --generation-deterministic --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "schemathesis: failed; the server's log follows" >&2
  tail -50 "$work/server.log" >&2
fi
exit "$status"
