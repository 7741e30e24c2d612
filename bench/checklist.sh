#!/usr/bin/env bash
# The audit checklist proposed from the records: the time to propose all 87 items for one school
# (the officer's page, `anwei checklist`), and for every school under a bureau of N (default 250)
# schools (`anwei checklist --below`, the bureau's view), each with a year of duties materialised.
# Release build, SQLite by default, or PostgreSQL with `--postgres`. Prints figures; asserts
# nothing. Each figure includes the command's start (about 30 ms, see bench/http.sh).
#   bench/checklist.sh [schools] [--postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
schools="${1:-250}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anwei-target}"
cargo build --release -p anwei --quiet
bin="$CARGO_TARGET_DIR/release/anwei"
work="$(mktemp -d)"
db=
cleanup() {
  rm -rf "$work"
  if [ -n "$db" ]; then psql "$server_url" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
export ANWEI_LOG=error
backend=SQLite
if [ "${2:-}" = "--postgres" ]; then
  server_url="$(scripts/ensure-deps)"
  db="anwei_bench_$(date +%s)"
  psql "$server_url" -qc "CREATE DATABASE $db"
  export ANWEI_DATABASE_URL="${server_url%/*}/$db"
  backend=PostgreSQL
else
  export ANWEI_DATABASE_URL="sqlite:$work/anwei.db"
fi
"$bin" --data-dir "$work" demo --schools "$((schools - 2))" >/dev/null
"$bin" --data-dir "$work" jobs run >/dev/null
year="$(date +%Y)"
ms() { echo $(( $(date +%s%N) / 1000000 )); }

echo "== Anwei audit checklist proposals: release build, $backend, $(nproc) cores, $schools schools =="
best=
for _ in 1 2 3 4 5; do
  t0=$(ms)
  "$bin" --data-dir "$work" checklist --agency xiaying-es --year "$year" --format json >/dev/null
  t=$(( $(ms) - t0 ))
  if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
done
echo "-- one school, 87 items (best of 5): ${best} ms"
t0=$(ms)
lines=$("$bin" --data-dir "$work" checklist --agency tainan-edu --year "$year" --below --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
t=$(( $(ms) - t0 ))
echo "-- every school under the bureau ($lines schools, 87 items each): ${t} ms, $(( t * 1000 / lines )) µs a school"
