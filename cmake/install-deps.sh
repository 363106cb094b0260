#!/usr/bin/env bash
# Installs what backstop needs to build and test, from Debian packages only. Idempotent: when
# everything is present it prints nothing and touches nothing. Uses sudo when not root.
set -euo pipefail

packages=(
  cmake ninja-build g++ clang          # toolchain (clang for the second compiler)
  catch2 libfmt-dev libboost-dev       # test framework, formatting, Multiprecision
  libbenchmark-dev                     # Google Benchmark
  librandom123-dev                     # Philox, for the risk lab
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
