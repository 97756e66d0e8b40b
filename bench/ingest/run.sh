#!/usr/bin/env bash
# Ingest benchmark: signed API-channel messages into Parley on SQLite, against nginx
# `return 200` as the baseline of this machine, with the same wrk load on both.
#
#   bench/ingest/run.sh build/release/parley        (what `make bench` runs)
#
# Measures, in one run on this machine:
#   - start-to-ready: from exec of `parley serve` (fresh data dir) until /readyz answers 200
#     (goal <= 1 s), and again for a restart on the database the load filled;
#   - idle RSS after start, from /proc/PID/status VmRSS (goal <= 50 MB);
#   - `wrk -t2 -c64 -d15s` of ~1 KB signed messages, every one with a new external id, against
#     parley and against nginx: req/s, p50/p99 latency, the ratio parley/nginx (goal >= 0.5);
#   - durability: after SIGTERM, the messages stored in SQLite (synchronous=FULL) are counted
#     and compared with the 2xx answers wrk received: every acknowledged message must be there.
#
# Everything listens on 127.0.0.1 only, every step is bounded in time, and every process and
# temp dir is removed on exit. Environment: BENCH_DURATION (default 15s), BENCH_KEEP=1 keeps the
# temp dir for inspection, BENCH_KIND=api (default) or whatsapp picks the load:
#   api       signed API-channel messages to POST /webhooks/api/{inbox} (X-Parley-Signature);
#   whatsapp  WhatsApp Cloud API webhooks with one inbound text message each, as Meta documents
#             them, to POST /webhooks/whatsapp (X-Hub-Signature-256 with the inbox's app secret).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 PATH/TO/parley" >&2
  exit 2
fi
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
DURATION=${BENCH_DURATION:-15s}
KIND=${BENCH_KIND:-api}
case $KIND in api|whatsapp) ;; *) echo "bench: BENCH_KIND must be api or whatsapp" >&2; exit 2 ;; esac
THREADS=2
CONNECTIONS=64
GOAL_RATIO=0.5
GOAL_RSS_MB=50
GOAL_READY_MS=1000

for tool in wrk nginx sqlite3 python3; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || {
    echo "bench: $tool is missing; run scripts/install-deps" >&2
    exit 2
  }
done
[ -x "$BIN" ] || { echo "bench: $BIN is not an executable; build it first (make build)" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench.XXXXXX")
BIN_SHOWN=$BIN
PARLEY_PID=""
NGINX_PID=""

stop_pid() {  # stop_pid PID SIGNAL: signal, wait up to 30 s, then SIGKILL
  local pid=$1 sig=$2
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$PARLEY_PID" TERM
  stop_pid "$NGINX_PID" QUIT
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A private copy: other builds may relink the binary while the benchmark runs.
cp "$BIN" "$WORK/parley"
BIN=$WORK/parley

now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }

# GET PATH on 127.0.0.1:PORT with bash's /dev/tcp (no process to spawn, so the readiness poll
# is fine-grained); prints the status code, or 000 when nothing answers.
http_status() {
  local port=$1 path=$2 line=""
  if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
    IFS= read -r -t 2 line <&3 || true
    exec 3>&- 3<&-
  fi
  local code=${line#HTTP/1.? }
  code=${code%% *}
  [[ $code =~ ^[0-9]{3}$ ]] && echo "$code" || echo 000
}

rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Starts parley on $WORK/data; sets PARLEY_PID, PARLEY_PORT_NUM, READY_MS.
start_parley() {
  local out=$WORK/parley.$1.out
  : >"$out"
  local t0; t0=$(now_ms)
  PARLEY_HOST=127.0.0.1 PARLEY_PORT=0 PARLEY_DATA_DIR="$WORK/data" PARLEY_DATABASE_URL="sqlite://$WORK/data/parley.db" \
    PARLEY_CREATE_DEMO=true "$BIN" serve >"$out" 2>>"$WORK/parley.log" &
  PARLEY_PID=$!
  PARLEY_PORT_NUM=""
  local deadline=$((t0 + 20000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    kill -0 "$PARLEY_PID" 2>/dev/null || { echo "bench: parley exited early:" >&2; tail -20 "$WORK/parley.log" >&2; exit 1; }
    if [ -z "$PARLEY_PORT_NUM" ]; then
      local line
      while IFS= read -r line; do
        [[ $line =~ serving\ on\ http://127\.0\.0\.1:([0-9]+) ]] && PARLEY_PORT_NUM=${BASH_REMATCH[1]}
      done <"$out"
    fi
    if [ -n "$PARLEY_PORT_NUM" ] && [ "$(http_status "$PARLEY_PORT_NUM" /readyz)" = 200 ]; then
      READY_MS=$(($(now_ms) - t0))
      return 0
    fi
    sleep 0.002
  done
  echo "bench: parley was not ready within 20 s" >&2
  exit 1
}

# Runs the wrk load against http://127.0.0.1:PORT; sets WRK_* from the script's BENCH line.
run_wrk() {
  local name=$1 port=$2 path=$3 secret=$4 out=$WORK/wrk.$1.txt
  # CPU of wrk: the children time of this shell (cutime + cstime) grows by what wrk used.
  local c0; c0=$(awk '{ print $16 + $17 }' "/proc/$$/stat")
  BENCH_PATH=$path BENCH_SECRET=$secret BENCH_RUN=$RUN_ID BENCH_KIND=$KIND BENCH_PHONE_NUMBER_ID=$PHONE_NUMBER_ID \
    timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s "$HERE/ingest.lua" \
    "http://127.0.0.1:$port" >"$out" 2>&1 || { echo "bench: wrk against $name failed:" >&2; cat "$out" >&2; exit 1; }
  local c1; c1=$(awk '{ print $16 + $17 }' "/proc/$$/stat")
  WRK_CPU_TICKS=$((c1 - c0))
  local line; line=$(grep '^BENCH ' "$out") || { echo "bench: no result from wrk against $name:" >&2; cat "$out" >&2; exit 1; }
  for kv in ${line#BENCH }; do
    printf -v "WRK_${kv%%=*}" '%s' "${kv#*=}"
  done
}

# -------------------------------------------------------------------------------------------
RUN_ID=b$(date +%s)
HZ=$(getconf CLK_TCK)
echo "Parley ingest benchmark  ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.0f GB", $2/1048576 }' /proc/meminfo) RAM"
echo "binary:  $BIN_SHOWN"
echo "channel: $KIND (BENCH_KIND)"
if [ "$KIND" = whatsapp ]; then
  echo "load:    wrk -t$THREADS -c$CONNECTIONS -d$DURATION, ~1 KB signed WhatsApp webhooks (one text message each), unique ids, keep-alive"
else
  echo "load:    wrk -t$THREADS -c$CONNECTIONS -d$DURATION, ~1 KB signed API-channel messages, unique ids, keep-alive"
fi
PARLEY_VARS=$(env | grep '^PARLEY_' | sort | tr '\n' ' ' || true)
echo "config:  ${PARLEY_VARS:-parley defaults} (HOST, PORT, DATA_DIR, DATABASE_URL, CREATE_DEMO are set by this script)"
echo

# 1. Parley: start, readiness, idle memory.
mkdir -p "$WORK/data"
start_parley first
READY_FIRST_MS=$READY_MS
sleep 1
RSS_IDLE_MB=$(rss_mb "$PARLEY_PID")
PASSWORD=$(sed -n 's/.*password[[:space:]]\{1,\}\([^[:space:]]\{1,\}\).*/\1/p' "$WORK/parley.first.out" | head -1)
[ -n "$PASSWORD" ] || { echo "bench: parley printed no demo admin password" >&2; exit 1; }

# 2. An inbox of the benchmarked channel (login with the demo admin, then POST /api/v1/inboxes).
PHONE_NUMBER_ID=106540352242922
read -r INBOX_ID INBOX_SECRET < <(timeout 60 python3 - "$PARLEY_PORT_NUM" "$PASSWORD" "$KIND" "$PHONE_NUMBER_ID" <<'PY'
import json, sys, urllib.request
port, password, kind, phone_number_id = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def call(path, body, token=None):
    req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())
token = call("/api/v1/auth/login", {"email": "admin@parley.local", "password": password})["token"]
if kind == "whatsapp":
    app_secret = "bench-app-secret-0123456789abcdef"
    # The Graph API is never called for inbound text; port 9 (discard) would refuse it anyway.
    inbox = call("/api/v1/inboxes", {"name": "Bench", "channel": "whatsapp", "config": {
        "phone_number_id": phone_number_id, "access_token": "bench-token", "app_secret": app_secret,
        "verify_token": "bench-verify", "api_base_url": "http://127.0.0.1:9"}}, token)
    print(inbox["id"], app_secret)
else:
    inbox = call("/api/v1/inboxes", {"name": "Bench", "channel": "api", "callback_url": "http://127.0.0.1:9/bench"}, token)
    print(inbox["id"], inbox["secret"])
PY
)
[ -n "${INBOX_SECRET:-}" ] || { echo "bench: could not create an API inbox" >&2; exit 1; }

# 3. The load against parley.
P_CPU0=$(cpu_ticks "$PARLEY_PID")
if [ "$KIND" = whatsapp ]; then LOAD_PATH=/webhooks/whatsapp; ID_LIKE="wamid.$RUN_ID-%"; else LOAD_PATH=/webhooks/api/$INBOX_ID; ID_LIKE="$RUN_ID-%"; fi
run_wrk parley "$PARLEY_PORT_NUM" "$LOAD_PATH" "$INBOX_SECRET"
P_CPU1=$(cpu_ticks "$PARLEY_PID")
P_RPS=$WRK_rps P_P50=$WRK_p50_us P_P99=$WRK_p99_us P_OK=$WRK_ok2xx P_NON2XX=$WRK_non2xx P_REQ=$WRK_requests
P_SOCKERR=$((WRK_connect + WRK_read + WRK_write + WRK_timeout)) P_WRKCPU=$WRK_CPU_TICKS
P_SECONDS=$(awk -v us="$WRK_duration_us" 'BEGIN { print us / 1e6 }')
METRIC_IN=$( (exec 3<>"/dev/tcp/127.0.0.1/$PARLEY_PORT_NUM" &&
  printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 &&
  timeout 10 cat <&3) | awk '/^parley_messages_in_total/ { print $2 }')
RSS_LOADED_MB=$(rss_mb "$PARLEY_PID")

# 4. Durability: stop with SIGTERM (drains), then count what SQLite holds.
stop_pid "$PARLEY_PID" TERM
PARLEY_PID=""
STORED=$(timeout 60 sqlite3 "$WORK/data/parley.db" \
  "select count(*) from messages where direction = 'incoming' and external_id like '$ID_LIKE'")
DB_MB=$(du -sm "$WORK/data" | awk '{ print $1 }')

# 5. Restart on the filled database: readiness again.
start_parley restart
READY_RESTART_MS=$READY_MS
sleep 1
RSS_RESTART_MB=$(rss_mb "$PARLEY_PID")
stop_pid "$PARLEY_PID" TERM
PARLEY_PID=""

# 6. nginx `return 200`, 1 worker, its own prefix, on a free loopback port.
NGINX_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_buffer_size 16k;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { return 200; }
  }
}
CONF
"$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 500); do
  [ "$(http_status "$NGINX_PORT" /)" = 200 ] && break
  kill -0 "$NGINX_PID" 2>/dev/null || { echo "bench: nginx exited:" >&2; cat "$WORK/nginx/logs/error.log" >&2; exit 1; }
  sleep 0.01
done
[ "$(http_status "$NGINX_PORT" /)" = 200 ] || { echo "bench: nginx did not answer" >&2; exit 1; }
N_CPU0=$(cpu_ticks "$(pgrep -P "$NGINX_PID" | head -1)")
run_wrk nginx "$NGINX_PORT" "$LOAD_PATH" "$INBOX_SECRET"
N_CPU1=$(cpu_ticks "$(pgrep -P "$NGINX_PID" | head -1)")
N_RPS=$WRK_rps N_P50=$WRK_p50_us N_P99=$WRK_p99_us N_OK=$WRK_ok2xx N_REQ=$WRK_requests N_WRKCPU=$WRK_CPU_TICKS
N_SECONDS=$(awk -v us="$WRK_duration_us" 'BEGIN { print us / 1e6 }')
# Informational: the same request pre-built once, so wrk calls no Lua per request. The gap to
# the row above is what the per-request signing costs the client on this machine.
BENCH_STATIC=1 run_wrk nginx-static "$NGINX_PORT" "$LOAD_PATH" "$INBOX_SECRET"
S_RPS=$WRK_rps S_P50=$WRK_p50_us S_P99=$WRK_p99_us S_WRKCPU=$WRK_CPU_TICKS
S_SECONDS=$(awk -v us="$WRK_duration_us" 'BEGIN { print us / 1e6 }')
stop_pid "$NGINX_PID" QUIT
NGINX_PID=""

# -------------------------------------------------------------------------------------------
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
cores() { awk -v t="$1" -v hz="$HZ" -v s="$2" 'BEGIN { printf "%.2f", t / hz / s }'; }
RATIO=$(awk -v p="$P_RPS" -v n="$N_RPS" 'BEGIN { printf "%.3f", p / n }')
RATIO_STATIC=$(awk -v p="$P_RPS" -v n="$S_RPS" 'BEGIN { printf "%.3f", p / n }')

printf '%-26s %12s %12s %16s\n' "" parley nginx "nginx, static*"
printf '%-26s %12.0f %12.0f %16.0f\n' "requests/s" "$P_RPS" "$N_RPS" "$S_RPS"
printf '%-26s %12s %12s %16s\n' "latency p50" "$(ms "$P_P50")" "$(ms "$N_P50")" "$(ms "$S_P50")"
printf '%-26s %12s %12s %16s\n' "latency p99" "$(ms "$P_P99")" "$(ms "$N_P99")" "$(ms "$S_P99")"
printf '%-26s %12s %12s\n' "requests completed" "$P_REQ" "$N_REQ"
printf '%-26s %12s %12s\n' "2xx answers" "$P_OK" "$N_OK"
printf '%-26s %12s %12s\n' "server CPU (cores busy)" "$(cores $((P_CPU1 - P_CPU0)) "$P_SECONDS")" "$(cores $((N_CPU1 - N_CPU0)) "$N_SECONDS")"
printf '%-26s %12s %12s %16s\n' "wrk CPU (cores busy)" "$(cores "$P_WRKCPU" "$P_SECONDS")" "$(cores "$N_WRKCPU" "$N_SECONDS")" "$(cores "$S_WRKCPU" "$S_SECONDS")"
echo "* informational: one pre-signed request repeated, no Lua per request (the ratio uses the middle column)"
echo
echo "parley non-2xx answers:            $P_NON2XX   (socket errors/timeouts: $P_SOCKERR)"
echo "parley_messages_in_total (metric): ${METRIC_IN:-?}"
echo "messages stored in SQLite:         $STORED   (data dir after the run: $DB_MB MB)"
echo "RSS after the load:                $RSS_LOADED_MB MB"
echo

FAIL=0
verdict() {  # verdict OK|FAIL TEXT
  [ "$1" = OK ] && echo "PASS  $2" || { echo "FAIL  $2"; FAIL=1; }
}
# Every 2xx must be stored. A request wrk abandons at the deadline may still be stored without
# wrk counting its answer, so up to one extra message per connection is not an error.
EXTRA=$((STORED - P_OK))
if [ "$P_OK" -gt 0 ] && [ "$EXTRA" -ge 0 ] && [ "$EXTRA" -le "$CONNECTIONS" ]; then
  verdict OK "every acknowledged message durable: $P_OK acknowledged (2xx), $STORED stored after SIGTERM ($EXTRA in flight at wrk's deadline)"
else
  verdict FAIL "every acknowledged message durable: $P_OK acknowledged (2xx), $STORED stored after SIGTERM"
fi
[ "$P_NON2XX" -eq 0 ] && verdict OK "no error answers from parley under load" || verdict FAIL "no error answers from parley under load ($P_NON2XX non-2xx)"
awk -v r="$RATIO" -v g="$GOAL_RATIO" 'BEGIN { exit !(r >= g) }' &&
  verdict OK "throughput ratio parley/nginx = $RATIO (goal >= $GOAL_RATIO; $RATIO_STATIC against nginx with a static request)" ||
  verdict FAIL "throughput ratio parley/nginx = $RATIO (goal >= $GOAL_RATIO; $RATIO_STATIC against nginx with a static request)"
awk -v m="$RSS_IDLE_MB" -v g="$GOAL_RSS_MB" 'BEGIN { exit !(m <= g) }' &&
  verdict OK "idle RSS after start = $RSS_IDLE_MB MB (goal <= $GOAL_RSS_MB MB; $RSS_RESTART_MB MB after restart on the filled db)" ||
  verdict FAIL "idle RSS after start = $RSS_IDLE_MB MB (goal <= $GOAL_RSS_MB MB)"
[ "$READY_FIRST_MS" -le "$GOAL_READY_MS" ] && [ "$READY_RESTART_MS" -le "$GOAL_READY_MS" ] &&
  verdict OK "start-to-ready = $READY_FIRST_MS ms fresh, $READY_RESTART_MS ms restart on $STORED messages (goal <= $GOAL_READY_MS ms)" ||
  verdict FAIL "start-to-ready = $READY_FIRST_MS ms fresh, $READY_RESTART_MS ms restart on $STORED messages (goal <= $GOAL_READY_MS ms)"
exit "$FAIL"
