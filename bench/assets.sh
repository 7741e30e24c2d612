#!/usr/bin/env bash
# The inventory API as other systems were measured on it: with 2,000 assets in one agency,
# create them one by one through POST /api/v1/agencies/{code}/assets (assets/s, the audit chain
# on), then list page 1 with per_page=10 from 8 concurrent clients for 15 s (requests/s, p50,
# p99); then import 10,000 rows from an XLSX. Release build, SQLite, demo data. Prints figures;
# asserts nothing.
#   bench/assets.sh [assets] [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2000}"
secs="${2:-15}"
conns="${3:-8}"
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
command -v wrk >/dev/null || { echo "bench: wrk is needed (apt-get install wrk)"; exit 1; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anwei-target}"
cargo build --release -p anwei --quiet
bin="$CARGO_TARGET_DIR/release/anwei"
work="$(mktemp -d)"
port=18097
base="http://127.0.0.1:$port"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

ANWEI_LOG=error "$bin" serve --demo --bind "127.0.0.1:$port" --data-dir "$work" & pid=$!
until curl -fs "$base/healthz" >/dev/null 2>&1; do sleep 0.01; done
token=$("$bin" --data-dir "$work" token create --username xiaying.officer --name bench | tail -n 1)

echo "== Anwei inventory API: release build, SQLite, $(nproc) cores =="
# One client, one keep-alive connection, one request after the other.
python3 - "$base" "$token" "$n" <<'PY'
import http.client, json, sys, time, urllib.parse
base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlparse(base)
c = http.client.HTTPConnection(u.hostname, u.port)
h = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
kinds = ["hardware", "software", "system", "data"]
t = time.perf_counter()
for i in range(n):
    body = json.dumps({"name": f"bench-asset-{i:05d}", "kind": kinds[i % 4],
                       "custodian": "施昀豆", "confidentiality": "中", "availability": "普"})
    c.request("POST", "/api/v1/agencies/xiaying-es/assets", body, h)
    r = c.getresponse(); r.read()
    if r.status != 201:
        sys.exit(f"bench: asset {i} answered {r.status}")
dt = time.perf_counter() - t
print(f"-- create {n} assets one by one: {dt:.2f} s, {n / dt:.0f} assets/s")
PY
echo
echo "-- GET /api/v1/agencies/xiaying-es/assets?page=1&per_page=10 (wrk -t2 -c$conns -d${secs}s)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $token" \
  "$base/api/v1/agencies/xiaying-es/assets?page=1&per_page=10" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx'

# Importing 10,000 rows from an XLSX (the spreadsheet a bureau exchanges): read, every row
# checked, one transaction with its audit event, through `anwei asset import` (the page runs
# the same code after its preview).
echo
cargo run --release -p anwei-docs --quiet --example inventory_sheet -- 10000 "$work/inventory.xlsx" >/dev/null
t0=$(date +%s.%N)
"$bin" --data-dir "$work" asset import --agency tuku-es --file "$work/inventory.xlsx" >"$work/import.out"
t1=$(date +%s.%N)
python3 - "$t0" "$t1" "$(stat -c %s "$work/inventory.xlsx")" "$(cat "$work/import.out")" <<'PY'
import sys
t0, t1, size, out = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
dt = t1 - t0
print(f"-- import 10000 rows from XLSX ({size / 1024:.0f} KiB): {dt:.2f} s for the whole command, {10000 / dt:.0f} rows/s")
print(f"   {out}")
PY
