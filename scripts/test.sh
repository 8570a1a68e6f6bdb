#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
# The direction of dependencies (src/LAYERS, docs/ARCHITECTURE.md), in a second rather than
# after the build; also CTest's layers_test.
/usr/bin/python3 scripts/check_layers.py
# Two trees. build-fuzz (clang-14, ASan + UBSan, docs/fuzzing.md), skipped where clang++-14 is
# missing: fuzz smoke (every libFuzzer target for 20 s from its seeds, label "fuzz") and every
# unit test (zx_test under src/, label "unit", target zx_unit_tests) under the sanitizers; the
# libraries are built once for both. LeakSanitizer is on (ASan's default); any UBSan report
# aborts (-fno-sanitize-recover). build (gcc, optimised): the server, the integration tests and
# the benchmarks, and the unit tests that time something (named *Speed*, *Fast*, *Quickly*, and
# the corrector's dictionary test, which times its load; their binaries are marked TIMING in
# CMake): the sanitizers make everything several times slower. Where clang is missing, build
# holds and runs every unit test. Both trees carry line tables only, not full debug information
# (stack traces keep file and line; a quarter less compile time), and build-fuzz is built at -O1,
# as ASan recommends.
timing_tests="*Speed*:*Fast*:*Quickly*:Corrector.GeneralDictionaryAsKnownWords"
sanitized=0
command -v clang++-14 >/dev/null && sanitized=1
export ZX_DEBUG_INFO=lines
if [ "$sanitized" = 1 ]; then export ZX_UNIT_TESTS_ELSEWHERE=ON; fi
scripts/build.sh
# The chat page's browser tests (tests/web) need their npm packages (playwright-core, pinned in
# package-lock.json); no browser is downloaded: they drive /usr/bin/chromium.
(cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
# The staff console (web/console): its npm packages (pinned in package-lock.json) and its build
# (dist/, not committed), which `zhixian serve` serves at /console/; and its browser tests'
# packages (tests/console: playwright-core, axe-core).
(cd web/console && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
(cd tests/console && npm ci --no-audit --no-fund --loglevel=error)
# clang-tidy (.clang-tidy) over all production code of src/ (not the tests), from
# build/compile_commands.json; any finding fails the run.
scripts/tidy.sh build
# PostgreSQL beside SQLite: a throw-away cluster on a loopback port (scripts/pg_test_cluster.sh),
# removed when the run ends. The storage conformance tests and every test registered with
# zx_test(... DATABASE) (its "_pg" twin, label "postgres") run against it.
pg_dir=$(mktemp -d /tmp/zx-pg-XXXXXX)
pg_cluster="$PWD/scripts/pg_test_cluster.sh"  # the trap runs after `cd build` below
# One classifier model directory (knowledge.model_dir) for every server and command the tests
# start: each test's fresh data directory then loads the model of the shipped knowledge base
# instead of training it again (seconds each, a few minutes over the suite).
models_dir=$(mktemp -d /tmp/zx-models-XXXXXX)
export ZHIXIAN_KNOWLEDGE_MODEL_DIR="$models_dir"
trap '"$pg_cluster" stop "$pg_dir"; rm -rf "$models_dir"' EXIT
ZX_TEST_POSTGRES_URL=$(scripts/pg_test_cluster.sh start "$pg_dir")
export ZX_TEST_POSTGRES_URL
if [ "$sanitized" = 1 ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DZX_FUZZ=ON -DZX_BUILD_TESTS=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g -DNDEBUG" \
    -DZX_DEBUG_INFO=lines >/dev/null
  cmake --build build-fuzz -j"$(nproc)" --target zx_fuzzers zx_unit_tests
  (cd build-fuzz && ctest --output-on-failure -j"$(nproc)" -L fuzz)
  (cd build-fuzz && GTEST_FILTER="-$timing_tests" UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure --timeout 900 -j"$(nproc)" -L unit)
fi
cd build
if [ "$sanitized" = 1 ]; then
  ctest --output-on-failure --timeout 600 -j"$(nproc)" -LE unit
  GTEST_FILTER="$timing_tests" ctest --output-on-failure --timeout 600 -j"$(nproc)" -L unit
else
  ctest --output-on-failure --timeout 600 -j"$(nproc)"
fi
