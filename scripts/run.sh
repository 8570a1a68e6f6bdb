#!/usr/bin/env bash
# Installs what is missing, builds the server (only the `zhixian` target: tests and benchmarks
# are scripts/test.sh's) and the staff console (web/console/dist), and starts it with the demo
# knowledge base of 示例市.
# The first start creates the key file that seals conversations, outside the data directory
# ($XDG_CONFIG_HOME/zhixian/keys, else ~/.config/zhixian/keys; security.key_file overrides it,
# docs/security.md) and logs where it is: back it up apart from the data directory.
# Extra arguments go to `zhixian serve` (e.g. --http 0.0.0.0:8080 --data /srv/zhixian).
# A fresh data directory first gets three weeks of demo activity (`zhixian demo seed`, shown as
# 演示数据 on the dashboard) so that the console has something to show; ZX_DEMO=0 starts empty.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
ZX_BUILD_TARGETS=zhixian scripts/build.sh
# The staff console (web/console, served at /console/): its npm packages and its build.
(cd web/console && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
if [[ "${ZX_DEMO:-1}" != 0 ]]; then
  # The data directory and configuration serve will use (--data, --config; the rest is serve's).
  seed_args=()
  args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      --data|--config|--kb) seed_args+=("${args[i]}" "${args[i + 1]:-}"); i=$((i + 1)) ;;
      --data=*|--config=*|--kb=*) seed_args+=("${args[i]}") ;;
    esac
  done
  build/zhixian demo seed --if-fresh "${seed_args[@]}"
fi
exec build/zhixian serve "$@"
