#!/usr/bin/env bash
# Service benchmark (issue 4 "Speed"): wrk on loopback, side by side in one run, for
#   GET /api/v1/jobs/{id}   (a browser polling its job; session cookie)
#   GET /api/v1/privacy     (the machine-readable policy)
# against Debian's nginx serving a static JSON file of the same size (the ceiling of this box).
# When the server can generate it also checks that quotas are never overspent under concurrent
# requests, and measures the service's overhead per generation (bench/service/generation.mjs
# with a real model; bench_service_server overhead for the service alone, model time excluded).
#
#   bench/service/run.sh [--bin build/cli/pixforge] [--model FILE] [--duration 10s]
#                        [--connections 32] [--threads 2] [--overhead-bin FILE] [--jobs N]
# --bin may also be bench_service_server (bench/service/, the same service with a generator
# that takes no model time): then /api/v1/jobs/{id} is measured without a model.
# --overhead-bin build/bench/service/bench_service_server: also runs its overhead mode.
# A server that cannot generate (pixforge without --model) has no job to poll: reported so.
# Targets: >= 50 % of nginx's requests/s, p99 <= 10 ms, no errors, overhead <= 5 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=build/cli/pixforge
model=""
duration=10s
connections=32
threads=2
overhead_bin=""
jobs=200
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --overhead-bin) overhead_bin="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: $tool is not installed (scripts/setup --bench)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "run.sh: $bin is not an executable pixforge (--bin)" >&2; exit 1; }

tmp="$(mktemp -d /tmp/pixforge-bench.XXXXXX)"
server_pid=""
nginx_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the service, on an ephemeral port with a fresh data dir ---------------------------------
quota=25
cat >"$tmp/pixforge.toml" <<TOML
[server]
sweep_interval_s = 3600
[limits]
# The limiter stays in the path (its cost is measured) but never refuses the benchmark.
ip_rate_per_s = 1000000000
ip_burst = 1000000000
key_rate_per_s = 1000000000
key_burst = 1000000000
daily_quota_images = $quota
TOML
model_args=()
[ -n "$model" ] && model_args=(--model "$model")
"$bin" serve --config "$tmp/pixforge.toml" --data-dir "$tmp/data" --listen 127.0.0.1 --port 0 \
  "${model_args[@]}" >"$tmp/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 1800); do
  port="$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/server.log" | head -1)"
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "run.sh: pixforge serve did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }
svc="http://127.0.0.1:$port"

# A browser-like session: consent, then (when the server can generate) one finished 64x64 job
# to poll.
jar="$tmp/cookies"
version="$(curl -fsS "$svc/api/v1/privacy" | python3 -c 'import json, sys; print(json.load(sys.stdin)["notice"]["version"])')"
csrf="$(curl -fsS -c "$jar" -H 'Content-Type: application/json' \
  -d "{\"agree\": true, \"age_confirmed\": true, \"notice_version\": $version}" "$svc/api/v1/consent" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf_token"])')"
cookie="pf_session=$(awk '$6 == "pf_session" {print $7}' "$jar")"
job_path=""
can_generate="$(curl -fsS "$svc/sdapi/v1/sd-models" | python3 -c 'import json, sys; print(1 if json.load(sys.stdin) else "")')"
if [ -n "$can_generate" ]; then
  job_id="$(curl -fsS -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
    -d '{"prompt": "benchmark", "width": 64, "height": 64, "steps": 1, "seed": 1}' "$svc/api/v1/generate" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
  job_path="/api/v1/jobs/$job_id"
  for _ in $(seq 1 600); do
    state="$(curl -fsS -b "$jar" "$svc$job_path" | python3 -c 'import json, sys; print(json.load(sys.stdin)["state"])')"
    [ "$state" = queued ] || [ "$state" = running ] || break
    sleep 0.5
  done
fi

# --- nginx with the same bodies as static files ----------------------------------------------
mkdir -p "$tmp/www" "$tmp/nginx"
chmod 755 "$tmp" "$tmp/www"
curl -fsS "$svc/api/v1/privacy" >"$tmp/www/privacy.json"
[ -n "$job_path" ] && curl -fsS -b "$jar" "$svc$job_path" >"$tmp/www/job.json"
chmod 644 "$tmp"/www/*
nginx_port="$(free_port)"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  default_type application/json;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/www;
  }
}
CONF
nginx -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
nginx_pid=$!
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$nginx_port/privacy.json" >/dev/null 2>&1 && break
  sleep 0.1
done

# --- wrk, one after the other on the same box ------------------------------------------------
# CPU time (user + system, clock ticks) of a process and its children's threads so far: the
# server's CPU per request is what the load of other programs on a shared box leaves alone.
cpu_ticks() {
  local total=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
# Prints: requests/s, p99 latency in ms, errors (non-2xx + socket errors), server CPU us/request.
bench() {
  local url="$1" cookie_header="$2" pids="$3"
  local out before after
  # shellcheck disable=SC2086  # a list of pids
  before="$(cpu_ticks $pids)"
  out="$(PF_COOKIE="$cookie_header" wrk -t"$threads" -c"$connections" -d"$duration" --latency \
    -s bench/service/headers.lua "$url")"
  # shellcheck disable=SC2086
  after="$(cpu_ticks $pids)"
  echo "$out" >>"$tmp/wrk.log"
  python3 - "$out" "$((after - before))" "$(getconf CLK_TCK)" <<'PY'
import re, sys
out = sys.argv[1]
ticks, hz = int(sys.argv[2]), int(sys.argv[3])
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
requests = int(re.search(r"(\d+) requests in", out).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
errors = 0
if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)): errors += int(m.group(1))
if (m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)):
    errors += sum(int(x) for x in m.groups())
print(f"{rps:.0f} {p99:.2f} {errors} {ticks / hz * 1e6 / max(1, requests):.1f}")
PY
}

echo "pixforge service benchmark: $(basename "$bin"), wrk -t$threads -c$connections -d$duration, loopback, $(nproc) cores"
echo "machine load before: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min)"
echo "bodies: privacy $(stat -c %s "$tmp/www/privacy.json") bytes${job_path:+, job $(stat -c %s "$tmp/www/job.json") bytes}"
# "CPU us/req": the server's (all of nginx's processes') CPU time per answered request; their
# ratio is the throughput ratio a box with no other load would give, as far as the server's own
# work decides it (wrk's CPU is left out of both).
printf '%-22s %12s %10s %8s %9s %12s %10s %8s %9s %8s %9s %s\n' endpoint "svc req/s" "svc p99" errors \
  "CPU us/r" "nginx req/s" "nginx p99" errors "CPU us/r" ratio "CPU ratio" verdict
row() {
  local name="$1" svc_url="$2" nginx_url="$3" cookie_header="$4"
  local nginx_pids
  nginx_pids="$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')"
  read -r s_rps s_p99 s_err s_cpu < <(bench "$svc_url" "$cookie_header" "$server_pid")
  read -r n_rps n_p99 n_err n_cpu < <(bench "$nginx_url" "" "$nginx_pids")
  python3 - "$name" "$s_rps" "$s_p99" "$s_err" "$s_cpu" "$n_rps" "$n_p99" "$n_err" "$n_cpu" <<'PY'
import sys
name, s_rps, s_p99, s_err, s_cpu, n_rps, n_p99, n_err, n_cpu = sys.argv[1:]
ratio = float(s_rps) / float(n_rps)
cpu_ratio = float(n_cpu) / max(0.1, float(s_cpu))
ok = ratio >= 0.5 and float(s_p99) <= 10 and int(s_err) == 0
print(f"{name:<22} {float(s_rps):>12.0f} {float(s_p99):>8.2f}ms {s_err:>8} {float(s_cpu):>9.1f} {float(n_rps):>12.0f} {float(n_p99):>8.2f}ms {n_err:>8} {float(n_cpu):>9.1f} {ratio:>7.0%} {cpu_ratio:>9.0%} {'OK' if ok else 'BELOW TARGET'}")
PY
}
row "GET /api/v1/privacy" "$svc/api/v1/privacy" "http://127.0.0.1:$nginx_port/privacy.json" ""
if [ -n "$job_path" ]; then
  row "GET /api/v1/jobs/{id}" "$svc$job_path" "http://127.0.0.1:$nginx_port/job.json" "$cookie"
  echo "machine load after wrk: $(cut -d' ' -f1-3 /proc/loadavg)"
  # With a real model: overhead as a client sees it (202 -> "started"/first progress event);
  # with the instant generator the jobs end before a stream could watch them: quotas only.
  node bench/service/generation.mjs "$svc" "$quota" "$([ -n "$model" ] && echo 20 || echo 0)"
else
  echo "machine load after wrk: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "GET /api/v1/jobs/{id}: not measured (this server cannot generate: no job can exist; use --model or bench_service_server)"
fi
if [ -n "$overhead_bin" ]; then
  "$overhead_bin" overhead --data-dir "$tmp/overhead-data" --jobs "$jobs"
  echo "machine load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
