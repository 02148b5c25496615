#!/usr/bin/env bash
# Load test of the shop on this machine: catalogue API, a product page and a search, on
# SQLite and on PostgreSQL, reporting requests/s, p50/p99 latency, the server's peak RSS
# and the cold start time. Installs wrk (Debian) if missing. Only 127.0.0.1 is loaded;
# every run is bounded in time.
#
#   bash scripts/bench.sh              # both databases
#   DBS=sqlite DURATION=20s bash scripts/bench.sh
#   ONLY=accounts DBS=sqlite bash scripts/bench.sh   # logins, basket and checkout only
#   ONLY=purchase DBS=postgres bash scripts/bench.sh  # the whole purchase only
#   ONLY=ceiling DBS=sqlite bash scripts/bench.sh  # the cached catalogue answers against
#                  # ../shared/bench/ceiling serving the same bytes from memory (also part of
#                  # the default run)
#   ONLY=large PRODUCTS=10000 bash scripts/bench.sh  # a catalogue of PRODUCTS products with
#                  # five variants each (scripts/catalogue-csv.awk) imported with
#                  # `ecrin catalogue import`, then its list, search and facets loaded
#   PERF_OUT=/tmp/purchase.perf ...  # records the first server's CPU during the purchase run
#   PG_STATEMENTS=1 ...  # PostgreSQL counts each statement of the purchase runs
#                        # (pg_stat_statements), kept in target/bench/statements-*.txt
#   BENCH_BIN=/path/to/ecrin BENCH_LOAD=/path/to/purchase_load ...  # binaries built
#                  # elsewhere (another commit, for a comparison), nothing built here
#   PGBENCH=1 ...  # first measures PostgreSQL alone on this machine with pgbench (its
#                  # built-in select-only and simple-update scripts, 8 clients, 8 s each)
#   PG_LOG=1 ...  # PostgreSQL logs every statement, kept in target/bench/postgres.log
#   DISK_WRITER=1 ...   # the basket, checkout and purchase loads beside a process writing
#                       # and syncing 256 MB files in a loop (dd), with the fsync rate measured
#   DISK_WRITER=direct ...  # the same beside two such processes writing with O_DIRECT:
#                           # the disk as loaded, without their page-cache work on the CPU
#
# The whole purchase (basket → summary → order → sandbox card payment → confirmation) runs
# crates/ecrin/examples/purchase_load.rs: PURCHASE_CONNS virtual customers for
# PURCHASE_DURATION seconds, on one server, and on PostgreSQL also on three servers sharing
# the database. One piece has LIMITED_UNITS units and sells out during the run; afterwards
# the database is asked whether any unit was sold twice and whether invoices run unbroken.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

DURATION=${DURATION:-15s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
DBS=${DBS:-"sqlite postgres"}
CUSTOMERS=${CUSTOMERS:-1000}
BASKET_DURATION=${BASKET_DURATION:-8s}
PURCHASE_CONNS=${PURCHASE_CONNS:-32}
PURCHASE_DURATION=${PURCHASE_DURATION:-10}
LIMITED_UNITS=${LIMITED_UNITS:-200}
# Every server of a run signs the sandbox's links and callbacks alike.
export ECRIN_PAYMENT_SECRET=${ECRIN_PAYMENT_SECRET:-bench-payment-secret-0123456789abcdef}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

command -v wrk >/dev/null 2>&1 || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq wrk >/dev/null; }
[ -x /usr/bin/time ] || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq time >/dev/null; }
command -v curl >/dev/null 2>&1 || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq curl >/dev/null; }

bin=${BENCH_BIN:-$PWD/target/release/ecrin}
loadbin=${BENCH_LOAD:-$PWD/target/release/examples/purchase_load}
if [ -z "${BENCH_BIN:-}" ]; then
  echo "==> Building the release binary and the purchase load"
  cargo build --release --locked -q
  cargo build --release --locked -q -p ecrin --example purchase_load
fi
# The ceiling: axum answering every GET with one body from memory, nothing else.
ceiling_dir=${CEILING_DIR:-../shared/bench/ceiling}
ceiling_bin=$PWD/target/ceiling/release/ceiling
if [ -f "$ceiling_dir/Cargo.toml" ] && [ "${ONLY:-}" != accounts ] && [ "${ONLY:-}" != purchase ] && [ "${ONLY:-}" != large ]; then
  echo "==> Building the ceiling ($ceiling_dir)"
  CARGO_TARGET_DIR=$PWD/target/ceiling cargo build --release -q --manifest-path "$ceiling_dir/Cargo.toml"
fi
work=$(mktemp -d)
out=target/bench
mkdir -p "$out"
server_pid=""

extra_pids=()
cleanup() {
  stop_disk_writer
  for p in "${extra_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  pg_stop
  [ -z "$pg_data" ] || [ -z "${PG_LOG:-}" ] || cp "$pg_dir/log" "$out/postgres.log"
  rm -rf "$work"
}
trap cleanup EXIT

# Single 4 KB write+fsync pairs per second on the bench's disk, measured for two seconds.
fsync_rate() {
  python3 - "$work/fsync.probe" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
n, end = 0, time.time() + 2
while time.time() < end:
    os.pwrite(fd, b"x" * 4096, 0)
    os.fsync(fd)
    n += 1
os.close(fd)
print(n // 2)
PY
}

disk_writer_pids=()
# DISK_WRITER=1: one dd through the page cache, which also takes CPU (copying, flushing).
# DISK_WRITER=direct: two dd with O_DIRECT, which load the disk and leave the CPU alone.
start_disk_writer() {
  if [ "$DISK_WRITER" = direct ]; then
    for i in 1 2; do
      ( while :; do dd if=/dev/zero of="$work/dd$i.bin" bs=1M count=256 oflag=direct conv=fsync status=none; done ) &
      disk_writer_pids+=($!)
    done
  else
    ( while :; do dd if=/dev/zero of="$work/dd.bin" bs=1M count=256 conv=fsync status=none; done ) &
    disk_writer_pids+=($!)
  fi
}
stop_disk_writer() {
  if [ "${#disk_writer_pids[@]}" -gt 0 ]; then
    kill "${disk_writer_pids[@]}" 2>/dev/null || true
    wait "${disk_writer_pids[@]}" 2>/dev/null || true
    pkill -f "of=$work/dd" 2>/dev/null || true
    disk_writer_pids=()
  fi
}

# The `paris` profile, with CHK-9's limits on orders per account and per client address
# raised: every request of the load comes from 127.0.0.1, and each virtual customer orders
# again and again. Everything else is the profile as shipped.
bench_profile() {
  cp profiles/paris.toml "$work/bench-paris.toml"
  printf '\n[fraud]\nmax_units_per_sku = 10\nmax_orders_per_account_per_hour = 1000000\nmax_orders_per_ip_per_hour = 1000000000\n' >>"$work/bench-paris.toml"
  echo "$work/bench-paris.toml"
}

now_ms() { date +%s%3N; }

# The user and system CPU time, in clock ticks, the given processes have used so far.
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}

# Starts the server on a database; sets server_pid, port, start_ms (launch to first answer).
start_server() {
  local url=$1
  port=$(free_port)
  local t0; t0=$(now_ms)
  ECRIN_DATABASE_URL=$url ECRIN_ADDR=127.0.0.1:$port RUST_LOG=warn ECRIN_TEST_MODE=${BENCH_TEST_MODE:-0} \
    ECRIN_PROFILE=$profile \
    ECRIN_AUTH_ATTEMPTS_PER_MINUTE=1000000000 "$bin" serve >"$work/server.log" 2>&1 &
  server_pid=$!
  until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    sleep 0.005
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  done
  start_ms=$(( $(now_ms) - t0 ))
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

to_ms() { # wrk latency like 812.00us, 1.23ms, 2.01s
  python3 -c '
import sys
v=sys.argv[1]
for unit,f in (("us",0.001),("ms",1),("s",1000)):
    if v.endswith(unit):
        print(f"{float(v[:-len(unit)])*f:.2f}"); break' "$1"
}

# SQL on the bench's database: one row per line, columns separated by `|`.
sql() {
  case $db in
    sqlite) python3 - "$work/bench.db" "$1" <<'PY'
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("|".join(str(c) for c in row))
PY
    ;;
    postgres) psql -qtA -h 127.0.0.1 -p "$pg_port" -U postgres -d ecrin_bench -c "$1" ;;
  esac
}

# The first server's SQLite writer counters (`name value` lines; none on PostgreSQL).
writer_counters() {
  curl -fsS "http://127.0.0.1:$port/metrics" | awk '/^ecrin_db_(writer_|checkpoint)/ { print $1, $2 }' || true
}

# The whole purchase on `procs` servers sharing the database (the first one running).
purchase() {
  local procs=$1 label=$2
  local skus; skus=$(cat "$work/purchase_skus.txt")
  local list; list=$(echo "$skus" | sed "s/,/','/g")
  if [ ! -f "$work/staff.$db" ]; then
    printf '%s\n' "bench warehouse secret" | ECRIN_DATABASE_URL=$url "$bin" admin create-staff \
      --email stock@bench.test --name Stock --role warehouse >/dev/null
    touch "$work/staff.$db"
  fi
  local staff
  staff=$(curl -fsS -H 'content-type: application/json' \
    -d '{"email":"stock@bench.test","password":"bench warehouse secret"}' \
    "http://127.0.0.1:$port/api/v1/sessions" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  local first=1 units
  for sku in ${skus//,/ }; do
    units=1000000; [ $first = 1 ] && units=$LIMITED_UNITS; first=0
    curl -fsS -X PUT -H "authorization: Bearer $staff" -H 'content-type: application/json' \
      -d "{\"on_hand\": $units}" "http://127.0.0.1:$port/api/v1/admin/variants/$sku/stock" >/dev/null
  done
  local reserved_before
  reserved_before=$(sql "SELECT v.sku, COALESCE((SELECT SUM(l.reserved) FROM order_lines l WHERE l.sku = v.sku), 0) FROM variants v WHERE v.sku IN ('$list') ORDER BY v.sku")
  local bases="http://127.0.0.1:$port" i p
  for i in $(seq 2 "$procs"); do
    p=$(free_port)
    ECRIN_DATABASE_URL=$url ECRIN_ADDR=127.0.0.1:$p RUST_LOG=warn ECRIN_TEST_MODE=1 ECRIN_PROFILE=$profile \
      ECRIN_AUTH_ATTEMPTS_PER_MINUTE=1000000000 "$bin" serve >"$work/server$i.log" 2>&1 &
    extra_pids+=($!)
    until curl -fsS "http://127.0.0.1:$p/readyz" >/dev/null 2>&1; do sleep 0.05; done
    bases="$bases,http://127.0.0.1:$p"
  done
  echo "==> $db: the whole purchase on $procs server(s)$label, $PURCHASE_CONNS customers, ${PURCHASE_DURATION}s"
  if [ "$db" = postgres ] && [ -n "${PG_STATEMENTS:-}" ]; then
    sql "SELECT pg_stat_statements_reset()" >/dev/null
  fi
  local ok=0 perf_pid=""
  if [ -n "${PERF_OUT:-}" ]; then
    # Where the first server's CPU goes during the run (perf report -i "$PERF_OUT").
    perf record -q -F 499 --call-graph dwarf,16384 -p "$server_pid" -o "$PERF_OUT" \
      -- sleep "$PURCHASE_DURATION" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  # CPU time (clock ticks) of the servers and of the load, to divide by the completed orders:
  # a measure that moves less than orders/s when the machine's speed varies.
  local servers_cpu; servers_cpu=$(cpu_ticks "$server_pid" "${extra_pids[@]}")
  # The first server's SQLite writer (empty on PostgreSQL): how busy the run kept it.
  local writer_before; writer_before=$(writer_counters)
  local started_ns; started_ns=$(date +%s%N)
  local load_cpu_file="$work/load_cpu.txt"
  TIMEFORMAT='%U %S'
  { time "$loadbin" "$bases" "$work/purchase_tokens.json" "$skus" "$PURCHASE_CONNS" "$PURCHASE_DURATION" \
    "$work/purchased.jsonl" >"$work/purchase.txt" 2>"$work/purchase.err"; } 2>"$load_cpu_file" || ok=$?
  servers_cpu=$(( $(cpu_ticks "$server_pid" "${extra_pids[@]}") - servers_cpu ))
  local writer_after; writer_after=$(writer_counters)
  local elapsed_ns=$(( $(date +%s%N) - started_ns ))
  cat "$work/purchase.err" >&2
  [ -n "$perf_pid" ] && wait "$perf_pid" 2>/dev/null || true
  for p in "${extra_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  extra_pids=()
  {
    echo
    echo "#### $db, whole purchase, $procs server(s)$label"
    echo
    cat "$work/purchase.txt"
    python3 - "$(wc -l <"$work/purchased.jsonl")" "$servers_cpu" "$(getconf CLK_TCK)" "$(cat "$load_cpu_file")" "$PURCHASE_DURATION" <<'PY'
import sys
orders, ticks, hz = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
load = sum(float(x) for x in sys.argv[4].split())
duration = float(sys.argv[5])
server = ticks / hz
per = lambda s: f"{1000 * s / orders:.2f} ms" if orders else "-"
print(f"CPU: server(s) {server:.1f} s ({server / duration:.2f} cores), {per(server)} per completed order; "
      f"load {load:.1f} s ({load / duration:.2f} cores), {per(load)} per order")
PY
    python3 - "$writer_before" "$writer_after" "$elapsed_ns" <<'PY'
import sys
read = lambda text: {k: float(v) for k, v in (l.split() for l in text.splitlines() if l.strip())}
before, after, wall = read(sys.argv[1]), read(sys.argv[2]), int(sys.argv[3]) / 1e9
if after:
    d = {k: after[k] - before.get(k, 0.0) for k in after}
    tx, commit = d["ecrin_db_writer_transaction_seconds_total"], d["ecrin_db_writer_commit_seconds_total"]
    n, groups = d["ecrin_db_writer_transactions_total"], d["ecrin_db_writer_group_commits_total"]
    print(f"SQLite writer: held by transactions {100 * tx / wall:.0f} % of the run, committing "
          f"{100 * commit / wall:.0f} %, free or passing between holders {100 - 100 * (tx + commit) / wall:.0f} %; "
          f"{n / max(groups, 1):.1f} transactions per group commit, {1000 * commit / max(groups, 1):.2f} ms per "
          f"group commit, {1e6 * tx / max(n, 1):.0f} µs per transaction")
    syncs, synced = d.get("ecrin_db_writer_syncs_total", 0.0), d.get("ecrin_db_writer_sync_seconds_total", 0.0)
    print(f"SQLite log syncs (beside the writer): {syncs / wall:.0f} per second, busy {100 * synced / wall:.0f} % "
          f"of the run, {1000 * synced / max(syncs, 1):.2f} ms each, {groups / max(syncs, 1):.1f} group commits per sync")
    ckpts, ckpt = d.get("ecrin_db_checkpoints_total", 0.0), d.get("ecrin_db_checkpoint_seconds_total", 0.0)
    print(f"SQLite checkpoints (beside the writer): {ckpts / wall:.1f} per second, busy {100 * ckpt / wall:.0f} % "
          f"of the run, {1000 * ckpt / max(ckpts, 1):.2f} ms each")
PY
  } | tee -a "$summary"
  # PAY-5: the units each piece lost are exactly those the run's orders hold.
  python3 - "$LIMITED_UNITS" "$skus" "$reserved_before" "$(sql "SELECT v.sku, v.on_hand, COALESCE((SELECT SUM(l.reserved) FROM order_lines l WHERE l.sku = v.sku), 0) FROM variants v WHERE v.sku IN ('$list') ORDER BY v.sku")" <<'PY' | tee -a "$summary"
import sys
limited, skus, before, after = int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3], sys.argv[4]
held_before = {l.split("|")[0]: int(l.split("|")[1]) for l in before.splitlines() if l}
oversold, lines = 0, []
for l in after.splitlines():
    sku, on_hand, held = l.split("|")
    initial = limited if sku == skus[0] else 1_000_000
    taken = int(held) - held_before.get(sku, 0)
    if int(on_hand) < 0 or initial - int(on_hand) != taken:
        oversold += 1
    if sku == skus[0]:
        lines.append(f"limited piece {sku}: {limited} units, {taken} sold, {on_hand} left")
print("stock: " + "; ".join(lines) + f"; pieces whose units do not add up: {oversold}")
PY
  if [ "$db" = postgres ] && [ -n "${PG_STATEMENTS:-}" ]; then
    # Each statement's calls per completed order and its mean time, busiest first.
    local orders; orders=$(wc -l <"$work/purchased.jsonl")
    sql "SELECT calls, round(calls::numeric / GREATEST($orders, 1), 2), round(mean_exec_time::numeric, 3), regexp_replace(query, '\s+', ' ', 'g') FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'ecrin_bench') ORDER BY total_exec_time DESC" \
      >"$out/statements-$procs.txt"
    echo "statements per completed order: $(awk -F'|' -v n="$orders" '{ s += $1 } END { printf "%.1f", s / (n > 0 ? n : 1) }' "$out/statements-$procs.txt") ($out/statements-$procs.txt)" | tee -a "$summary"
  fi
  sql "SELECT COUNT(*), MIN(seq), MAX(seq) FROM invoices" | awk -F'|' '{ printf "invoices in the database: %s, numbered %s to %s: %s\n", $1, $2, $3, ($1 == $3 - $2 + 1 && $2 == 1) ? "no gap" : "GAP" }' | tee -a "$summary"
  [ "$ok" = 0 ] || echo "$db: the purchase load reported errors (exit $ok)" | tee -a "$summary"
}

profile=$(bench_profile)
results="$out/results.md"
{
  echo "| database | endpoint | requests/s | p50 ms | p99 ms | errors |"
  echo "|---|---|---:|---:|---:|---:|"
} >"$results"
summary="$out/summary.md"
: >"$summary"
ceiling_results="$out/ceiling.md"
{
  echo "| database | answer | shop requests/s | ceiling requests/s | shop / ceiling |"
  echo "|---|---|---:|---:|---:|"
} >"$ceiling_results"

# Distinct price ranges on every request: each one misses the catalogue cache and runs
# the SQL (list + facets) on the database.
cat >"$work/uncached.lua" <<'LUA'
counter = 0
request = function()
  counter = counter + 1
  local lo = (counter * 7919) % 400000
  return wrk.format("GET", "/api/v1/products?min_price=" .. lo .. "&max_price=" .. (lo + 300000 + counter % 97))
end
LUA

load() {
  local db=$1 name=$2 path=$3 script=${4:-}
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency ${script:+-s "$script"} "http://127.0.0.1:$port$path" >"$work/wrk.txt"
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(to_ms "$(awk '$1=="50%" {print $2}' "$work/wrk.txt")")
  p99=$(to_ms "$(awk '$1=="99%" {print $2}' "$work/wrk.txt")")
  errors=$(awk '/Non-2xx/ {print $5} /Socket errors/ {print "socket"}' "$work/wrk.txt" | paste -sd' ')
  printf '| %s | %s | %.0f | %s | %s | %s |\n' "$db" "$name" "$rps" "$p50" "$p99" "${errors:-0}" | tee -a "$results"
}

# requests/s of one wrk run on a URL.
wrk_rps() {
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$1" | awk '/Requests\/sec/ {printf "%.0f", $2}'
}

# The shop's cached answer at `path` against the ceiling serving the same bytes (saved
# from the shop, without cookies, as wrk asks): ceiling, shop, ceiling, shop, and the
# ratio of the sums (the machine's speed drifts; alternating shares the drift).
ceiling() {
  local name=$1 path=$2 ctype=$3
  [ -x "$ceiling_bin" ] || { echo "no ceiling at $ceiling_bin: skipped"; return; }
  curl -fsS "http://127.0.0.1:$port$path" -o "$work/answer.bin"
  local cport; cport=$(free_port)
  "$ceiling_bin" "$work/answer.bin" "127.0.0.1:$cport" "$ctype" 2>/dev/null &
  local cpid=$!
  until curl -fsS "http://127.0.0.1:$cport/" >/dev/null 2>&1; do sleep 0.05; done
  local c=0 s=0 i r
  for i in 1 2; do
    r=$(wrk_rps "http://127.0.0.1:$cport/"); c=$((c + r))
    r=$(wrk_rps "http://127.0.0.1:$port$path"); s=$((s + r))
  done
  kill "$cpid" 2>/dev/null || true
  wait "$cpid" 2>/dev/null || true
  local bytes; bytes=$(wc -c <"$work/answer.bin")
  printf '| %s | %s (%s bytes) | %s | %s | %s %% |\n' "$db" "$name" "$bytes" "$((s / 2))" "$((c / 2))" \
    "$(( 100 * s / (c > 0 ? c : 1) ))" | tee -a "$ceiling_results"
}

ceilings() {
  ceiling "GET /api/v1/products" "/api/v1/products" "application/json"
  ceiling "GET /fr/products/solitaire-lumiere (page)" "/fr/products/solitaire-lumiere" "text/html; charset=utf-8"
  ceiling "GET /fr/catalogue?q=bague&material=platinum (page)" "/fr/catalogue?q=bague&material=platinum" "text/html; charset=utf-8"
}

# A large catalogue: imported from CSV by the command line (timed, with its peak RSS),
# then the list, searches of a rare and of a common word, a filtered page with its
# facets and uncached price ranges, each loaded like the demo's.
large() {
  local url=$1 products=${PRODUCTS:-10000}
  awk -v PRODUCTS="$products" -f scripts/catalogue-csv.awk >"$work/large.csv"
  printf '%s\n' "bench admin secret" | ECRIN_DATABASE_URL=$url "$bin" admin create-staff \
    --email admin@bench.test --name Admin --role admin >/dev/null
  echo "==> $db: importing $products products, $((products * 5)) variants"
  local t0; t0=$(now_ms)
  ECRIN_DATABASE_URL=$url ECRIN_PROFILE=$profile /usr/bin/time -f '%M' -o "$work/import.rss" \
    "$bin" catalogue import "$work/large.csv" --as admin@bench.test 2>/dev/null | tail -1
  local took=$(( $(now_ms) - t0 ))
  echo "$db: import of $products products and $((products * 5)) variants: $((took / 1000)) s ($(( took * 1000 / (products * 5) )) µs per variant row), peak RSS $(( $(cat "$work/import.rss") / 1024 )) MB" | tee -a "$summary"
  start_server "$url"
  wrk -t1 -c4 -d2s "http://127.0.0.1:$port/api/v1/products" >/dev/null
  load "$db" "$products products: GET /api/v1/products" "/api/v1/products"
  load "$db" "$products products: GET /api/v1/products?q=opaline (rare word)" "/api/v1/products?q=opaline"
  load "$db" "$products products: GET /api/v1/products?q=paris (every product)" "/api/v1/products?q=paris"
  load "$db" "$products products: GET /fr/catalogue?material=platinum&stone=ruby (page, facets)" "/fr/catalogue?material=platinum&stone=ruby"
  load "$db" "$products products: GET /fr/products/piece-04242 (page)" "/fr/products/piece-04242"
  load "$db" "$products products: price ranges, every request a cache miss" "/" "$work/uncached.lua"
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
  echo "$db: server peak RSS after the $products-product runs: $((rss / 1024)) MB" | tee -a "$summary"
  stop_server
}

for db in $DBS; do
  case $db in
    sqlite)
      url="sqlite://$work/bench.db"
      ;;
    postgres)
      pg_start "$work" ecrin_bench "${PG_STATEMENTS:+-c shared_preload_libraries=pg_stat_statements}${PG_LOG:+ -c log_statement=all -c log_min_duration_statement=-1}"
      [ -z "${PG_STATEMENTS:-}" ] || pg_sql ecrin_bench 'create extension pg_stat_statements'
      url=$pg_url
      if [ -n "${PGBENCH:-}" ]; then
        # The ceiling: PostgreSQL's own client, nothing else running, on the same cluster.
        pgb() { /usr/lib/postgresql/15/bin/pgbench -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
        pg_sql postgres 'create database pgbench'
        pgb -q -i -s 10 pgbench >/dev/null 2>&1
        for mode in "-S select-only (1 statement per transaction)" "-N simple-update (BEGIN, 3 statements, END)"; do
          tps=$(pgb -M prepared ${mode%% *} -c 8 -j 2 -T 8 pgbench 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
          echo "postgres alone (pgbench ${mode#* }, 8 clients): $tps transactions/s" | tee -a "$summary"
        done
      fi
      ;;
  esac
  echo "==> $db: first start (create, migrate, load the demo catalogue)"
  start_server "$url"
  first_start=$start_ms
  stop_server
  if [ "${ONLY:-}" = large ]; then
    large "$url"
    continue
  fi
  if [ "${ONLY:-}" = ceiling ]; then
    start_server "$url"
    wrk -t1 -c4 -d2s "http://127.0.0.1:$port/api/v1/products" >/dev/null
    ceilings
    stop_server
    continue
  fi
  if [ "${ONLY:-}" != accounts ] && [ "${ONLY:-}" != purchase ]; then
  start_server "$url"
  echo "$db: cold start to first answer: ${first_start} ms on an empty database, ${start_ms} ms on an existing one" | tee -a "$summary"
  # Warm up, then measure.
  wrk -t1 -c4 -d2s "http://127.0.0.1:$port/api/v1/products" >/dev/null
  load "$db" "GET /api/v1/products" "/api/v1/products"
  load "$db" "GET /fr/products/solitaire-lumiere (page)" "/fr/products/solitaire-lumiere"
  load "$db" "GET /api/v1/products?q=saphir (search)" "/api/v1/products?q=saphir"
  load "$db" "GET /fr/catalogue?q=bague&material=platinum (page)" "/fr/catalogue?q=bague&material=platinum"
  load "$db" "GET /api/v1/products?min_price=…&max_price=… (every request a cache miss)" "/" "$work/uncached.lua"
  ceilings
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
  echo "$db: server peak RSS after the catalogue runs: $((rss / 1024)) MB" | tee -a "$summary"
  stop_server
  fi

  # Accounts: the same database, in test mode to read the activation e-mails.
  echo "==> $db: signing up $CUSTOMERS customers for the login and basket loads"
  BENCH_TEST_MODE=1 start_server "$url"
  python3 scripts/bench_accounts.py "http://127.0.0.1:$port" "$CUSTOMERS" "$work"
  [ "${ONLY:-}" = purchase ] || load "$db" "POST /api/v1/sessions (login, Argon2id m=19 MiB t=2 p=1)" "/" "$work/login.lua"
  beside=""
  if [ -n "${DISK_WRITER:-}" ]; then
    echo "$db: fsyncs/s on a quiet disk: $(fsync_rate)" | tee -a "$summary"
    start_disk_writer
    sleep 1
    echo "$db: fsyncs/s beside the disk writer: $(fsync_rate)" | tee -a "$summary"
    beside=", beside a disk writer"
    [ "$DISK_WRITER" != direct ] || beside=", beside two O_DIRECT disk writers"
  fi
  if [ "${ONLY:-}" != purchase ]; then
  # 50 additions per customer at most (BSK-2): the run stops well before that.
  DURATION=$BASKET_DURATION load "$db" "POST /api/v1/basket/items (add to basket$beside)" "/" "$work/basket.lua"
  # The baskets just filled, priced with the default address (CHK-1 … CHK-6, DLV-2).
  DURATION=${CHECKOUT_DURATION:-$BASKET_DURATION} load "$db" "POST /api/v1/checkout (priced summary$beside)" "/" "$work/checkout.lua"
  fi
  purchase 1 "$beside"
  if [ "$db" = postgres ]; then
    purchase 3 "$beside"
  fi
  stop_disk_writer
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
  echo "$db: server peak RSS after the account runs: $((rss / 1024)) MB" | tee -a "$summary"
  stop_server
done

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) cores, $(date -u +%Y-%m-%d)"
cat "$results"
if [ "$(wc -l <"$ceiling_results")" -gt 2 ]; then
  echo
  cat "$ceiling_results"
fi
cat "$summary"
