#!/usr/bin/env bash
# Installs the Debian 12 packages zhixian needs to build, run and test; skips what is there.
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite and benchmarks use)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost1.74-dev libboost-system1.74-dev nlohmann-json3-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libicu-dev libopencc-dev opencc
  libfriso-dev friso-dict python3-jieba
  libxapian-dev libfasttext-dev
  libssl-dev libgcrypt20-dev libargon2-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev wrk curl)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "Installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
