# The two README commands. Each does the whole set-up on a fresh Debian 12 machine first:
# install missing packages, configure, build.
#   make test   - unit, property and scenario tests (ctest, label heavy left out), then the
#                 sanitizer tier: one Clang tree (build-fuzz/) with the unit and property tests under
#                 ASan + UBSan, each fuzz target for FUZZ_SECONDS and the GCC-versus-Clang digest
#                 comparison; what CI runs
#   make demo   - explore the bundled catalogue, then a defect run; HTML report in build/report/
BUILD_DIR := build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CKPTSIM := $(BUILD_DIR)/ckptsim

.PHONY: all deps configure build test heavy demo bench sanitize asan fuzz-build fuzz coverage clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake --preset default

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The main build's tests, then the sanitizer tier. The label `heavy` (the golden results of every
# defect on the whole catalogue, about 15 minutes on 2 cores) is left out: `make heavy` runs it.
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900 -LE heavy
	@$(MAKE) --no-print-directory sanitize

heavy: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L heavy

demo: build
	@bash scripts/demo.sh $(CKPTSIM) $(BUILD_DIR)/report

bench: build
	@$(BUILD_DIR)/ckpt_bench --benchmark_format=console

# Under the sanitizers, the tests that repeat one whole exploration to compare two runs of it
# (same seed, shards or threads against one run, pruned against unpruned, a depth-2 token's second
# crash, the interval study's grids, a budget's cut, the POSIX models' and the report store's
# repeated explorations) are left out: about twelve CPU minutes there,
# while the code they run is the shorter tests' too, which do run here.
SAN_SKIP := Cli.SameSeedSameFailingList|Cli.ShardsMergeIntoTheWholeExploration|Pruning.DepthTwoStillCrashesAtTheStepsAPrunedRecoverySkipped|DepthAndBudget.DepthTwoFailuresCarryTheSecondCrashInTheirToken|Pruning.StopsConvergedTrialsWithTheSameVerdictsAndExactUnprunedCost|IntervalStudy.TheDefaultGridBracketsYoungAndFitsAMinimum|ParallelExploration.DepthTwoWithThreadsAndShardsEqualsOneThread|IntervalStudy.TheSameSeedGivesTheSameStudyWhateverTheThreads|Cli.ARunCutShortByABudgetIsIncomplete|CliProgress.OnATerminalOnly|Cli.PosixNeedsTheCheckpointSync|Cli.ReportKeepsEveryRunInTheStore

# The sanitizer tier of make test, on the Clang tree (build-fuzz/, ASan + UBSan at -O1): the unit
# and property tests, then the fuzz targets and the cross-compiler digest check. One tree serves
# both, so the project is compiled twice in make test, not three times.
sanitize: fuzz-build
	@cd build-fuzz && ctest --output-on-failure -L "unit|property" -E '^($(SAN_SKIP))$$' -j $(JOBS) --timeout 900
	@$(MAKE) --no-print-directory fuzz

# The same tests under GCC's ASan + UBSan (build-asan/), beside make test: another compiler's view.
asan: deps
	@test -f build-asan/build.ninja || cmake --preset asan >/dev/null
	@cmake --build build-asan -j $(JOBS) --target ckptsim engine_tests sim_tests real_tests property_tests
	@cd build-asan && ctest --output-on-failure -L "unit|property" -E '^($(SAN_SKIP))$$' -j $(JOBS) --timeout 900

# FUZZ_SECONDS: how long each fuzz target runs (make fuzz FUZZ_SECONDS=600 for a long run).
# The cross-compiler check compares with build/ckptsim, so the main build comes first.
FUZZ_SECONDS ?= 20
fuzz-build: build
	@test -f build-fuzz/build.ninja || cmake --preset fuzz >/dev/null
	@cmake -S . -B build-fuzz -DCKPTSIM_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

fuzz: fuzz-build
	@cd build-fuzz && ctest --output-on-failure -L fuzz -j $(JOBS) --timeout 7200

# engine/ line and branch coverage while the catalogue is explored (scripts/coverage.sh).
coverage: deps
	@JOBS=$(JOBS) bash scripts/coverage.sh

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz build-coverage
