#!/usr/bin/env bash
# The README's demo command, timed as a new user meets it: a fresh clone of this repository
# (committed state) in a temporary folder, then `examples/demo`, which configures, builds the
# stress test and runs the default scenario. Prints the wall time of the whole command and the
# run's own time (the line "ran in ... s"). Dependencies are assumed installed (the demo's
# install step is then a no-op); the compiler cache is not used.
#
#   benchmarks/demo_wall_time.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone -q "$root" "$work/backstop"
cd "$work/backstop"
start=$(date +%s.%N)
examples/demo --out "$work/report" > "$work/demo.out"
end=$(date +%s.%N)
test -s "$work/report/report.html"
echo "CPU: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores; $(g++ --version | head -1)"
grep -E "^(backstop stress test|ran in)" "$work/demo.out"
awk -v s="$start" -v e="$end" 'BEGIN { printf "examples/demo from a fresh clone: %.1f s wall (configure + build + run)\n", e - s }'
