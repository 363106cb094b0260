#!/usr/bin/env bash
# mpirun for the tests: more ranks than cores allowed (--oversubscribe: CI has two cores and the
# tests run three ranks), and as root where CI runs as root (Open MPI refuses it otherwise).
#   mpirun.sh NP PROGRAM ARGS...        (MPIRUN_FLAGS: more mpirun options, e.g. --bind-to none)
set -euo pipefail
np=$1
shift
flags=(--oversubscribe -np "$np")
# shellcheck disable=SC2206  # split on purpose: a list of options
[ -n "${MPIRUN_FLAGS:-}" ] && flags+=(${MPIRUN_FLAGS})
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
exec mpirun "${flags[@]}" "$@"
