#!/usr/bin/env bash
# Configures and builds zhixian into build/ (the binary is build/zhixian). Arguments go to the
# configure step (e.g. -DZX_BUILD_BENCH=OFF); ZX_BUILD_TARGETS="zhixian ..." builds only those
# targets (scripts/run.sh: the server alone), otherwise everything (tests and benchmarks too).
set -euo pipefail
cd "$(dirname "$0")/.."
# ZX_DEBUG_INFO (full|lines) and ZX_UNIT_TESTS_ELSEWHERE (OFF|ON): CMakeLists.txt; given every
# time so that a tree configured by scripts/test.sh is set back by scripts/run.sh.
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DZX_DEBUG_INFO="${ZX_DEBUG_INFO:-full}" -DZX_UNIT_TESTS_ELSEWHERE="${ZX_UNIT_TESTS_ELSEWHERE:-OFF}" \
  "$@" >/dev/null
# shellcheck disable=SC2086  # the targets are words
cmake --build build -j"$(nproc)" ${ZX_BUILD_TARGETS:+--target $ZX_BUILD_TARGETS}
