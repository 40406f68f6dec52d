#!/usr/bin/env bash
# Every check `make test` (the README's test command, what CI runs) makes, in order, each one
# timed. The times are printed at the end, also when a check fails or the run is stopped (CI
# stops it at its limit with SIGTERM), so a log's last lines say where the minutes went.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
done_phases=()
current=""
current_started=0
report() {
  echo "test: time by phase"
  local line
  for line in "${done_phases[@]}"; do echo "  $line"; done
  [ -z "$current" ] || echo "  $current: $(($(date +%s) - current_started)) s, unfinished"
  echo "  total: $SECONDS s"
}
trap 'status=$?; report; exit $status' EXIT
trap 'echo "test: stopped by a signal"; exit 143' TERM INT
phase() {
  current=$1
  shift
  current_started=$(date +%s)
  echo "==> $current"
  "$@"
  done_phases+=("$current: $(($(date +%s) - current_started)) s")
  current=""
}

phase setup scripts/setup.sh
# docs/architecture.md's module graph is drawn from Package.swift; each module imports what it declares.
phase module-graph scripts/module-graph.py --check
# .swift-format: the layout swift format writes, lines within 120 columns.
phase format "$SWIFT" format lint --strict --recursive --parallel Sources Tests bench/QueueBench Package.swift
# deploy/: Dockerfile, compose.yaml, Kubernetes manifests, alert rules (promtool unit tests), dashboard.
phase deploy scripts/check-deploy.sh
phase build "$SWIFT" build --build-tests
# The speech and face suites (Whisper and MediaPipe on both cores), the chaos run over the local
# cluster (seven processes, forty renders) and the failover drill over two regions (fourteen
# processes, twenty renders, deploy/regions.sh) each take both cores for minutes: they run after
# the other suites, not beside them. One set of test servers serves them all.
speech='SpeechTests|SpeechSegment|ReframeTests|SpeechAndFacesEndToEndTests'
chaos='ClusterChaosTests|RegionDrillTests'
# Line-buffered (stdbuf): the log of a run that hangs ends at the last line written, so the tests
# still in flight are the ones that started and never finished, not whatever a full buffer held.
phase swift-tests scripts/with-test-servers.sh sh -c "
  echo '==> swift-tests: the suites' && stdbuf -oL -eL '$SWIFT' test --skip-build --skip '$chaos|$speech' \
  && echo '==> swift-tests: speech and faces' && stdbuf -oL -eL '$SWIFT' test --skip-build --filter '$speech' \
  && echo '==> swift-tests: chaos and the region drill' && stdbuf -oL -eL '$SWIFT' test --skip-build --filter '$chaos'"
# Every operation of /openapi.json against a live server: no 5xx, no answer off the document.
phase schemathesis scripts/schemathesis.sh
# The web app in headless Chromium against a live server, a screenshot of each step.
phase webapp scripts/webapp-test.sh
