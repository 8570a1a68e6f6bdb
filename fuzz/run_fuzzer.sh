#!/usr/bin/env bash
# Runs one libFuzzer target for a while from its seed corpora; non-zero exit on a crash.
# Usage: run_fuzzer.sh FUZZER SECONDS WORK_DIR [SEED_DIR...]
# New inputs go to WORK_DIR/corpus/NAME (kept between runs), crashes to WORK_DIR/artifacts/NAME.
# The seed is fixed (ZX_FUZZ_SEED, default 1) so that a smoke run in CI is repeatable; long runs
# set ZX_FUZZ_SEED=0 for a random one (docs/fuzzing.md).
set -euo pipefail
fuzzer=$1 seconds=$2 work=$3
shift 3
name=$(basename "$fuzzer")
mkdir -p "$work/corpus/$name" "$work/artifacts/$name"
seeds=()
for d in "$@"; do [[ -d "$d" ]] && seeds+=("$d"); done
exec "$fuzzer" -seed="${ZX_FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/$name/" \
  "$work/corpus/$name" "${seeds[@]}"
