#!/usr/bin/env bash
# Price-path generation per core, C++ next to numpy, on the same models (GarchJump: GARCH(1,1)
# with unit-variance Student-t shocks plus Merton jumps; GarchT: the same without jumps; default
# parameters, 720 hourly steps a path). Builds the gcc-release preset's risk_benchmark if needed,
# runs BM_path_garch_jump and BM_path_garch_t and benchmarks/price_paths_numpy.py for each model,
# all pinned to one CPU and single-threaded, and prints nanoseconds per path-step and the ratios. Both figures are the best of 5 runs (CPU
# time). The numpy script also checks its own output's moments and fails if they are off.
#
#   benchmarks/price_paths_vs_numpy.sh [cpu]      (cpu to pin to: default 0)
#
# Needs Debian's python3 with python3-numpy (cmake/install-deps.sh --benchmarks installs it).
set -euo pipefail

cpu=${1:-0}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=/usr/bin/python3  # Debian's python, the one python3-numpy installs into
build=build/gcc-release
steps=720                # BM_path_garch_jump's path length (risk_benchmark.cpp)

cmake/install-deps.sh --benchmarks

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake --preset gcc-release >/dev/null
fi
cmake --build --preset gcc-release --target risk_benchmark >/dev/null

cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "CPU: ${cpu_model} (pinned to CPU ${cpu}); $(g++ --version | head -1); numpy $("$python" -c 'import numpy; print(numpy.__version__)')"

# C++: 5 repetitions of at least 0.5 s; best CPU time per path-step (720 steps a path).
json=$(mktemp)
trap 'rm -f "$json"' EXIT
cpp_ns_per_step() {  # $1: the benchmark's name
  taskset -c "$cpu" "$build/benchmarks/risk_benchmark" --benchmark_filter="^$1\$" \
    --benchmark_repetitions=5 --benchmark_min_time=0.5 \
    --benchmark_out="$json" --benchmark_out_format=json >/dev/null 2>&1
  "$python" - "$json" "$steps" <<'EOF2'
import json, sys
runs = [b for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("run_type") == "iteration"]
scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Both time a whole path an iteration and report items = path-steps.
b = min(runs, key=lambda b: b["cpu_time"])
per_iteration = b["cpu_time"] * scale[b["time_unit"]]
steps_per_iteration = b["items_per_second"] * per_iteration / 1e9 if "items_per_second" in b else int(sys.argv[2])
print(f"{per_iteration / steps_per_iteration:.2f}")
EOF2
}

# numpy: 10,000 paths x 720 steps, best of 5, single-threaded (numpy's random draws are
# single-threaded anyway; the variables keep a threaded BLAS out of the arithmetic).
numpy_ns_per_step() {  # $1: the model
  local out
  out=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    taskset -c "$cpu" "$python" benchmarks/price_paths_numpy.py --model "$1" --paths 10000 --steps "$steps" --repeats 5)
  echo "$out" | sed 's/^/  numpy: /' >&2
  echo "$out" | sed -n 's/^numpy_ns_per_path_step=//p'
}

for pair in "garch_jump BM_path_garch_jump" "garch_t BM_path_garch_t"; do
  set -- $pair
  cpp_ns=$(cpp_ns_per_step "$2")
  numpy_ns=$(numpy_ns_per_step "$1")
  "$python" - "$1" "$2" "$cpp_ns" "$numpy_ns" <<'EOF2'
import sys
model, bench, cpp, numpy = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
print(f"{model}: C++ {bench}: {cpp:8.2f} ns per path-step ({1e3 / cpp:6.1f} M path-steps/s)")
print(f"{model}: numpy (10,000 paths): {numpy:8.2f} ns per path-step ({1e3 / numpy:6.1f} M path-steps/s)")
print(f"{model}: C++ is {numpy / cpp:.2f}x numpy per core (issue 19's target: 20x)")
EOF2
done
