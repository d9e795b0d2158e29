#!/usr/bin/env bash
# ctest reports.html_timeline_renders: headless Chromium renders the HTML report of a defect run
# and the failing trial's SVG timeline is drawn (its bounding box is measured in the browser: a
# timeline with batches, a lost batch, lanes of steps and a crash mark). The screenshot is kept as
# <build>/report-render/timeline.png. Skips (exit 77) only where Chromium is not installed.
set -uo pipefail
ckptsim=$1
out=$2
chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chromium ]]; then
  echo "SKIP: chromium is not installed here (scripts/install-deps.sh could not install Debian's chromium package)"
  exit 77
fi
rm -rf "$out" && mkdir -p "$out"
"$ckptsim" explore scenarios/basic/running_count.yaml --defect skip-pending-times \
  --report "$out" >/dev/null
[[ $? -eq 1 ]] || { echo "the defect run did not fail"; exit 1; }
grep -q '<svg class="timeline"' "$out/index.html" || { echo "no timeline in the report"; exit 1; }

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --disable-dev-shm-usage
       --hide-scrollbars --user-data-dir="$out/profile")
# The report has no scripts; a copy gets one that measures what the browser laid out.
sed 's|</body>|<script>\
const svg = document.querySelector("svg.timeline"), box = svg ? svg.getBBox() : {width: 0};\
const drawn = s => [...document.querySelectorAll(s)].filter(e => e.getBBox().width > 0).length;\
document.body.setAttribute("data-check", ["timeline " + Math.round(box.width),\
  "batches " + drawn("svg.timeline rect.batch"), "lost " + drawn("svg.timeline rect.batch.lost"),\
  "steps " + drawn("svg.timeline rect.step"), "crashes " + document.querySelectorAll("svg.timeline line.crash").length].join(", "));\
</script></body>|' "$out/index.html" >"$out/measured.html"
dom=$(timeout 120 "$chromium" "${flags[@]}" --virtual-time-budget=2000 --dump-dom \
  "file://$out/measured.html" 2>/dev/null)
check=$(grep -o 'data-check="[^"]*"' <<<"$dom")
echo "measured in Chromium: $check"
[[ $check =~ timeline\ ([0-9]+),\ batches\ ([0-9]+),\ lost\ ([0-9]+),\ steps\ ([0-9]+),\ crashes\ ([0-9]+) ]] ||
  { echo "the page did not report its measurements"; exit 1; }
(( BASH_REMATCH[1] > 500 && BASH_REMATCH[2] >= 20 && BASH_REMATCH[3] >= 1 && BASH_REMATCH[4] > 100 &&
   BASH_REMATCH[5] >= 1 )) || { echo "the timeline is not drawn in full"; exit 1; }
timeout 120 "$chromium" "${flags[@]}" --window-size=1200,900 --screenshot="$out/timeline.png" \
  "file://$out/index.html" >/dev/null 2>&1
[[ -s $out/timeline.png ]] || { echo "no screenshot"; exit 1; }
echo "timeline drawn; screenshot: $out/timeline.png"
