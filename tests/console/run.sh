#!/usr/bin/env bash
# Runs the staff console's end-to-end tests (node --test) from the repository root: the file
# given (default console.test.mjs; kb.test.mjs: the knowledge-base screens).
# ZX_BINARY: the zhixian binary (default build/zhixian); ZX_ARTEFACTS: where the screenshots
# go. Exit 77 (skipped) when node, Chromium, tests/console/node_modules or the console's build
# (web/console/dist) are missing: scripts/test.sh installs and builds them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
skip() { echo "console_browser_test: skipped: $*" >&2; exit 77; }
command -v node >/dev/null || skip "no node"
[[ -x "${ZX_CHROMIUM:-/usr/bin/chromium}" ]] || skip "no Chromium (scripts/install-deps.sh --test)"
[[ -d "$here/node_modules/playwright-core" && -d "$here/node_modules/axe-core" ]] ||
  skip "run 'npm ci' in tests/console (scripts/test.sh does)"
[[ "${1:-}" != campaigns.test.mjs ]] || command -v sipp >/dev/null ||
  skip "no sipp (package sip-tester): the campaign test's citizens"
if [[ "${1:-}" == desk_speech.test.mjs ]]; then
  [[ -x "$(command -v sipp)" && -f /usr/share/sip-tester/g711a.pcap ]] ||
    skip "no sipp or its g711a.pcap (package sip-tester): the caller"
  command -v python3 >/dev/null || skip "no python3: the FunASR test server (tests/asr)"
fi
[[ -f web/console/dist/index.html ]] ||
  skip "the console is not built: (cd web/console && npm ci && npm run build) (scripts/test.sh does)"
exec node --test --test-concurrency=1 "$here/${1:-console.test.mjs}"
