#!/usr/bin/env bash
# make coverage: engine/ line and branch coverage while the whole catalogue is explored.
# Builds ckptsim with gcov instrumentation (build-coverage/, preset `coverage`), clears old counts,
# then runs what the catalogue asks of the engine: the exhaustive exploration of every bundled
# scenario (also with convergence pruning), a random sweep (swarm variants, multiple crashes), the mutation campaign (every
# defect of the catalogue on its exposing scenario) and an exhaustive exploration with every fix
# of a known weakness on. Prints coverage per engine file (build-coverage/coverage.txt) and fails
# below the minimums (docs/coverage.md lists what stays uncovered and why).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-coverage
jobs=${JOBS:-2}
test -f $build/build.ninja || cmake --preset coverage >/dev/null
cmake --build $build --target ckptsim -j "$jobs"
find $build -name '*.gcda' -delete
ckptsim=$build/ckptsim
fixes=()
for fix in $($ckptsim weaknesses --json | python3 -c \
    'import json, sys; print(" ".join(w["fix"] for w in json.load(sys.stdin)["weaknesses"]))'); do
  fixes+=(--fix "$fix")
done
run() { echo "coverage: $*" >&2; "$@" >/dev/null || test $? -eq 1; }
run $ckptsim explore scenarios/ --jobs "$jobs"
run $ckptsim explore scenarios/ --jobs "$jobs" --prune
run $ckptsim explore scenarios/ --strategy random --trials "${COVERAGE_TRIALS:-200}" --seed 2026 \
  --jobs "$jobs"
run $ckptsim mutation --root . --jobs "$jobs"
run $ckptsim explore scenarios/ --jobs "$jobs" "${fixes[@]}"
# The real runtime's seams (real disk, wall clock) run only in `serve` and `crash-real`.
python3 scripts/coverage.py $build . --min-lines "${MIN_LINES:-95}" \
  --min-branches "${MIN_BRANCHES:-85}" --out $build/coverage.txt \
  --outside engine/runtime/posix_file_system.cpp engine/runtime/wall_clock_scheduler.cpp \
  engine/runtime/wall_clock_scheduler.h
