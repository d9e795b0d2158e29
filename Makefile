# The two README commands. Each does the whole set-up on a fresh Debian 12 machine first:
# install missing packages, configure, build.
#   make test   - unit, property and scenario tests (ctest), what CI runs
#   make demo   - explore the bundled catalogue, then a defect run; HTML report in build/report/
BUILD_DIR := build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CKPTSIM := $(BUILD_DIR)/ckptsim

.PHONY: all deps configure build test demo bench asan clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake --preset default

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

demo: build
	@bash scripts/demo.sh $(CKPTSIM) $(BUILD_DIR)/report

bench: build
	@$(BUILD_DIR)/ckpt_bench --benchmark_format=console

asan: deps
	@cmake --preset asan && cmake --build build-asan -j $(JOBS) && cd build-asan && ctest --output-on-failure -L "unit|property" -j $(JOBS)

clean:
	rm -rf $(BUILD_DIR) build-asan
