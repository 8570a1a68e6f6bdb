#!/usr/bin/env bash
# Runs the chat page's end-to-end tests (node --test) from the repository root.
# ZX_BINARY: the zhixian binary (default build/zhixian). Exit 77 (skipped) when node, Chromium
# or tests/web/node_modules are missing: scripts/test.sh installs them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
for need in node; do
  command -v "$need" >/dev/null || { echo "web_chat_test: skipped: no $need" >&2; exit 77; }
done
[[ -x "${ZX_CHROMIUM:-/usr/bin/chromium}" ]] ||
  { echo "web_chat_test: skipped: no Chromium (scripts/install-deps.sh --test)" >&2; exit 77; }
[[ -d "$here/node_modules/playwright-core" ]] ||
  { echo "web_chat_test: skipped: run 'npm ci' in tests/web (scripts/test.sh does)" >&2; exit 77; }
exec node --test --test-concurrency=1 "$here/chat.test.mjs"
