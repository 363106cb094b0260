#!/usr/bin/env bash
# Negative control for check_report.sh: it must pass a good report and fail each broken one.
#   self_test.sh OUT_DIR
# Writes sample pages that follow the report's contract (<body data-charts-expected="5">, five
# <figure class="chart" id="chart-..."> with an inline <svg>, and a last script that writes the
# number of chart SVGs to <body data-charts-rendered>), then runs check_report.sh on each:
#   good              must pass;
#   throw             an inline script throws (the charts still render): must fail on script errors;
#   undefined         an inline script calls an undefined function: must fail on script errors;
#   late-error        a timer throws after the page has loaded: must fail on script errors;
#   three-charts      chart-frontier is missing: must fail on the chart count and the script's mark;
#   empty-svg         chart-size's <svg> draws nothing: must fail on that chart;
#   no-script         the last script is missing: must fail on the script's mark;
#   external          loads a script from a CDN: must fail on self-containment;
#   overlap           two labels of chart-loss drawn over each other (VaR and ES at close values,
#                     as the report once drew them): must fail on overlapping labels;
#   no-units          chart-size's y axis label has no unit: must fail on the axes;
#   skip              CHROMIUM points nowhere: must exit 77 (skip) without running a browser.
# Exit 0 only if every expectation holds; 77 if Chromium is not installed.
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
check=$here/check_report.sh
mkdir -p "$1" || exit 1
out=$(cd "$1" && pwd)

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "SKIP: chromium is not installed (cmake/install-deps.sh could not install it): browser test skipped"
  exit 77
fi

# write_page FILE [OPTION...]: the good page, or a broken one.
#   no-frontier   leave chart-frontier out      empty-size   chart-size's <svg> has no shapes
#   no-mark       leave out the last script     extra=HTML   insert HTML before the last script
#   overlap       two labels of chart-loss over each other
#   no-units      chart-size's y axis label without a unit
# Every chart of the good page has its axis labels (class axis-label x / y, a unit in
# parentheses) and labels that do not touch.
write_page() {
  local file=$1 frontier=1 size_shapes=1 mark=1 extra="" loss_extra="" size_y="open interest (BTC)"
  shift
  for option in "$@"; do
    case $option in
      no-frontier) frontier=0 ;;
      empty-size) size_shapes=0 ;;
      no-mark) mark=0 ;;
      extra=*) extra=${option#extra=} ;;
      overlap) loss_extra='<text x="500" y="60">VaR 99%: 232k</text><text x="512" y="64">ES 97.5%: 229k</text>' ;;
      no-units) size_y="open interest" ;;
    esac
  done
  {
    cat <<'HTML'
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>backstop stress test: sample report</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #1d2330; }
  h1 { font-size: 26px; margin-bottom: 4px; }
  .lede { color: #555; margin-top: 0; }
  table { border-collapse: collapse; margin: 12px 0 24px; }
  td, th { border-bottom: 1px solid #ddd; padding: 4px 12px; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  figure.chart { margin: 0 0 28px; padding: 12px 16px; border: 1px solid #d9dde6; border-radius: 6px; }
  figure.chart svg { width: 100%; height: auto; display: block; }
  figcaption { font-weight: 600; margin-bottom: 6px; }
  .axis { stroke: #333; stroke-width: 1.2; }
  .grid { stroke: #e4e7ee; stroke-width: 1; }
  text { font: 12px system-ui, sans-serif; fill: #333; }
</style>
</head>
<body data-charts-expected="5">
<h1>Stress test report (sample)</h1>
<p class="lede">10 000 paths, 250 days, seed 20261125. A sample page for the browser test.</p>
<table>
  <tr><th>Metric</th><th>p50</th><th>p99</th><th>max</th></tr>
  <tr><td>Insurance fund loss (USDC)</td><td>0</td><td>1 240 000</td><td>3 800 000</td></tr>
  <tr><td>Socialized loss (USDC)</td><td>0</td><td>0</td><td>415 000</td></tr>
  <tr><td>Liquidations per day</td><td>3</td><td>41</td><td>187</td></tr>
</table>

<figure class="chart" id="chart-fan">
<figcaption>Price paths: median and 50% / 90% bands</figcaption>
<svg viewBox="0 0 640 300" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="fan chart">
  <line class="grid" x1="50" y1="60" x2="620" y2="60"/><line class="grid" x1="50" y1="150" x2="620" y2="150"/>
  <line class="grid" x1="50" y1="240" x2="620" y2="240"/>
  <path d="M50,150 L620,40 L620,270 Z" fill="#c9d8f5"/>
  <path d="M50,150 L620,90 L620,215 Z" fill="#8fb0ea"/>
  <polyline points="50,150 120,146 190,140 260,148 330,135 400,130 470,124 540,128 620,118" fill="none" stroke="#1f4fb4" stroke-width="2.5"/>
  <line class="axis" x1="50" y1="280" x2="620" y2="280"/><line class="axis" x1="50" y1="20" x2="50" y2="280"/>
  <text x="52" y="296">day 0</text><text x="580" y="296">day 250</text><text x="8" y="154">100</text>
  <text class="axis-label x" x="335" y="296" text-anchor="middle">time (days)</text>
  <text class="axis-label y" x="56" y="14">price (USDC)</text>
</svg>
</figure>

<figure class="chart" id="chart-loss">
<figcaption>Insurance fund loss per path (histogram)</figcaption>
<svg viewBox="0 0 640 300" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="loss histogram">
  <line class="axis" x1="50" y1="280" x2="620" y2="280"/><line class="axis" x1="50" y1="20" x2="50" y2="280"/>
  <rect x="60" y="40" width="50" height="240" fill="#d9534f"/><rect x="120" y="150" width="50" height="130" fill="#d9534f"/>
  <rect x="180" y="200" width="50" height="80" fill="#d9534f"/><rect x="240" y="230" width="50" height="50" fill="#d9534f"/>
  <rect x="300" y="252" width="50" height="28" fill="#d9534f"/><rect x="360" y="265" width="50" height="15" fill="#d9534f"/>
  <rect x="420" y="272" width="50" height="8" fill="#d9534f"/><rect x="480" y="276" width="50" height="4" fill="#d9534f"/>
  <text x="60" y="296">0</text><text x="540" y="296">3.8 M USDC</text>
  <text class="axis-label x" x="335" y="296" text-anchor="middle">fund loss (USDC)</text>
  <text class="axis-label y" x="56" y="14">paths (count)</text>
  @LOSS_EXTRA@
</svg>
</figure>

<figure class="chart" id="chart-size">
<figcaption>Open interest over time</figcaption>
<svg viewBox="0 0 640 300" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="open interest">
HTML
    if [ "$size_shapes" -eq 1 ]; then
      cat <<'HTML'
  <line class="axis" x1="50" y1="280" x2="620" y2="280"/><line class="axis" x1="50" y1="20" x2="50" y2="280"/>
  <path d="M50,200 C150,120 220,90 300,110 S450,220 620,60" fill="none" stroke="#2e8b57" stroke-width="2.5"/>
  <path d="M50,240 C150,200 260,180 330,190 S480,240 620,150" fill="none" stroke="#e08a00" stroke-width="2" stroke-dasharray="6 4"/>
  <text x="52" y="296">day 0</text><text x="580" y="296">day 250</text>
HTML
    else
      echo '  <text x="300" y="150">no data</text>'
    fi
    cat <<'HTML'
  <text class="axis-label x" x="335" y="296" text-anchor="middle">time (days)</text>
  <text class="axis-label y" x="56" y="14">@SIZE_Y@</text>
</svg>
</figure>
HTML
    if [ "$frontier" -eq 1 ]; then
      cat <<'HTML'

<figure class="chart" id="chart-frontier">
<figcaption>Frontier: insurance fund size against p99 socialized loss</figcaption>
<svg viewBox="0 0 640 300" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="frontier">
  <line class="axis" x1="50" y1="280" x2="620" y2="280"/><line class="axis" x1="50" y1="20" x2="50" y2="280"/>
  <polyline points="70,40 140,120 210,175 280,210 350,235 420,250 490,260 560,266" fill="none" stroke="#6a3d9a" stroke-width="2"/>
  <circle cx="70" cy="40" r="5" fill="#6a3d9a"/><circle cx="140" cy="120" r="5" fill="#6a3d9a"/>
  <circle cx="210" cy="175" r="5" fill="#6a3d9a"/><circle cx="280" cy="210" r="5" fill="#6a3d9a"/>
  <circle cx="350" cy="235" r="5" fill="#6a3d9a"/><circle cx="420" cy="250" r="5" fill="#6a3d9a"/>
  <text x="52" y="296">fund 0</text><text x="560" y="296">fund 10 M</text>
  <text class="axis-label x" x="335" y="296" text-anchor="middle">insurance fund (USDC)</text>
  <text class="axis-label y" x="56" y="14">p99 socialized loss (USDC)</text>
</svg>
</figure>
HTML
    fi
    cat <<'HTML'

<figure class="chart" id="chart-adl">
<figcaption>ADL: taken against needed per wave</figcaption>
<svg viewBox="0 0 640 300" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="adl">
  <line class="axis" x1="50" y1="280" x2="620" y2="280"/><line class="axis" x1="50" y1="20" x2="50" y2="280"/>
  <rect x="70" y="120" width="20" height="160" fill="#999"/><rect x="95" y="60" width="20" height="220" fill="#d9534f"/>
  <text x="60" y="296">wave 1</text><text x="560" y="296">wave 28</text>
  <text class="axis-label x" x="335" y="296" text-anchor="middle">wave (order)</text>
  <text class="axis-label y" x="56" y="14">amount (USD)</text>
</svg>
</figure>
HTML
    printf '%s\n' "$extra"
    if [ "$mark" -eq 1 ]; then
      echo "<script>document.body.dataset.chartsRendered = String(document.querySelectorAll('figure.chart svg').length);</script>"
    fi
    printf '</body>\n</html>\n'
  } | sed -e "s|@LOSS_EXTRA@|$loss_extra|" -e "s|@SIZE_Y@|$size_y|" >"$file"
}

failures=0
# expect NAME pass|fail|skip [FAIL-LINE-PATTERN...]: run check_report.sh on OUT/NAME.html and
# compare with the expectation; for a failure, each pattern must match one of its FAIL lines.
expect() {
  local name=$1 want=$2 got output status pattern
  shift 2
  output=$("$check" "$out/$name.html" "$out/$name" 2>&1)
  status=$?
  case $status in 0) got=pass ;; 1) got=fail ;; 77) got=skip ;; *) got="exit $status" ;; esac
  printf '%s\n' "$output" >"$out/$name.out"
  local ok=1
  [ "$got" = "$want" ] || ok=0
  for pattern in "$@"; do
    grep -Eq "^FAIL: $pattern" <<<"$output" || { ok=0; echo "  missing: FAIL: $pattern"; }
  done
  if [ $ok -eq 1 ]; then
    echo "ok: $name: check_report.sh says $got, as expected"
  else
    echo "NOT OK: $name: check_report.sh says $got, expected $want (output below, also in $out/$name.out)"
    printf '%s\n' "$output" | sed 's/^/  | /'
    failures=$((failures + 1))
  fi
}

write_page "$out/good.html"
write_page "$out/throw.html" "extra=<script>throw new Error('boom');</script>"
write_page "$out/undefined.html" "extra=<script>drawLegend(document.body);</script>"
write_page "$out/late-error.html" \
  "extra=<script>window.addEventListener('load', function () { setTimeout(function () { null.chart.redraw(); }, 200); });</script>"
write_page "$out/three-charts.html" no-frontier
write_page "$out/empty-svg.html" empty-size
write_page "$out/no-script.html" no-mark
write_page "$out/external.html" "extra=<script src=\"https://cdn.example.com/d3.min.js\"></script>"

expect good pass
expect throw fail "no script errors"
expect undefined fail "no script errors"
expect late-error fail "no script errors"
expect three-charts fail "charts:" "script ran:"
expect empty-svg fail "chart chart-size:"
expect no-script fail "script ran:"
expect external fail "self-contained:"
write_page "$out/overlap.html" overlap
expect overlap fail "labels overlap: chart-loss:"
write_page "$out/no-units.html" no-units
expect no-units fail "axes: chart-size:"
cp "$out/good.html" "$out/skip.html"
CHROMIUM=/nonexistent/chromium expect skip skip

if [ $failures -eq 0 ]; then
  echo "PASS: check_report.sh passes the good page and fails every broken one"
  exit 0
fi
echo "FAIL: $failures expectation(s) did not hold (pages and outputs in $out)"
exit 1
