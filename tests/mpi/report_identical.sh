#!/usr/bin/env bash
# The stress test under mpirun writes the same report, byte for byte, as one process alone.
#   report_identical.sh STRESS_TEST WORK_DIR CASE NP [ARGS...]
# NP 0: the process alone, the reference (the ctest fixture that runs first). Otherwise NP ranks
# under mpirun; report.json, report.html and csv/ must equal the reference's, and the console must
# say how many processes and threads ran.
set -euo pipefail
stress_test=$1 work=$2 case_name=$3 np=$4
shift 4
here="$(cd "$(dirname "$0")" && pwd)"
alone="$work/$case_name/alone"
mkdir -p "$work/$case_name"
if [ "$np" -eq 0 ]; then
  rm -rf "$alone"
  "$stress_test" "$@" --out "$alone" > "$alone.txt"
  grep -q "on 1 process x" "$alone.txt" || { cat "$alone.txt"; echo "no 'on 1 process x' line" >&2; exit 1; }
  exit 0
fi
out="$work/$case_name/np$np"
rm -rf "$out"
"$here/mpirun.sh" "$np" "$stress_test" "$@" --out "$out" > "$out.txt"
said="on $np processes x"
[ "$np" -eq 1 ] && said="on 1 process x"
grep -q "$said" "$out.txt" || { cat "$out.txt"; echo "no '$said' line" >&2; exit 1; }
[ -f "$alone/report.json" ] || { echo "no reference report at $alone (its fixture failed?)" >&2; exit 1; }
cmp "$alone/report.json" "$out/report.json"
diff -r "$alone" "$out"
echo "np $np: report.json, report.html and csv/ identical to the process alone"
