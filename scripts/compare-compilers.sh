#!/usr/bin/env bash
# ctest cross_compiler.digests_equal: the same trials, run by a GCC build and by a Clang build of
# ckptsim, give the same trace digest per scenario (random swarm trials over the whole catalogue
# and every crash point of running_count). Our own distributions and ordered containers make that
# so; a difference names the scenario.
set -euo pipefail
gcc_build=$1
clang_build=$2
[[ -x $gcc_build ]] || { echo "no GCC build at $gcc_build (make test builds it first)"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
runs=("scenarios --strategy random --trials 40 --seed 17"
      "scenarios/basic/running_count.yaml --strategy exhaustive")
status=0
for i in "${!runs[@]}"; do
  read -r -a args <<<"${runs[$i]}"
  "$gcc_build" explore "${args[@]}" --json >"$out/gcc-$i.json" || true
  ASAN_OPTIONS=detect_leaks=0 "$clang_build" explore "${args[@]}" --json >"$out/clang-$i.json" || true
  digests() { grep -o '"digest": "[0-9a-f]*"\|"name": "[^"]*"' "$1" | paste - - ; }
  if ! diff <(digests "$out/gcc-$i.json") <(digests "$out/clang-$i.json"); then
    echo "digests differ between GCC and Clang: explore ${runs[$i]}"
    status=1
  fi
  count=$(digests "$out/gcc-$i.json" | wc -l)
  [[ $count -gt 0 ]] || { echo "no digests in explore ${runs[$i]}"; exit 1; }
  echo "explore ${runs[$i]}: $count scenario digests compared"
done
[[ $status -eq 0 ]] && echo "digests equal across GCC and Clang"
exit $status
