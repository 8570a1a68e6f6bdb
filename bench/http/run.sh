#!/usr/bin/env bash
# HTTP benchmark: answers per second of POST /api/v1/ask, against GET /healthz on the same
# server in the same run (the baseline: what the HTTP layer alone costs), with wrk over
# keep-alive on loopback.
#
#   bench/http/run.sh                 start build/zhixian serve on 127.0.0.1:18089 and measure it
#   bench/http/run.sh --fake          the same with build/bench/http/http_bench_server (the HTTP
#                                     layer with a fake assistant: no knowledge cost)
#   bench/http/run.sh http://127.0.0.1:8080   measure a server that is already running
#
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (50), BUILD (build: the build
# directory, relative to the repository or absolute), PORT (18089).
# Loopback only; each wrk run is bounded by DURATION, start-up by 60 s.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD="$ROOT/$BUILD"
PORT=${PORT:-18089}

die() { echo "bench/http: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
command -v curl >/dev/null || die "curl is not installed (apt-get install curl)"

url="" mode=zhixian
case "${1:-}" in
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  --fake) mode=fake ;;
  "") ;;
  *) url=${1%/}; mode=external ;;
esac

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ $mode == external ]]; then
  [[ $url =~ ^http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?$ ]] ||
    die "only a loopback server is measured, e.g. http://127.0.0.1:8080 (got '$url')"
else
  url="http://127.0.0.1:$PORT"
  if curl -s -o /dev/null --max-time 1 "$url/healthz"; then
    die "something already answers on $url; stop it, set PORT, or pass its URL"
  fi
  if [[ $mode == fake ]]; then
    bin="$BUILD/bench/http/http_bench_server"
    [[ -x $bin ]] || die "$bin is missing; build it: cmake --build $BUILD --target http_bench_server"
    "$bin" "$PORT" 2 >"$WORK/server.log" 2>&1 &
  else
    bin="$BUILD/zhixian"
    [[ -x $bin ]] || die "$bin is missing; build it first (scripts/run.sh or cmake --build $BUILD)"
    mkdir -p "$WORK/data"
    # One client address sends everything here: the per-client rate limit (which production
    # keeps) would measure 429s, so it is off for the benchmark; so is the voice gateway.
    (cd "$ROOT" && ZHIXIAN_SECURITY_RATE_LIMIT_PER_MINUTE=0 exec "$bin" serve \
      --http "127.0.0.1:$PORT" --sip off --data "$WORK/data") \
      >"$WORK/server.log" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    curl -s -o /dev/null --max-time 1 -f "$url/healthz" && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 20 "$WORK/server.log" >&2
      die "the server exited before it was ready (log above)"
    fi
    sleep 0.1
  done
  curl -s -o /dev/null -f "$url/healthz" || die "no 200 from $url/healthz within 60 s"
fi

# One real answer first: a benchmark of error responses would measure nothing useful.
probe=$(curl -s -w '\n%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
  -d '{"question": "社保卡不小心弄丢了，该去哪里挂失？"}' "$url/api/v1/ask") ||
  die "POST $url/api/v1/ask failed"
[[ ${probe##*$'\n'} == 200 ]] || die "POST /api/v1/ask answered ${probe##*$'\n'}: ${probe%$'\n'*}"

# Citizen questions, our own phrasings, asked in turn by every connection.
cat >"$WORK/ask.lua" <<'LUA'
local questions = {
  "社保卡不小心弄丢了，该去哪里挂失？",
  "新办的社保卡要怎么开通银行功能",
  "在手机上能领电子社保卡吗",
  "我爸在外省看病，医保报销要提前备案吗",
  "在职职工住院了，医保能报销百分之多少",
  "孩子刚出生，怎么给他办医保",
  "医保个人账户的钱能给家里人用吗",
  "公积金租房提取需要什么材料",
  "公积金贷款最多能贷多少",
  "买二手房过户大概要几个工作日",
  "房产证上想加配偶的名字怎么办",
  "身份证过期了在哪里换新的",
  "小孩上户口要带哪些证件",
  "失业了能领失业金吗，怎么申请",
  "退休以后养老金每年都会涨吗",
  "个体户想自己交社保去哪登记",
  "公司拖欠工资三个月了，找哪个部门投诉",
  "楼下饭店油烟太大，晚上还很吵，能管吗",
  "驾驶证快到期了怎么换证",
  "开个小餐馆需要办哪些证照",
}
local requests, n = {}, 0
init = function(args)
  local headers = { ["Content-Type"] = "application/json" }
  for i, q in ipairs(questions) do
    requests[i] = wrk.format("POST", "/api/v1/ask", headers, '{"question": "' .. q .. '"}')
  end
end
request = function()
  n = n % #requests + 1
  return requests[n]
end
LUA
cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("ZXRESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50),
    latency:percentile(99)))
end
LUA
cat "$WORK/report.lua" >>"$WORK/ask.lua"

# Prints "requests duration_us non2xx socket_errors p50_us p99_us".
measure() {
  local script=$1 path=$2 out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s -s "$script" "$url$path") ||
    die "wrk failed on $path"
  grep '^ZXRESULT' <<<"$out" | cut -d' ' -f2- || die "no result from wrk on $path"
}

echo "bench/http: $url ($mode), wrk $THREADS threads, $CONNECTIONS connections, $DURATION each"
read -r h_req h_us h_bad h_err h_p50 h_p99 < <(measure "$WORK/report.lua" /healthz)
read -r a_req a_us a_bad a_err a_p50 a_p99 < <(measure "$WORK/ask.lua" /api/v1/ask)

awk -v hr="$h_req" -v hu="$h_us" -v hb="$h_bad" -v he="$h_err" -v h50="$h_p50" -v h99="$h_p99" \
    -v ar="$a_req" -v au="$a_us" -v ab="$a_bad" -v ae="$a_err" -v a50="$a_p50" -v a99="$a_p99" '
BEGIN {
  hrate = hr / (hu / 1e6); arate = ar / (au / 1e6)
  printf "%-18s %12s %10s %10s %10s\n", "endpoint", "req/s", "p50 ms", "p99 ms", "errors"
  printf "%-18s %12.0f %10.2f %10.2f %10d\n", "GET /healthz", hrate, h50 / 1e3, h99 / 1e3, hb + he
  printf "%-18s %12.0f %10.2f %10.2f %10d\n", "POST /api/v1/ask", arate, a50 / 1e3, a99 / 1e3, ab + ae
  printf "answers/s: %.0f   healthz req/s: %.0f   ratio answers/healthz: %.3f\n", arate, hrate, arate / hrate
}'
if (( a_bad + a_err + h_bad + h_err > 0 )); then
  echo "bench/http: some requests failed (non-2xx or socket errors); see the errors column" >&2
  exit 1
fi
