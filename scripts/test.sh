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
# missing: fuzz smoke (every libFuzzer target for 20 s from its seeds, label "fuzz") and the
# unit tests (zx_test under src/, label "unit") under the sanitizers. The libraries are built
# once for both; the unit tests add only their own sources. LeakSanitizer is on (ASan's
# default); any UBSan report aborts (-fno-sanitize-recover). Timing tests (named *Speed*,
# *Fast*, *Quickly*, and the corrector's dictionary test, which times its load) are left out:
# the sanitizers make everything several times slower.
if command -v clang++-14 >/dev/null; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DZX_FUZZ=ON -DZX_BUILD_TESTS=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  # The unit tests brought clean under the sanitizers so far (the rest follow).
  sanitized_tests="base_test storage_test text_test"
  cmake --build build-fuzz -j"$(nproc)" --target zx_fuzzers $sanitized_tests
  (cd build-fuzz && ctest --output-on-failure -j"$(nproc)" -L fuzz)
  (cd build-fuzz && GTEST_FILTER="-*Speed*:*Fast*:*Quickly*:Corrector.GeneralDictionaryAsKnownWords" \
     UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure --timeout 900 -j"$(nproc)" -L unit \
       -R "^($(echo $sanitized_tests | tr ' ' '|'))\$")
fi
cd build
ctest --output-on-failure --timeout 600 -j"$(nproc)"
