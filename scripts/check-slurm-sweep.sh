#!/usr/bin/env bash
# ctest cluster.slurm_sweep_equals_unsharded: the regressions' depth-2 sweep under a defect,
# submitted as a Slurm job array to a private single-node cluster (scripts/slurm-sweep.sh
# --local-cluster), merged, and compared with the same sweep run at once: the merged result must
# be exactly the unsharded one, wall times aside. Skips (exit 77) only where this machine cannot
# run a local cluster, saying why.
set -uo pipefail
ckptsim=$1
out=$2
sweep=(scenarios/regressions --depth 2 --jobs 1 --yes --defect skip-pending-times)
bash scripts/slurm-sweep.sh --local-cluster --shards 4 "$out" "$ckptsim" -- "${sweep[@]}"
code=$?
[[ $code -eq 77 ]] && exit 77
[[ $code -eq 1 ]] || { echo "the sharded sweep exited $code, not 1 (the defect's failures)"; exit 1; }
"$ckptsim" explore "${sweep[@]}" --json >"$out/whole.json"
[[ $? -eq 1 ]] || { echo "the unsharded sweep did not exit 1"; exit 1; }
python3 - "$out/merged.json" "$out/whole.json" <<'PY'
import json, sys

def without_wall_times(path):
    result = json.load(open(path))
    result.pop("elapsed_s", None)
    for scenario in result["scenarios"]:
        scenario.pop("elapsed_ms", None)
    return result

merged, whole = (without_wall_times(p) for p in sys.argv[1:3])
if merged != whole:
    differing = sorted(k for k in set(merged) | set(whole) if merged.get(k) != whole.get(k))
    sys.exit("the merged result differs from the unsharded one in: " + ", ".join(differing))
if whole["failures"] == 0:
    sys.exit("the defect found no failure: the comparison would not show a lost shard's failures")
print("slurm sweep: merged equals unsharded (%d trials, %d failures, 4 shards)"
      % (whole["trials"], whole["failures"]))
PY
