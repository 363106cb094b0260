#!/usr/bin/env bash
# Price-path generation per core, C++ next to numpy, on the same model (GarchJump: GARCH(1,1)
# with unit-variance Student-t shocks plus Merton jumps, its default parameters, 720 hourly steps
# a path). Builds the gcc-release preset's risk_benchmark if needed, runs BM_path_garch_jump and
# benchmarks/price_paths_numpy.py, both pinned to one CPU and single-threaded, and prints
# nanoseconds per path-step for each and their ratio. Both figures are the best of 5 runs (CPU
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

# C++: 5 repetitions of at least 0.5 s; best CPU time per path (720 steps).
json=$(mktemp)
trap 'rm -f "$json"' EXIT
taskset -c "$cpu" "$build/benchmarks/risk_benchmark" --benchmark_filter='^BM_path_garch_jump$' \
  --benchmark_repetitions=5 --benchmark_min_time=0.5 \
  --benchmark_out="$json" --benchmark_out_format=json >/dev/null 2>&1
cpp_ns=$("$python" - "$json" "$steps" <<'EOF'
import json, sys
runs = [b for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("run_type") == "iteration"]
scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
print(f"{min(b['cpu_time'] * scale[b['time_unit']] for b in runs) / int(sys.argv[2]):.2f}")
EOF
)

# numpy: 10,000 paths x 720 steps, best of 5, single-threaded (numpy's random draws are
# single-threaded anyway; the variables keep a threaded BLAS out of the arithmetic).
numpy_out=$(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  taskset -c "$cpu" "$python" benchmarks/price_paths_numpy.py --paths 10000 --steps "$steps" --repeats 5)
echo "$numpy_out" | sed 's/^/  numpy: /'
numpy_ns=$(echo "$numpy_out" | sed -n 's/^numpy_ns_per_path_step=//p')

"$python" - "$cpp_ns" "$numpy_ns" <<'EOF'
import sys
cpp, numpy = float(sys.argv[1]), float(sys.argv[2])
print(f"C++   BM_path_garch_jump: {cpp:8.2f} ns per path-step ({1e3 / cpp:6.1f} M path-steps/s)")
print(f"numpy (10,000 paths):     {numpy:8.2f} ns per path-step ({1e3 / numpy:6.1f} M path-steps/s)")
print(f"C++ is {numpy / cpp:.2f}x numpy per core (target: 10x)")
EOF
