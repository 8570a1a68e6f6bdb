#!/usr/bin/env bash
# The console's build checks, from the repository root:
#   check.sh size       the size budget of web/console/dist (web/console/scripts/check-size.mjs)
#   check.sh contrast   the theme's text/background pairs (web/console/scripts/contrast.mjs)
# Exit 77 (skipped) without node, or for `size` without a build.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v node >/dev/null || { echo "console $1 check: skipped: no node" >&2; exit 77; }
case "$1" in
  size)
    [[ -f web/console/dist/index.html ]] || {
      echo "console size check: skipped: not built (cd web/console && npm ci && npm run build)" >&2
      exit 77
    }
    exec node web/console/scripts/check-size.mjs web/console/dist ;;
  contrast) exec node web/console/scripts/contrast.mjs web/console/src/theme.css ;;
  *) echo "usage: check.sh size|contrast" >&2; exit 2 ;;
esac
