#!/usr/bin/env bash
# Throughput and latency of /healthz, of the signed-in dashboard and of an agency's duties page, idle memory and cold-start time
# of a release build with the demo on SQLite. Prints figures; asserts nothing.
#   bench/http.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
conns="${2:-32}"
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
command -v wrk >/dev/null || { echo "bench: wrk is needed (apt-get install wrk)"; exit 1; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anwei-target}"
cargo build --release -p anwei --quiet
bin="$CARGO_TARGET_DIR/release/anwei"
work="$(mktemp -d)"
port=18099
base="http://127.0.0.1:$port"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

wait_healthy() {
  local start=$1
  until curl -fs "$base/healthz" >/dev/null 2>&1; do sleep 0.005; done
  echo $(( $(date +%s%N) / 1000000 - start ))
}

start=$(( $(date +%s%N) / 1000000 ))
ANWEI_LOG=warn "$bin" serve --demo --bind "127.0.0.1:$port" --data-dir "$work" & pid=$!
first=$(wait_healthy "$start")
kill "$pid"; wait "$pid" 2>/dev/null || true
start=$(( $(date +%s%N) / 1000000 ))
ANWEI_LOG=warn "$bin" serve --bind "127.0.0.1:$port" --data-dir "$work" & pid=$!
warm=$(wait_healthy "$start")
sleep 1
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")

# Sign in as the demo officer and change the demo password, keeping the session cookie.
jar="$work/jar"
field() { grep -o 'name="csrf" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//'; }
csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | field)
curl -s -o /dev/null -c "$jar" -b "$jar" -H "Origin: $base" --data-urlencode "csrf=$csrf" \
  --data-urlencode username=xiaying.officer --data-urlencode password=Anwei-demo-115 "$base/login"
csrf=$(curl -s -c "$jar" -b "$jar" "$base/password" | field)
curl -s -o /dev/null -c "$jar" -b "$jar" -H "Origin: $base" --data-urlencode "csrf=$csrf" \
  --data-urlencode current_password=Anwei-demo-115 --data-urlencode new_password=Bench-pass-115 \
  --data-urlencode confirm_password=Bench-pass-115 "$base/password"
cookie=$(awk '$6 == "__Host-anwei_session" {print $6"="$7}' "$jar")
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base/")" = 200 ] || { echo "bench: sign-in failed"; exit 1; }

echo "== Anwei bench: release build, SQLite, demo data, $(nproc) cores, wrk -t2 -c$conns -d${secs}s =="
echo "cold start (empty data dir: migrations + demo load) to first /healthz: ${first} ms"
echo "start with an existing database to first /healthz: ${warm} ms"
echo "idle resident memory after start: $((rss_kb / 1024)) MiB (${rss_kb} KiB)"
echo
echo "-- GET /healthz"
wrk -t2 -c"$conns" -d"${secs}s" --latency "$base/healthz" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx'
echo
echo "-- GET / (dashboard, signed in as the 承辦人)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Cookie: $cookie" "$base/" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx'
echo
echo "-- GET /agencies/xiaying-es/obligations (an agency's page: scope extractor, scoped reads)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Cookie: $cookie" "$base/agencies/xiaying-es/obligations" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx'
