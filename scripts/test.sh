#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
# The direction of dependencies (src/LAYERS, docs/ARCHITECTURE.md), in a second rather than
# after the build; also CTest's layers_test.
/usr/bin/python3 scripts/check_layers.py
scripts/build.sh
# The chat page's browser tests (tests/web) need their npm packages (playwright-core, pinned in
# package-lock.json); no browser is downloaded: they drive /usr/bin/chromium.
(cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
# Fuzz smoke (fuzz/, docs/fuzzing.md): every libFuzzer target for 20 s from its seeds, in its
# own clang tree build-fuzz (ASan + UBSan); skipped where clang++-14 is missing.
if command -v clang++-14 >/dev/null; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DZX_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j"$(nproc)" --target zx_fuzzers
  (cd build-fuzz && ctest --output-on-failure -j"$(nproc)")
fi
cd build
ctest --output-on-failure --timeout 600 -j"$(nproc)"
