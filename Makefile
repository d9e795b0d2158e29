# The two README commands. Each does the whole set-up on a fresh Debian 12 machine first:
# install missing packages, configure, build.
#   make test   - unit, property and scenario tests (ctest), then the unit and property tests
#                 under ASan + UBSan (build-asan/), then the Clang tree (build-fuzz/): each fuzz
#                 target for FUZZ_SECONDS and the GCC-versus-Clang digest comparison; what CI runs
#   make demo   - explore the bundled catalogue, then a defect run; HTML report in build/report/
BUILD_DIR := build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CKPTSIM := $(BUILD_DIR)/ckptsim

.PHONY: all deps configure build test demo bench asan fuzz coverage clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake --preset default

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The main build's tests, then the unit and property tests under ASan + UBSan, then the Clang
# tree: each libFuzzer target for a bounded time and the GCC-versus-Clang digest comparison.
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900
	@$(MAKE) --no-print-directory asan fuzz

demo: build
	@bash scripts/demo.sh $(CKPTSIM) $(BUILD_DIR)/report

bench: build
	@$(BUILD_DIR)/ckpt_bench --benchmark_format=console

# Under the sanitizers, the tests that repeat one whole exploration to compare two runs of it
# (same seed, shards against one run, pruned against unpruned, a depth-2 token's second crash,
# the interval study's default grid) are left out: about six CPU minutes there, while the code
# they run is the shorter tests' too, which do run here. Only what those tests need is built.
ASAN_SKIP := Cli.SameSeedSameFailingList|Cli.ShardsMergeIntoTheWholeExploration|Pruning.DepthTwoStillCrashesAtTheStepsAPrunedRecoverySkipped|DepthAndBudget.DepthTwoFailuresCarryTheSecondCrashInTheirToken|Pruning.StopsConvergedTrialsWithTheSameVerdictsAndExactUnprunedCost|IntervalStudy.TheDefaultGridBracketsYoungAndFitsAMinimum
asan: deps
	@test -f build-asan/build.ninja || cmake --preset asan >/dev/null
	@cmake --build build-asan -j $(JOBS) --target ckptsim engine_tests sim_tests real_tests property_tests
	@cd build-asan && ctest --output-on-failure -L "unit|property" -E '^($(ASAN_SKIP))$$' -j $(JOBS) --timeout 900

# FUZZ_SECONDS: how long each fuzz target runs (make fuzz FUZZ_SECONDS=600 for a long run).
FUZZ_SECONDS ?= 20
fuzz: build
	@test -f build-fuzz/build.ninja || cmake --preset fuzz >/dev/null
	@cmake -S . -B build-fuzz -DCKPTSIM_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@cd build-fuzz && ctest --output-on-failure -L fuzz --timeout 7200

# engine/ line and branch coverage while the catalogue is explored (scripts/coverage.sh).
coverage: deps
	@JOBS=$(JOBS) bash scripts/coverage.sh

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz build-coverage
