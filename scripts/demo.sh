#!/usr/bin/env bash
# The demo: explore every crash point of the bundled catalogue (expect PASS; report in the store
# <report>/clean/, the newest run under latest/), then a scenario with a known recovery bug
# switched on (expect FAIL with replay commands; its report, with the failing trials' timelines,
# in the store <report>/defect/), then shrink one failure and print its first divergence; then the
# Structured Streaming catalogue at depth 2 (store <report>/structured/) and one of its defects
# found and shrunk. Each store's index.html lists every run it holds.
set -uo pipefail
ckptsim=${1:-build/ckptsim}
report_dir=${2:-build/report}

echo "== 1. Every crash point of every bundled scenario, correct engine =="
"$ckptsim" explore scenarios --strategy exhaustive --jobs "$(nproc 2>/dev/null || echo 2)" --report "$report_dir/clean"
clean=$?

echo
echo "== 2. The same exploration with defect 'skip-pending-times' switched on (SPARK-18905's pending-times rescheduling reverted) =="
"$ckptsim" explore scenarios/basic/running_count.yaml --strategy exhaustive \
  --defect skip-pending-times --report "$report_dir/defect"
defect=$?

echo
echo "== 3. One of those failures shrunk to a minimal scenario, then its first divergence =="
"$ckptsim" shrink scenarios/basic/running_count.yaml --token c142+0 --defect skip-pending-times \
  --name running_count_pending_times --out "$report_dir/shrunk.yaml"
shrunk=$?
"$ckptsim" replay scenarios/basic/running_count.yaml --token c142+0 --defect skip-pending-times |
  sed -n '/^first divergence/,$p'

echo
echo "== 4. The Structured Streaming catalogue (engine: structured), crashes during recovery too =="
"$ckptsim" explore scenarios/structured --strategy exhaustive --depth 2 \
  --jobs "$(nproc 2>/dev/null || echo 2)" --report "$report_dir/structured"
structured=$?

echo
echo "== 5. Its defect 'delta-rename-fails-if-exists' (SPARK-19677 reverted) found, then shrunk =="
"$ckptsim" explore scenarios/structured/kafka_aggregation_update.yaml --strategy exhaustive \
  --defect delta-rename-fails-if-exists | tail -n 4
"$ckptsim" shrink scenarios/structured/kafka_aggregation_update.yaml --token c24+300 \
  --defect delta-rename-fails-if-exists --name kafka_aggregation_rerun \
  --out "$report_dir/structured-shrunk.yaml"
structured_shrunk=$?

echo
echo "report: $report_dir/defect/latest/index.html (the defect run, with its timelines);"
echo "        $report_dir/clean/latest/index.html (the correct engine);"
echo "        $report_dir/structured/latest/index.html (the Structured Streaming catalogue);"
echo "        $report_dir/defect/index.html and $report_dir/clean/index.html list every run"
# The demo succeeds when the correct engine passes and the broken one is caught.
if [[ $clean -eq 0 && $defect -eq 1 && $shrunk -eq 1 && $structured -eq 0 &&
      $structured_shrunk -eq 1 ]]; then
  echo "demo verdict: both engines PASS, their defects found"
  exit 0
fi
echo "demo verdict: unexpected (clean exit $clean, defect exit $defect, shrink exit $shrunk," \
  "structured exit $structured, structured shrink exit $structured_shrunk)"
exit 1
