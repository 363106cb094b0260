#!/usr/bin/env bash
# Fuzzes from a scratch copy of a checked-in corpus, so a test run never writes the repository:
#   run_fuzzer.sh <fuzzer binary> <corpus directory> <work directory> [libFuzzer options...]
# The copy is <work>/corpus (replaced on each run); new inputs and crash files stay in <work>.
# To keep what a run found, merge it back by hand (docs/reliability.md):
#   <fuzzer> -merge=1 fuzz/corpus/<target> <work>/corpus
set -euo pipefail
fuzzer=$1 corpus=$2 work=$3
shift 3
rm -rf "$work/corpus"
mkdir -p "$work/corpus"
cp "$corpus"/* "$work/corpus/" 2>/dev/null || true  # an empty corpus is fine
exec "$fuzzer" -artifact_prefix="$work/" -print_final_stats=1 "$@" "$work/corpus"
