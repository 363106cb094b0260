#!/usr/bin/env bash
# Opens an HTML stress-test report in headless Chromium and checks that it renders:
#   check_report.sh REPORT_HTML OUT_DIR
# One browser run (a few seconds) writes OUT_DIR/report.png (screenshot), OUT_DIR/dom.html (the
# DOM after the page's scripts ran) and OUT_DIR/chromium.log (Chromium's log), then checks
#   - the screenshot exists, has the window's size and is not a near-empty page;
#   - exactly five <figure class="chart"> with ids chart-fan, chart-loss, chart-size,
#     chart-frontier and chart-adl (the ADL benchmark every report carries), each holding an
#     <svg> with drawn content (path, polyline, rect, ...);
#   - the page's inline script ran: <body data-charts-rendered="5">, as many as the page expects;
#   - no script errors: Chromium logs every console message of the page as a line
#     `[...:INFO:CONSOLE:<line>] "<message>", source: <url> (<line>)`; uncaught exceptions (also
#     in timers, event handlers and promises) appear as "Uncaught ...". For a web page Chromium
#     logs every console level as INFO, so console.error cannot be told from console.log: the
#     report's script has no reason to write to the console, so ANY console message fails;
#   - the page is self-contained: no resource (script, style, image, frame, font) is loaded from
#     anywhere but the page itself (data: URLs and #fragments are fine);
#   - labels never overlap: in each chart's <svg>, no two <text> boxes as Chromium lays them out
#     (getBoundingClientRect, so rotated text counts as drawn) intersect by more than half a pixel;
#   - every chart has labelled axes with units: a <text class="axis-label x"> and a
#     <text class="axis-label y">, each with its unit in parentheses, e.g. "fund balance (USDC)".
# The boxes are measured in the browser: Chromium opens a copy of the page (OUT_DIR/checked.html)
# with one script added at the end of <body> that measures every chart's text and writes what it
# found to <html data-layout-check="JSON">, which the dumped DOM carries. The script only reads
# the layout, so the copy renders as the page does (the screenshot is of it).
# Exit codes: 0 all checks pass, 1 a check failed, 77 Chromium is not installed (skip).
# The browser is kept off the network (no background services, every host name resolves to
# nothing) and bounded by `timeout`, so the test never hangs.
# Environment: CHROMIUM (default /usr/bin/chromium), BROWSER_WINDOW_SIZE (default 1280,2600),
# BROWSER_TIMEOUT (seconds, default 60).
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 REPORT_HTML OUT_DIR" >&2
  exit 2
fi
report=$1
out_dir=$2

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "SKIP: chromium is not installed (cmake/install-deps.sh could not install it): browser test skipped"
  exit 77
fi
# Debian's /usr/bin/chromium is a shell wrapper that sources /etc/chromium.d (Google API keys,
# --enable-remote-extensions, and a /dev/shm check that prints a shell error on some machines):
# run the browser binary behind it directly when it is there.
browser=$chromium
if [ "$chromium" = /usr/bin/chromium ] && [ -x /usr/lib/chromium/chromium ]; then
  browser=/usr/lib/chromium/chromium
fi
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3) || {
  echo "FAIL: setup: python3 (standard library only) is needed to check the page" >&2
  exit 1
}

if [ ! -f "$report" ]; then
  echo "FAIL: setup: report not found: $report"
  exit 1
fi
mkdir -p "$out_dir" || exit 1
out_dir=$(cd "$out_dir" && pwd)
screenshot=$out_dir/report.png
dom=$out_dir/dom.html
log=$out_dir/chromium.log
rm -f "$screenshot" "$dom" "$log"
profile=$(mktemp -d "$out_dir/chromium-profile.XXXXXX") || exit 1
trap 'rm -rf "$profile"' EXIT
# The copy with the measuring script, next to the page (so that relative links resolve as they
# would): before the last </body>, or at the end when there is none.
checked=$out_dir/checked.html
"$python" - "$report" "$checked" <<'PY' || { echo "FAIL: setup: cannot write $checked"; exit 1; }
import sys
MEASURE = r"""<script>(function () {
  var out = [];
  var charts = document.querySelectorAll('figure.chart');
  for (var c = 0; c < charts.length; ++c) {
    var svg = charts[c].querySelector('svg');
    if (!svg) continue;
    var texts = svg.querySelectorAll('text');
    var boxes = [];
    for (var i = 0; i < texts.length; ++i) {
      var r = texts[i].getBoundingClientRect();
      var words = (texts[i].textContent || '').trim();
      if (words && r.width > 0 && r.height > 0) boxes.push({text: words, l: r.left, t: r.top, r: r.right, b: r.bottom});
    }
    var overlaps = [];
    for (var a = 0; a < boxes.length; ++a) {
      for (var b = a + 1; b < boxes.length; ++b) {
        var w = Math.min(boxes[a].r, boxes[b].r) - Math.max(boxes[a].l, boxes[b].l);
        var h = Math.min(boxes[a].b, boxes[b].b) - Math.max(boxes[a].t, boxes[b].t);
        if (w > 0.5 && h > 0.5) overlaps.push([boxes[a].text, boxes[b].text, Math.round(w * 10) / 10, Math.round(h * 10) / 10]);
      }
    }
    var axis = function (which) {
      var found = svg.querySelectorAll('text.axis-label.' + which);
      var labels = [];
      for (var k = 0; k < found.length; ++k) labels.push((found[k].textContent || '').trim());
      return labels;
    };
    out.push({id: charts[c].id || '(no id)', texts: boxes.length, overlaps: overlaps, x: axis('x'), y: axis('y')});
  }
  document.documentElement.setAttribute('data-layout-check', JSON.stringify(out));
})();</script>
"""
page = open(sys.argv[1], encoding="utf-8", errors="replace").read()
at = page.lower().rfind("</body>")
page = page + MEASURE if at < 0 else page[:at] + MEASURE + page[at:]
open(sys.argv[2], "w", encoding="utf-8").write(page)
PY
url=$("$python" -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).resolve().as_uri())' "$checked")
window=${BROWSER_WINDOW_SIZE:-1280,2600}

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# --virtual-time-budget lets the page's timers run (in virtual time, so it costs no wall time)
# before the DOM is dumped; the screenshot is taken by the same run.
# shellcheck disable=SC2054  # the commas are inside --disable-features
flags=(
  --headless --no-sandbox --disable-gpu --no-first-run --no-default-browser-check
  --user-data-dir="$profile" --password-store=basic
  --disable-background-networking --disable-component-update --disable-sync --disable-quic
  --disable-domain-reliability --disable-client-side-phishing-detection --disable-default-apps
  --disable-extensions --no-pings --disable-breakpad
  --disable-features=Translate,MediaRouter,DialMediaRouteProvider,OptimizationHints,AutofillServerCommunication,CertificateTransparencyComponentUpdater
  --host-resolver-rules="MAP * ~NOTFOUND"
  --enable-logging=stderr --v=0 --log-level=0
  --hide-scrollbars --force-device-scale-factor=1 --window-size="$window"
  --screenshot="$screenshot" --dump-dom --virtual-time-budget=5000
)
start=$(date +%s.%N)
timeout -k 5 "${BROWSER_TIMEOUT:-60}" "$browser" "${flags[@]}" "$url" >"$dom" 2>"$log" </dev/null
status=$?
seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [ $status -eq 124 ] || [ $status -eq 137 ]; then
  fail "chromium: timed out after ${BROWSER_TIMEOUT:-60} s (log: $log)"
elif [ $status -ne 0 ]; then
  fail "chromium: exited with status $status (log: $log)"
  tail -n 20 "$log" | sed 's/^/  | /'
else
  pass "chromium: rendered $url in $seconds s"
fi

# Screenshot: a PNG of the window's size. A blank page at 1280x2600 compresses to about 15 kB,
# a page of text alone to about 19 kB; four charts take several times that.
min_png_bytes=30000
if [ -s "$screenshot" ]; then
  png_report=$("$python" - "$screenshot" "$window" "$min_png_bytes" <<'PY'
import os, struct, sys
path, window, min_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "rb") as f:
    head = f.read(24)
size = os.path.getsize(path)
if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
    print("FAIL not a PNG file"); sys.exit()
width, height = struct.unpack(">II", head[16:24])
expected = tuple(int(v) for v in window.split(","))
if (width, height) != expected:
    print(f"FAIL {width}x{height} pixels, expected {expected[0]}x{expected[1]}"); sys.exit()
if size < min_bytes:
    print(f"FAIL {width}x{height}, only {size} bytes (< {min_bytes}): the page looks (nearly) blank"); sys.exit()
print(f"PASS {width}x{height}, {size} bytes")
PY
)
  case $png_report in
    PASS*) pass "screenshot: ${png_report#PASS } ($screenshot)" ;;
    *) fail "screenshot: ${png_report#FAIL } ($screenshot)" ;;
  esac
else
  fail "screenshot: $screenshot was not written"
fi

# The DOM after the scripts ran: charts, the script's mark on <body>, self-containment.
if [ -s "$dom" ]; then
  dom_report=$("$python" - "$dom" <<'PY'
import re, sys
from html.parser import HTMLParser

EXPECTED = ["chart-fan", "chart-loss", "chart-size", "chart-frontier", "chart-adl"]
DRAWN = {"path", "polyline", "polygon", "rect", "line", "circle", "ellipse"}
# Elements that make the browser fetch what their attribute names.
FETCHING = {"script": "src", "img": "src", "iframe": "src", "frame": "src", "embed": "src",
            "source": "src", "video": "src", "audio": "src", "track": "src", "input": "src",
            "object": "data", "image": "href", "use": "href", "feimage": "href"}
CSS_URL = re.compile(r"""url\(\s*['"]?\s*(?!data:|#)([^'")\s]+)""", re.I)
CSS_IMPORT = re.compile(r"""@import\s+['"]""", re.I)

def local(value):
    value = (value or "").strip()
    return value == "" or value.startswith("#") or value.lower().startswith("data:")

class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.body = None
        self.layout = None         # the measuring script's findings (JSON), from <html>
        self.charts = []           # [id, svg count, drawn element count]
        self.figure_depth = 0      # nesting of <figure> inside the current chart figure
        self.svg_depth = 0
        self.in_style = False
        self.external = []

    def handle_starttag(self, tag, attrs):
        self.element(tag, dict(attrs), closes=False)

    def handle_startendtag(self, tag, attrs):
        self.element(tag, dict(attrs), closes=True)

    def element(self, tag, attrs, closes):
        if tag == "body" and self.body is None:
            self.body = attrs
        if tag == "html" and self.layout is None:
            self.layout = attrs.get("data-layout-check")
        fetched = FETCHING.get(tag)
        for name in ([fetched, "xlink:href"] if fetched else []):
            if name in attrs and not local(attrs[name]):
                self.external.append(f"<{tag} {name}=\"{attrs[name]}\">")
        if tag == "img" and attrs.get("srcset"):
            self.external.append(f"<img srcset=\"{attrs['srcset']}\">")
        if tag == "link" and not local(attrs.get("href")):
            rel = (attrs.get("rel") or "").lower().split()
            if any(r in rel for r in ("stylesheet", "icon", "preload", "modulepreload",
                                       "prefetch", "manifest", "import")):
                self.external.append(f"<link rel=\"{attrs.get('rel')}\" href=\"{attrs['href']}\">")
        for match in CSS_URL.finditer(attrs.get("style") or ""):
            self.external.append(f"style=\"... url({match.group(1)}) ...\"")
        if tag == "style" and not closes:
            self.in_style = True
        if tag == "figure":
            if self.figure_depth:
                self.figure_depth += 0 if closes else 1
            elif "chart" in (attrs.get("class") or "").split():
                self.charts.append([attrs.get("id") or "(no id)", 0, 0])
                self.figure_depth = 0 if closes else 1
                self.svg_depth = 0
            return
        if not self.figure_depth:
            return
        if tag == "svg":
            self.charts[-1][1] += 1
            self.svg_depth += 0 if closes else 1
        elif self.svg_depth and tag in DRAWN:
            self.charts[-1][2] += 1

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        elif tag == "figure" and self.figure_depth:
            self.figure_depth -= 1
        elif tag == "svg" and self.svg_depth:
            self.svg_depth -= 1

    def handle_data(self, data):
        if self.in_style:
            for match in CSS_URL.finditer(data):
                self.external.append(f"<style> url({match.group(1)})")
            if CSS_IMPORT.search(data):
                self.external.append("<style> @import")

with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    page = Page()
    page.feed(f.read())
    page.close()

ids = [chart[0] for chart in page.charts]
if sorted(ids) == sorted(EXPECTED):
    print(f"PASS charts: exactly {len(EXPECTED)} chart figures: {', '.join(ids)}")
else:
    missing = [i for i in EXPECTED if i not in ids]
    extra = [i for i in ids if i not in EXPECTED or ids.count(i) > 1]
    print(f"FAIL charts: {len(ids)} <figure class=\"chart\"> found ({', '.join(ids) or 'none'}); "
          f"expected exactly {', '.join(EXPECTED)}"
          + (f"; missing {', '.join(missing)}" if missing else "")
          + (f"; unexpected or repeated {', '.join(sorted(set(extra)))}" if extra else ""))
for chart_id, svgs, drawn in page.charts:
    if svgs and drawn:
        print(f"PASS chart {chart_id}: <svg> with {drawn} drawn elements")
    elif svgs:
        print(f"FAIL chart {chart_id}: its <svg> draws nothing (no {'/'.join(sorted(DRAWN))})")
    else:
        print(f"FAIL chart {chart_id}: no <svg> inside the figure")

body = page.body or {}
rendered = body.get("data-charts-rendered")
expected = body.get("data-charts-expected")
count = str(len(EXPECTED))
if rendered == count and expected in (None, count):
    print(f"PASS script ran: <body data-charts-rendered=\"{count}\""
          + (f" data-charts-expected=\"{count}\"" if expected else "") + ">")
elif rendered is None:
    print("FAIL script ran: <body> has no data-charts-rendered: the page's inline script did not run "
          "(or did not reach its end)")
else:
    print(f"FAIL script ran: <body data-charts-rendered=\"{rendered}\""
          + (f" data-charts-expected=\"{expected}\"" if expected is not None else "")
          + f">, expected {count}")

# Labels and axes, from the boxes Chromium measured.
import json
UNIT = re.compile(r"\([^()]*[^()\s][^()]*\)")  # a unit in parentheses: (USDC), (%), (days)
try:
    measured = json.loads(page.layout) if page.layout else None
except ValueError:
    measured = None
if measured is None:
    print("FAIL labels: the measuring script left no findings on <html data-layout-check> (it did not run)")
else:
    for chart in measured:
        cid = chart["id"]
        if chart["overlaps"]:
            shown = "; ".join(f"'{a}' and '{b}' ({w} x {h} px)" for a, b, w, h in chart["overlaps"][:4])
            print(f"FAIL labels overlap: {cid}: {len(chart['overlaps'])} pair(s) of its {chart['texts']} texts: {shown}")
        else:
            print(f"PASS labels: {cid}: none of its {chart['texts']} texts overlaps another")
        missing = [w for w in ("x", "y") if not any(UNIT.search(t) for t in chart[w])]
        if missing:
            found = ", ".join(f"{w}: {chart[w] or 'none'}" for w in ("x", "y"))
            print(f"FAIL axes: {cid}: no {' and no '.join(missing)} axis label with a unit in parentheses "
                  f"(<text class=\"axis-label {missing[0]}\">...(unit)</text>; found {found})")
        else:
            print(f"PASS axes: {cid}: x '{chart['x'][0]}', y '{chart['y'][0]}'")

if page.external:
    shown = "; ".join(sorted(set(page.external))[:5])
    print(f"FAIL self-contained: {len(page.external)} resource(s) loaded from outside the page: {shown}")
else:
    print("PASS self-contained: no resource is loaded from outside the page")
PY
)
  while IFS= read -r line; do
    case $line in
      PASS*) pass "${line#PASS }" ;;
      FAIL*) fail "${line#FAIL }" ;;
    esac
  done <<<"$dom_report"
  [ -n "$dom_report" ] || fail "dom: could not check $dom"
else
  fail "dom: Chromium dumped no DOM ($dom is empty)"
fi

# Script errors, from Chromium's log of the page's console (see the top of this file). Older
# Chromiums wrote CONSOLE(<line>), this one writes CONSOLE:<line>: accept both.
console=$(grep -E '^\[[^]]*:CONSOLE[:(][^]]*\]' "$log" 2>/dev/null)
uncaught=$(grep -c '\] "Uncaught' <<<"$console")
if [ -z "$console" ]; then
  if [ $status -eq 0 ]; then
    pass "no script errors: the page wrote nothing to the console (no uncaught exception)"
  else
    fail "no script errors: unknown, Chromium did not finish"
  fi
else
  count=$(wc -l <<<"$console")
  fail "no script errors: $uncaught uncaught exception(s), $count console message(s) in all:"
  sed -E 's/^\[[^]]*\] /  | /' <<<"$console" | head -n 20
fi

if [ $failures -eq 0 ]; then
  echo "PASS: browser check of $report (screenshot $screenshot)"
  exit 0
fi
echo "FAIL: browser check of $report: $failures check(s) failed (see $out_dir)"
exit 1
