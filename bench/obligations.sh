#!/usr/bin/env bash
# Obligations at country scale on PostgreSQL: materialise a year of tasks for N agencies (default
# 4,000), then the latency of the supervisor's dashboard (one row per agency with its rate) and of
# one school's duty list at that size. Prints figures; asserts nothing.
#   bench/obligations.sh [agencies] [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
agencies="${1:-4000}"
secs="${2:-10}"
conns="${3:-16}"
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
command -v wrk >/dev/null || { echo "bench: wrk is needed (apt-get install wrk)"; exit 1; }
server_url="$(scripts/ensure-deps)"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anwei-target}"
cargo build --release -p anwei --quiet
bin="$CARGO_TARGET_DIR/release/anwei"
db="anwei_bench_$(date +%s)"
psql "$server_url" -qc "CREATE DATABASE $db"
url="${server_url%/*}/$db"
work="$(mktemp -d)"
port=18098
base="http://127.0.0.1:$port"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; psql "$server_url" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
export ANWEI_LOG=error ANWEI_DATABASE_URL="$url"

ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(ms)
"$bin" demo --schools $((agencies - 3)) >/dev/null
t1=$(ms)
"$bin" jobs run >/dev/null
t2=$(ms)
"$bin" jobs run >/dev/null  # jobs are not due again: a no-op pass
t3=$(ms)
psql "$url" -qc "UPDATE job SET run_at = now() - interval '1 minute'"
"$bin" jobs run >/dev/null  # due again: everything already exists, nothing added
t4=$(ms)
count=$(psql "$url" -Atc "SELECT count(*) FROM task")
nagencies=$(psql "$url" -Atc "SELECT count(*) FROM agency")

"$bin" serve --bind "127.0.0.1:$port" --data-dir "$work" & pid=$!
until curl -fs "$base/healthz" >/dev/null 2>&1; do sleep 0.05; done
jar="$work/jar"
field() { grep -o 'name="csrf" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//'; }
signin() {
  rm -f "$jar"
  local csrf
  csrf=$(curl -s -c "$jar" -b "$jar" "$base/login" | field)
  curl -s -o /dev/null -c "$jar" -b "$jar" -H "Origin: $base" --data-urlencode "csrf=$csrf" \
    --data-urlencode "username=$1" --data-urlencode password=Anwei-demo-115 "$base/login"
  csrf=$(curl -s -c "$jar" -b "$jar" "$base/password" | field)
  curl -s -o /dev/null -c "$jar" -b "$jar" -H "Origin: $base" --data-urlencode "csrf=$csrf" \
    --data-urlencode current_password=Anwei-demo-115 --data-urlencode new_password=Bench-pass-115 \
    --data-urlencode confirm_password=Bench-pass-115 "$base/password"
  awk '$6 == "__Host-anwei_session" {print $6"="$7}' "$jar"
}
auditor=$(signin tainan.auditor)
officer=$(signin xiaying.officer)
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $auditor" "$base/")" = 200 ] || { echo "bench: sign-in failed"; exit 1; }
single=$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $auditor" "$base/")

echo "== Anwei obligations bench: release build, PostgreSQL $(psql "$url" -Atc 'SHOW server_version'), $(nproc) cores =="
echo "agencies: $nagencies · tasks materialised for $(date +%Y): $count"
echo "creating $((agencies - 3)) synthetic schools (with audit events): $((t1 - t0)) ms"
echo "materialising the year for every agency (first pass, anwei jobs run): $((t2 - t1)) ms"
echo "a pass with no job due: $((t3 - t2)) ms"
echo "a due pass where every task already exists: $((t4 - t3)) ms"
echo "supervisor dashboard ($nagencies rows), one request: ${single} s"
echo
echo "-- GET / as the bureau's auditor (every agency's rate), wrk -t2 -c$conns -d${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Cookie: $auditor" "$base/" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx'
echo
echo "-- GET /agencies/xiaying-es/obligations as the school's 承辦人"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Cookie: $officer" "$base/agencies/xiaying-es/obligations" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx'
