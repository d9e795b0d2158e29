#!/usr/bin/env bash
# Cross-validation of the simulator's `posix` model against real kill -9 crashes: each
# configuration is explored exhaustively under `--fs posix` (power cuts: unsynced data lost) and
# run with `crash-real` (SIGKILL: the page cache survives). Prints a Markdown table of failures;
# docs/real-runtime.md explains every row where the two disagree.
#   scripts/cross-validate.sh [build/ckptsim] [kills] [trials]
set -euo pipefail
ckptsim=${1:-build/ckptsim}
kills=${2:-10}
trials=${3:-3}

failures() {  # prints "<failures> (+<expected>)" of a --json result on stdin
  python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["failures"], "(+%d expected)" % r["expected_failures"] if r["expected_failures"] else "")'
}

row() {  # scenario defect conf
  local scenario=$1 defect=$2 conf=$3 flags=""
  [ -n "$defect" ] && flags+=" --defect $defect"
  [ -n "$conf" ] && flags+=" --conf $conf"
  local sim real
  sim=$("$ckptsim" explore "$scenario" --fs posix --strategy exhaustive $flags --json | failures || true)
  real=$("$ckptsim" crash-real "$scenario" --kills "$kills" --trials "$trials" $flags --json | failures || true)
  echo "| $(basename "$scenario" .yaml) | ${defect:--} | ${conf:--} | $sim | $real |"
}

echo "| scenario | defect | conf | posix model: failing trials | crash-real: failing runs (of $trials, $kills kills each) |"
echo "|---|---|---|---|---|"
sync=ckptsim.checkpoint.sync=true
row scenarios/basic/running_count.yaml "" "$sync"
row scenarios/basic/running_count.yaml "" ""
row scenarios/faults/posix_without_sync.yaml "" ""
row scenarios/faults/posix_with_sync.yaml "" ""
row scenarios/faults/posix_with_sync.yaml rename-before-sync ""
row scenarios/basic/running_count.yaml checkpoint-in-place "$sync"
row scenarios/basic/running_count.yaml skip-pending-times "$sync"
row scenarios/basic/running_count.yaml cleanup-referenced-rdd-files "$sync"
row scenarios/basic/wordcount.yaml skip-down-times "$sync"
row scenarios/spark/directkafkastreamsuite_offset_recovery.yaml offsets-not-checkpointed "$sync"
row scenarios/spark/checkpointsuite_restore_invoking_times.yaml restore-per-output "$sync"
row scenarios/receiver/reliable_receiver_with_wal.yaml wal-clear-queue-on-replay "$sync"
