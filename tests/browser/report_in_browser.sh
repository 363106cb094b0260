#!/usr/bin/env bash
# The browser test: the demo writes a (small) report, then headless Chromium opens it, takes a
# screenshot and checks its five charts, their labels (none overlaps, axes with units) and that no
# script failed (check_report.sh). The full grid (every margin x penalty pair) puts the most
# points and labels in the frontier chart.
#   report_in_browser.sh STRESS_TEST_BINARY OUT_DIR
# Exit codes: 0 pass, 1 fail, 77 Chromium is not installed (skipped, with the reason printed).
set -uo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 STRESS_TEST_BINARY OUT_DIR" >&2
  exit 2
fi
binary=$1
out_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out_dir"
mkdir -p "$out_dir"
if ! "$binary" --paths 60 --traders 300 --days 5 --full-grid --threads 1 --quiet --out "$out_dir/report" \
     > "$out_dir/stress_test.out"; then
  echo "FAIL: the demo could not write the report:"
  cat "$out_dir/stress_test.out"
  exit 1
fi
exec "$here/check_report.sh" "$out_dir/report/report.html" "$out_dir"
