# The README's two commands: `make run` (set up, build, serve on embedded defaults) and
# `make test` (set up, build, run every test). CI runs `make test` through .ci/run.
SWIFT ?= swift
CONFIG ?= debug
SPEECH = SpeechTests|ReframeTests|SpeechAndFacesEndToEndTests
HEAVY = ClusterChaosTests|$(SPEECH)

.PHONY: setup build run test bench clean

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build -c $(CONFIG) --product clipgen

run: build
	$(SWIFT) run -c $(CONFIG) --skip-build clipgen serve $(ARGS)

test: setup
	# docs/architecture.md's module graph is drawn from Package.swift; each module imports what it declares.
	scripts/module-graph.py --check
	# .swift-format: the layout swift format writes, lines within 120 columns.
	$(SWIFT) format lint --strict --recursive --parallel Sources Tests bench/QueueBench Package.swift
	# deploy/: Dockerfile, compose.yaml, Kubernetes manifests, alert rules (promtool unit tests), dashboard.
	scripts/check-deploy.sh
	$(SWIFT) build --build-tests
	# The speech and face suites (Whisper and MediaPipe on both cores) and the chaos run over the
	# local cluster (seven processes, forty renders) each take both cores for a minute: they run
	# after the other suites, not beside their timing checks.
	scripts/with-test-servers.sh sh -c '$(SWIFT) test --skip-build --skip "$(HEAVY)" && $(SWIFT) test --skip-build --filter "$(SPEECH)" \
	  && $(SWIFT) test --skip-build --filter ClusterChaosTests'
	# Every operation of /openapi.json against a live server: no 5xx, no answer off the document.
	scripts/schemathesis.sh
	# The web app in headless Chromium against a live server, a screenshot of each step.
	scripts/webapp-test.sh

bench: setup
	bench/keyframe-e2e.sh

clean:
	rm -rf .build data
