# The README's two commands: `make run` (set up, build, serve on embedded defaults) and
# `make test` (set up, build, run every test). CI runs `make test` through .ci/run.
SWIFT ?= swift
CONFIG ?= debug

.PHONY: setup build run test bench clean

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build -c $(CONFIG) --product clipgen

run: build
	$(SWIFT) run -c $(CONFIG) --skip-build clipgen serve $(ARGS)

# scripts/test.sh: setup, module graph, format lint, deploy checks, build, the Swift suites,
# schemathesis and the web app, each timed.
test:
	@SWIFT=$(SWIFT) scripts/test.sh

bench: setup
	bench/keyframe-e2e.sh

clean:
	rm -rf .build data
