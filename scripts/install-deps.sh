#!/usr/bin/env bash
# Installs the Debian 12 packages zhixian needs to build, run and test; skips what is there.
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite and benchmarks use)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost1.74-dev libboost-system1.74-dev nlohmann-json3-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libpq-dev libicu-dev libopencc-dev opencc
  libfriso-dev friso-dict python3-jieba
  libxapian-dev libfasttext-dev
  libminizip-dev libexpat1-dev libxlsxwriter-dev libpoppler-cpp-dev
  libssl-dev libgcrypt20-dev libargon2-dev
  libre-dev libspandsp-dev libspeexdsp-dev libespeak-ng-dev libwebrtc-audio-processing-dev
)
# The staff console (web/console) is built with Node and npm by scripts/run.sh and
# scripts/test.sh (Vite 6: Node 18 or later; Debian 12's nodejs 18 will do). A machine with
# NodeSource's node keeps it (Debian's npm would conflict with it).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
if command -v node >/dev/null &&
  ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)'; then
  echo "install-deps: node $(node -v) is too old to build the staff console (web/console" \
    "needs Node 18 or later: Debian 12's nodejs, or NodeSource's)" >&2
fi
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev wrk curl sip-tester baresip-core)
  # Security tests (tests/security: the sqlite3 CLI tampers with the audit log) and the
  # libFuzzer targets (fuzz/, docs/fuzzing.md: clang 14 with its sanitizer runtimes).
  packages+=(sqlite3 clang-14 libclang-rt-14-dev)
  # The clang-tidy pass (scripts/tidy.sh, .clang-tidy): clang-tidy-14 has run-clang-tidy-14.
  packages+=(clang-tidy-14)
  # The SIP exposure test reads the listen queue of the SIP/TCP port with `ss` (tests/sip).
  packages+=(iproute2)
  # The browser tests (tests/web, tests/console): Debian's Chromium driven by npm
  # playwright-core (no browser download), and a CJK font for legible screenshots.
  packages+=(chromium fonts-wqy-microhei)
  # The deployment examples run as written (tests/deploy): nginx in front of the HTTP server,
  # HAProxy in front of several nodes (health checks), Kamailio in front of the SIP nodes. None
  # may be left running by the install (below).
  packages+=(nginx-light haproxy kamailio)
  # Every database-touching test runs on PostgreSQL too: scripts/pg_test_cluster.sh starts a
  # throw-away cluster (initdb and pg_ctl as a plain user), never the system's service.
  packages+=(postgresql-15)
  # Policy-document import tests (src/text/document_text_test.cc): a PDF with an open password.
  packages+=(qpdf)
  # The API description's test (tests/api: api/openapi.yaml parsed, its $refs and the routes
  # the code registers) reads the YAML with PyYAML.
  packages+=(python3-yaml)
  # The language-model tests serve the fake engine over HTTPS with a certificate made by the
  # openssl command (tests/llm).
  packages+=(openssl)
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
# Debian's nginx and haproxy start their services when installed, also without systemd (through
# invoke-rc.d); kamailio's systemd unit would too (its init script has RUN_KAMAILIO=no). A
# policy-rc.d that says "no" (101) for the install's duration stops that, unless the machine
# has one already (containers do).
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# scripts/install-deps.sh: no service starts during the install\nexit 101\n' |
    $sudo tee $policy >/dev/null
  $sudo chmod 755 $policy
  trap '$sudo rm -f $policy' EXIT
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
