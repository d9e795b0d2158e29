#!/usr/bin/env bash
# ctest reports.junit_validates: a defect run's --junit output validates against
# reports/junit.xsd and carries the failure's kind, batch and replay command, and the wall time
# the scenario took on its testsuite and its exploration testcase; the schema itself
# rejects a testcase without its classname (so the check can fail).
set -euo pipefail
ckptsim=$1
source_dir=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
xsd="$source_dir/reports/junit.xsd"

status=0
"$ckptsim" explore "$source_dir/scenarios/basic/running_count.yaml" --defect skip-pending-times \
  --junit "$out/defect.xml" >/dev/null || status=$?
[[ $status -eq 1 ]] || { echo "expected exit 1 from the defect run, got $status"; exit 1; }
xmllint --noout --schema "$xsd" "$out/defect.xml"
grep -q '<failure type="protocol_violation" message="protocol_violation at batch 3500 ms in 66 of 634 trials">' \
  "$out/defect.xml" || { echo "the failure lacks its kind, batch or count"; exit 1; }
grep -q 'replay: .*ckptsim replay .*--token c142+0 --defect skip-pending-times</failure>' \
  "$out/defect.xml" || { echo "the failure lacks its replay command"; exit 1; }

# Real durations: the scenario's testsuite and its "exploration complete" case carry the same
# non-zero time (634 trials take some milliseconds at least).
suite_time=$(grep -o '<testsuite name="running_count"[^>]* time="[0-9.]*"' "$out/defect.xml" | grep -o 'time="[0-9.]*"')
case_time=$(grep -o 'name="exploration complete" time="[0-9.]*"' "$out/defect.xml" | grep -o 'time="[0-9.]*"')
[[ -n $suite_time && $suite_time == "$case_time" && $suite_time != 'time="0.000"' ]] ||
  { echo "no real duration: suite $suite_time, exploration case $case_time"; exit 1; }

"$ckptsim" explore "$source_dir/scenarios/faults" --junit "$out/clean.xml" >/dev/null
xmllint --noout --schema "$xsd" "$out/clean.xml"
if grep -q '<failure' "$out/clean.xml"; then echo "a clean run reported a failure"; exit 1; fi

printf '<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="c"/></testsuite></testsuites>\n' >"$out/bad.xml"
if xmllint --noout --schema "$xsd" "$out/bad.xml" 2>/dev/null; then
  echo "the schema accepted a testcase without classname"
  exit 1
fi
echo "junit: valid"
