#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what hvcore's builds and tests need, from Debian's packages only.
# As root it runs apt-get; otherwise it prints the exact line to run and fails.
set -euo pipefail

packages=(cmake make gcc clang libclang-rt-14-dev pkg-config libcmocka-dev
          valgrind qemu-system-x86 binutils checkpolicy libsepol-dev gnuplot-nox)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "hvcore needs these Debian packages: ${missing[*]}" >&2
  echo "Run as root:  $line" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
