#!/usr/bin/env bash
# Paths per second of the lab over MPI ranks x threads on this machine, and what the ranks cost:
# mpirun's launch (the command's wall time less the program's), MPI start-up (MPI_Init_thread)
# and the gather of every rank's paths. Needs the gcc-release build (BACKSTOP_WITH_MPI).
# Efficiency: paths per second over (1 rank x 1 thread's) x workers, workers = ranks x threads
# up to this machine's cores; the digest shows every configuration computed the same paths.
#
# Open MPI binds each rank to one core by default (at most two ranks): a rank's threads would
# share it. The ranks here are not bound (--bind-to none); on a cluster give each rank its cores
# (--map-by slot:PE=THREADS, docs/scale.md).
#
#   benchmarks/mpi_scaling.sh [PATHS] [BUILD_DIR]     (default 400 paths of the demo scenario)
set -euo pipefail
export MPIRUN_FLAGS="--bind-to none"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
paths=${1:-400}
build=${2:-$root/build/gcc-release}
bin=$build/benchmarks/mpi_scaling
cores=$(nproc)
echo "CPU: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $cores cores; $(mpirun --version | head -1)"
echo "| ranks x threads | paths/s | efficiency | wall of mpirun (s) | run (s) | launch + start-up (s) | MPI_Init (s) | gather in the run, with the wait for the slowest rank (s) | gather alone (ms) | gathered (bytes) | digest |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
base=""
for config in "1 1" "1 2" "2 1" "2 2" "3 1" "4 1"; do
  read -r ranks threads <<< "$config"
  start=$(date +%s.%N)
  line=$("$root/tests/mpi/mpirun.sh" "$ranks" "$bin" "$paths" "$threads")
  end=$(date +%s.%N)
  read -r r t p seconds init gather alone bytes digest <<< "$line"
  alone_ms=$(awk -v a="$alone" 'BEGIN { printf "%.3f", a * 1000 }')
  rate=$(awk -v p="$p" -v s="$seconds" 'BEGIN { printf "%.2f", p / s }')
  [ -z "$base" ] && base=$rate
  workers=$(( r * t < cores ? r * t : cores ))
  efficiency=$(awk -v x="$rate" -v b="$base" -v w="$workers" 'BEGIN { printf "%.2f", x / (b * w) }')
  wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
  overhead=$(awk -v w="$wall" -v s="$seconds" 'BEGIN { printf "%.2f", w - s }')
  echo "| $r x $t | $rate | $efficiency | $wall | $seconds | $overhead | $init | $gather | $alone_ms | $bytes | $digest |"
done
