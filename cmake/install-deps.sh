#!/usr/bin/env bash
# Installs what backstop needs to build and test, from Debian packages only. Idempotent: when
# everything is present it prints nothing and touches nothing. Uses sudo when not root.
#   install-deps.sh [--benchmarks]
# --benchmarks also installs what the benchmark scripts need (python3-numpy), as required.
# Optional packages (chromium, for the browser test of the HTML report) are tried too; when they
# cannot be installed (no root, no package registry) one warning goes to stderr, the script still
# succeeds, and the tests that need them skip.
set -euo pipefail

required=(
  cmake ninja-build g++ clang          # toolchain (clang for the second compiler)
  libclang-rt-14-dev                   # libFuzzer and clang's sanitizer runtimes (fuzz/)
  clang-19 clang-tools-19              # clang-repl-19 (in clang-tools-19), the notebooks' interpreter (tests/notebook)
  catch2 libfmt-dev libboost-dev       # test framework, formatting, Multiprecision
  libbenchmark-dev                     # Google Benchmark
  librandom123-dev                     # Random123: the tests' reference for the lab's Philox
  nlohmann-json3-dev libcli11-dev      # JSON and command-line parsing
  libopenmpi-dev openmpi-bin           # MPI (Open MPI 4.1): the lab over several processes (BACKSTOP_WITH_MPI)
  libquantlib0-dev                     # QuantLib 1.29: the options pricing checked against it (BACKSTOP_QUANTLIB_TESTS)
)
optional=(
  chromium                             # headless browser for tests/browser (skips without it)
)

for arg in "$@"; do
  case $arg in
    --benchmarks) required+=(python3-numpy) ;;  # the benchmark scripts' analysis
    -h | --help)
      echo "usage: $0 [--benchmarks]"
      exit 0 ;;
    *)
      echo "install-deps: unknown argument: $arg (usage: $0 [--benchmarks])" >&2
      exit 2 ;;
  esac
done

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
missing=()
for package in "${required[@]}"; do
  installed "$package" || missing+=("$package")
done
missing_optional=()
for package in "${optional[@]}"; do
  installed "$package" || missing_optional+=("$package")
done
[ ${#missing[@]} -eq 0 ] && [ ${#missing_optional[@]} -eq 0 ] && exit 0

warn_optional() {
  echo "install-deps: warning: could not install optional ${missing_optional[*]} ($1); the browser test will be skipped" >&2
}

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  # Only optional packages missing: never wait for a password (this runs before every test run).
  if [ ${#missing[@]} -eq 0 ]; then as_root=(sudo -n); else as_root=(sudo); fi
else
  if [ ${#missing[@]} -ne 0 ]; then
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  warn_optional "need root or sudo"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -ne 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  "${as_root[@]}" apt-get update -qq >/dev/null
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  updated=1
else
  updated=0
fi

if [ ${#missing_optional[@]} -ne 0 ]; then
  # Bounded, quiet attempts: a missing registry or an unreachable mirror is only a warning.
  apt_options=(-qq -o Acquire::Retries=0 -o Acquire::http::Timeout=20 -o Acquire::https::Timeout=20)
  if [ "${as_root[*]}" = "sudo -n" ] && ! sudo -n true 2>/dev/null; then
    warn_optional "sudo needs a password"
  elif [ $updated -eq 0 ] && ! "${as_root[@]}" apt-get "${apt_options[@]}" update >/dev/null 2>&1; then
    warn_optional "apt-get update failed"
  elif ! "${as_root[@]}" apt-get "${apt_options[@]}" install -y --no-install-recommends \
      "${missing_optional[@]}" >/dev/null 2>&1; then
    warn_optional "apt-get install failed"
  else
    echo "install-deps: installed optional ${missing_optional[*]}" >&2
  fi
fi
exit 0
