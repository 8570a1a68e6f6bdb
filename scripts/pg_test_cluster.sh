#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster on loopback for the tests (never the system's service).
#   scripts/pg_test_cluster.sh start DIR   initdb in DIR, start it on a free port, create the
#                                          database zhixian_test; prints its URL
#   scripts/pg_test_cluster.sh stop DIR    stop it and remove DIR
# initdb and postgres refuse to run as root: as root, the package's user `postgres` runs them.
# fsync is off: nothing in it outlives the test run.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd=${1:?usage: pg_test_cluster.sh start|stop DIR}
dir=${2:?usage: pg_test_cluster.sh start|stop DIR}
as=()
if [[ $(id -u) -eq 0 ]]; then as=(runuser -u postgres --); fi
case "$cmd" in
  start)
    [[ -x $bin/initdb ]] || { echo "pg_test_cluster: $bin/initdb missing (apt-get install postgresql-15)" >&2; exit 1; }
    mkdir -p "$dir"
    if [[ ${#as[@]} -gt 0 ]]; then chown postgres "$dir"; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U zhixian -E UTF8 --locale=C.UTF-8 \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U zhixian zhixian_test
    echo "$port" >"$dir/port"
    echo "postgresql://zhixian@127.0.0.1:$port/zhixian_test"
    ;;
  stop)
    if [[ -d $dir/data ]]; then
      "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: pg_test_cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
