# TokenMill — the two commands: `make demo` and `make test`. Both install what a fresh machine lacks.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libzstd-dev libxxhash-dev zlib1g-dev libssl-dev libicu-dev libsnappy-dev liblz4-dev libbrotli-dev libpango1.0-dev libcairo2-dev fonts-dejavu-core fonts-wqy-microhei pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TOKENMILL_RELEASE := .build/release/tokenmill

.PHONY: all deps build demo test test-swift test-interop bench clean

all: build

# System -dev packages (through apt) and the Python packages used by the interop tests (through pip).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi
	@python3 scripts/check_python_deps.py requirements-test.txt 2>/dev/null || { echo "installing python test packages"; \
	  python3 -m pip install -q -r requirements-test.txt || python3 -m pip install -q --break-system-packages -r requirements-test.txt; }

build: deps
	$(SWIFT) build -c release --product tokenmill

# The main job on the sample data shipped in examples/quickstart.
demo: build
	$(TOKENMILL_RELEASE) build examples/quickstart/recipe.yaml --force
	$(TOKENMILL_RELEASE) verify out/quickstart
	$(TOKENMILL_RELEASE) inspect out/quickstart

test: deps test-swift test-interop

test-swift:
	$(SWIFT) build --product tokenmill
	$(SWIFT) test

# Interop: numpy, HF tokenizers, tiktoken and sentencepiece against our CLI (the release build:
# training tokenizers is the slow part of these tests).
test-interop: build
	TOKENMILL_BIN=$(CURDIR)/.build/release/tokenmill python3 -m pytest -q -n 2 --durations=8 Tests/interop

bench: deps build
	@[ -x /usr/bin/time ] || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq time >/dev/null; }
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark
	scripts/bench_build_1gb.sh

clean:
	rm -rf .build out
