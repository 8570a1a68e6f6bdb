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
# clang-tidy (.clang-tidy) over all production code of src/ (not the tests), from
# build/compile_commands.json; any finding fails the run.
scripts/tidy.sh build
# The clang tree build-fuzz (ASan + UBSan, docs/fuzzing.md), skipped where clang++-14 is
# missing: fuzz smoke (every libFuzzer target for 20 s from its seeds, label "fuzz") and every
# unit test (zx_test under src/, label "unit", target zx_unit_tests) under the sanitizers. The
# libraries are built once for both; the unit tests add only their own sources. LeakSanitizer is
# on (ASan's default); any UBSan report aborts (-fno-sanitize-recover). Timing tests (named
# *Speed*, *Fast*, *Quickly*, and the corrector's dictionary test, which times its load) are left
# out there: the sanitizers make everything several times slower. They run in the optimised tree
# below, which runs the other unit tests only where clang is missing (they passed sanitized).
timing_tests="*Speed*:*Fast*:*Quickly*:Corrector.GeneralDictionaryAsKnownWords"
sanitized=0
if command -v clang++-14 >/dev/null; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DZX_FUZZ=ON -DZX_BUILD_TESTS=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j"$(nproc)" --target zx_fuzzers zx_unit_tests
  (cd build-fuzz && ctest --output-on-failure -j"$(nproc)" -L fuzz)
  (cd build-fuzz && GTEST_FILTER="-$timing_tests" UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure --timeout 900 -j"$(nproc)" -L unit)
  sanitized=1
fi
cd build
if [ "$sanitized" = 1 ]; then
  ctest --output-on-failure --timeout 600 -j"$(nproc)" -LE unit
  GTEST_FILTER="$timing_tests" ctest --output-on-failure --timeout 600 -j"$(nproc)" -L unit
else
  ctest --output-on-failure --timeout 600 -j"$(nproc)"
fi
