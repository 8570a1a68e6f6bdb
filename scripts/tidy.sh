#!/usr/bin/env bash
# Runs clang-tidy (checks in .clang-tidy) over the production sources of src/ (not *_test.cc),
# in parallel, from build/compile_commands.json; exits non-zero on any finding.
# Usage: scripts/tidy.sh [BUILD_DIR] [FILE_REGEX]
#   BUILD_DIR   a configured tree (default build; scripts/build.sh makes it). Only configuring is
#               needed: the include roots of cmake/ZxLibrary.cmake are made at configure time.
#   FILE_REGEX  which files (Python regex on the absolute path; default every src/**/*.cc that
#               is not a test), e.g. 'src/(base|text)/' while working on a module.
# Jobs: ZX_TIDY_JOBS (default: the number of cores). Needs clang-tidy-14 and run-clang-tidy-14
# (scripts/install-deps.sh --test).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
root="$(pwd)"
files="${2:-^${root}/src/(?!.*_test\.cc$).*\.cc$}"
if [[ ! -f "${build}/compile_commands.json" ]]; then
  echo "tidy: no ${build}/compile_commands.json; run scripts/build.sh (or cmake -S . -B ${build})" >&2
  exit 2
fi
# Only the sources whose input changed since tidy last found them clean (scripts/tidy_cache.py,
# .ci/tidy-clean): the whole tree takes about 20 minutes on 2 cores. ZX_TIDY_ALL=1: every one.
rm -f "${build}/tidy-pending.json"  # the keys a `need` of an earlier run saw (tidy_cache.py)
if [[ "${ZX_TIDY_ALL:-0}" != 1 ]]; then
  need="$(/usr/bin/python3 scripts/tidy_cache.py need "${build}" "${files}")"
  if [[ -z "${need}" ]]; then
    echo "tidy: every source is as it was when tidy last found it clean (.ci/tidy-clean)"
    exit 0
  fi
  echo "tidy: $(tr '|' '\n' <<<"${need}" | wc -l) source(s) to look at (the rest are as tidy last found them clean)"
  files="${need}"
fi
set +eo pipefail
PYTHONUNBUFFERED=1 run-clang-tidy-14 -clang-tidy-binary "$(command -v clang-tidy-14)" -p "${build}" \
  -j "${ZX_TIDY_JOBS:-$(nproc)}" -quiet "${files}" 2>&1 |
  # Plain text for CI logs (run-clang-tidy always asks for colour), without clang-tidy's chatter
  # (counts of suppressed warnings in system headers).
  sed -u 's/\x1b\[[0-9;]*m//g' |
  grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter=|^Running clang-tidy|^$'
status=("${PIPESTATUS[@]}")
if [[ ${status[0]} -ne 0 ]]; then
  echo "tidy: findings above (checks in .clang-tidy; fix them, or NOLINT(check): why)" >&2
else
  /usr/bin/python3 scripts/tidy_cache.py record "${build}" "${files}"
fi
exit "${status[0]}"
