#!/usr/bin/env bash
# The security review's concurrency run, replayed: one school with 33,000 assets, 50 clients for
# 60 s mixing the inventory page (HTML, signed in), the inventory API (paged) and writes (assets
# created through the API, each with its audit event). Release build, SQLite by default, or the
# PostgreSQL server named by ANWEI_DATABASE_URL. Prints p50/p95/p99 and errors; asserts nothing.
#   bench/concurrency.sh [assets] [seconds] [clients] [writes per 10 requests, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-33000}"
secs="${2:-60}"
clients="${3:-50}"
writes="${4:-2}"
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
command -v wrk >/dev/null || { echo "bench: wrk is needed (apt-get install wrk)"; exit 1; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anwei-target}"
cargo build --release -p anwei --quiet
bin="$CARGO_TARGET_DIR/release/anwei"
work="$(mktemp -d)"
port=18098
base="http://127.0.0.1:$port"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

db_args=(--data-dir "$work")
[ -n "${ANWEI_DATABASE_URL:-}" ] && db_args+=(--database-url "$ANWEI_DATABASE_URL")
"$bin" "${db_args[@]}" demo >/dev/null
cargo run --release -p anwei-docs --quiet --example inventory_sheet -- "$n" "$work/inventory.xlsx" >/dev/null
"$bin" "${db_args[@]}" asset import --agency xiaying-es --file "$work/inventory.xlsx" >/dev/null
ANWEI_LOG=error "$bin" "${db_args[@]}" serve --bind "127.0.0.1:$port" & pid=$!
until curl -fs "$base/healthz" >/dev/null 2>&1; do sleep 0.05; done
token=$("$bin" "${db_args[@]}" token create --username xiaying.officer --name bench | tail -n 1)

# A signed-in browser session of the officer (through the first sign-in's password change).
cookie=$(python3 - "$base" <<'PY'
import http.client, re, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
jar = {}
def call(method, path, form=None):
    c = http.client.HTTPConnection(u.hostname, u.port)
    h = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
         "Origin": sys.argv[1], "Sec-Fetch-Site": "same-origin"}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body, h)
    r = c.getresponse()
    text = r.read().decode()
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            jar[name] = rest.split(";")[0]
    m = re.search(r'name="csrf" value="([^"]+)"', text)
    return r.status, m.group(1) if m else None
_, csrf = call("GET", "/login")
call("POST", "/login", {"csrf": csrf, "username": "xiaying.officer", "password": "Anwei-demo-115"})
_, csrf = call("GET", "/password")
status, _ = call("POST", "/password", {"csrf": csrf, "current_password": "Anwei-demo-115",
                                        "new_password": "Bench-pass-116", "confirm_password": "Bench-pass-116"})
if status != 303:
    sys.exit(f"bench: the password change answered {status}")
print("; ".join(f"{k}={v}" for k, v in jar.items() if "session" in k))
PY
)

cat >"$work/mix.lua" <<LUA
-- Per 10 requests: $writes writes (assets created), 3 API pages, and the rest inventory pages
-- (HTML, page 1 or a later one).
-- Each thread gets its own number (a global of its Lua state), so that names never collide.
local threads = {}
local counter = 0
local started = 0
function setup(thread)
  started = started + 1
  thread:set("tid", started)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
end
function request()
  counter = counter + 1
  local r = counter % 10
  if r < 7 - $writes then
    local page = (r == 0) and "" or ("?page=" .. (counter % 600 + 1))
    return wrk.format("GET", "/agencies/xiaying-es/assets" .. page, { ["Cookie"] = "$cookie" })
  elseif r < 10 - $writes then
    return wrk.format("GET", "/api/v1/agencies/xiaying-es/assets?per_page=50&page=" .. (counter % 600 + 1),
      { ["Authorization"] = "Bearer $token" })
  else
    local body = '{"name":"load-' .. tid .. '-' .. counter .. '","kind":"hardware","confidentiality":"中"}'
    return wrk.format("POST", "/api/v1/agencies/xiaying-es/assets",
      { ["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json" }, body)
  end
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do
      if code >= 400 then bad = bad + n end
    end
  end
  io.write(string.format("requests %d in %.1f s: %.0f req/s\n", summary.requests,
    summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
  io.write(string.format("errors: %d answers >= 400, %d connect, %d read, %d write, %d timeout\n",
    bad, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
LUA

echo "== Anwei under $clients clients for ${secs}s ($writes writes in 10 requests): $n assets, release build, $(nproc) cores, ${ANWEI_DATABASE_URL:+PostgreSQL}${ANWEI_DATABASE_URL:-SQLite} =="
page_bytes=$(curl -s -H "Cookie: $cookie" "$base/agencies/xiaying-es/assets" | wc -c)
echo "inventory page 1: $page_bytes bytes of HTML"
wrk -t2 -c"$clients" -d"${secs}s" --timeout 10s -s "$work/mix.lua" "$base" | sed -n '/^requests/,$p'
