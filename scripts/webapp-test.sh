#!/usr/bin/env bash
# The web app in headless Chromium (Debian chromium + chromium-driver, selenium from PyPI in
# .venv-webapp) against a real `clipgen serve` (the debug build `make test` made) on a free
# port: Tests/WebApp/webapp_test.py signs in, uploads a generated video, picks moments on its
# timeline, watches the job and plays and downloads a clip, with a screenshot of each step in
# $CLIPGEN_SCREENSHOTS (default .build/webapp-screenshots).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=.venv-webapp
# 4.52 wants a certifi newer than the package index has.
selenium="selenium==4.50.0"
fail() { echo "webapp-test: $*" >&2; exit 1; }

command -v chromium >/dev/null 2>&1 || fail "chromium is missing: run scripts/setup.sh (Debian chromium)"
[ -x /usr/bin/chromedriver ] || fail "/usr/bin/chromedriver is missing: run scripts/setup.sh (Debian chromium-driver)"
if [ ! -f "$venv/tools" ] || [ "$(cat "$venv/tools")" != "$selenium" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$selenium"
  echo "$selenium" >"$venv/tools"
fi
bin=${CLIPGEN_BIN:-$root/.build/debug/clipgen}
[ -x "$bin" ] || fail "$bin is missing: build first (swift build)"
. scripts/servers.sh
media=${CLIPGEN_TEST_MEDIA:-${TMPDIR:-/tmp}/clipgen-test-media}
scripts/make-test-media.sh "$media" analysis.mp4 >/dev/null

work=$(mktemp -d /tmp/clipgen-webapp.XXXXXX)
port=$(free_port)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
CLIPGEN_ADMIN_PASSWORD=webapp-admin-password CLIPGEN_BCRYPT_COST=4 CLIPGEN_POLL_SECONDS=0.2 CLIPGEN_LOG_LEVEL=warning \
  CLIPGEN_RATE_LIMIT_PER_MINUTE=0 CLIPGEN_RATE_LIMIT_IP_PER_MINUTE=0 \
  "$bin" serve --port "$port" --data-dir "$work/data" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log" >&2; fail "the server did not start"; }

status=0
CLIPGEN_URL="http://127.0.0.1:$port" CLIPGEN_ADMIN_EMAIL=admin@localhost CLIPGEN_ADMIN_PASSWORD=webapp-admin-password \
  WEBAPP_VIDEO="$media/analysis.mp4" CLIPGEN_SCREENSHOTS="${CLIPGEN_SCREENSHOTS:-$root/.build/webapp-screenshots}" \
  WEBAPP_DOWNLOADS="$work/downloads" "$venv/bin/python" Tests/WebApp/webapp_test.py || status=$?
[ $status -eq 0 ] || { echo "webapp-test: server log:" >&2; tail -40 "$work/server.log" >&2; }
exit $status
