#!/usr/bin/env bash
# Installs what is missing, builds, and starts the server with the demo knowledge base of 示例市.
# Extra arguments go to `zhixian serve` (e.g. --http 0.0.0.0:8080 --data /srv/zhixian).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/zhixian serve "$@"
