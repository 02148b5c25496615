#!/usr/bin/env bash
# Load test of the shop on this machine: catalogue API, a product page and a search, on
# SQLite and on PostgreSQL, reporting requests/s, p50/p99 latency, the server's peak RSS
# and the cold start time. Installs wrk (Debian) if missing. Only 127.0.0.1 is loaded;
# every run is bounded in time.
#
#   bash scripts/bench.sh              # both databases
#   DBS=sqlite DURATION=20s bash scripts/bench.sh
#   ONLY=accounts DBS=sqlite bash scripts/bench.sh   # logins, basket and checkout only
#   DISK_WRITER=1 ...   # the basket and checkout loads beside a process writing and
#                       # syncing 256 MB files in a loop (dd), with the fsync rate measured
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
DBS=${DBS:-"sqlite postgres"}
CUSTOMERS=${CUSTOMERS:-1000}
BASKET_DURATION=${BASKET_DURATION:-8s}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

command -v wrk >/dev/null 2>&1 || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null 2>&1 || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq curl >/dev/null; }

echo "==> Building the release binary"
cargo build --release --locked -q
bin=$PWD/target/release/ecrin
work=$(mktemp -d)
out=target/bench
mkdir -p "$out"
server_pid=""
pg_data=""

cleanup() {
  stop_disk_writer
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  if [ -n "$pg_data" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_data" -m fast stop >/dev/null 2>&1 || true
  fi
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

disk_writer_pid=""
start_disk_writer() {
  ( while :; do dd if=/dev/zero of="$work/dd.bin" bs=1M count=256 conv=fsync status=none; done ) &
  disk_writer_pid=$!
}
stop_disk_writer() {
  if [ -n "$disk_writer_pid" ]; then
    kill "$disk_writer_pid" 2>/dev/null || true
    wait "$disk_writer_pid" 2>/dev/null || true
    pkill -f "of=$work/dd.bin" 2>/dev/null || true
    disk_writer_pid=""
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

now_ms() { date +%s%3N; }

# Starts the server on a database; sets server_pid, port, start_ms (launch to first answer).
start_server() {
  local url=$1
  port=$(free_port)
  local t0; t0=$(now_ms)
  ECRIN_DATABASE_URL=$url ECRIN_ADDR=127.0.0.1:$port RUST_LOG=warn ECRIN_TEST_MODE=${BENCH_TEST_MODE:-0} \
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

results="$out/results.md"
{
  echo "| database | endpoint | requests/s | p50 ms | p99 ms | errors |"
  echo "|---|---|---:|---:|---:|---:|"
} >"$results"
summary="$out/summary.md"
: >"$summary"

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

for db in $DBS; do
  case $db in
    sqlite)
      url="sqlite://$work/bench.db"
      ;;
    postgres)
      pg_port=$(free_port)
      pg_dir="$work/pg"; mkdir -p "$pg_dir"; chown postgres:postgres "$pg_dir" "$work"
      pg_data="$pg_dir/data"
      runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$pg_data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
      runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_data" -l "$pg_dir/log" -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pg_dir" -w start >/dev/null
      psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -c 'create database ecrin_bench' >/dev/null
      url="postgres://postgres@127.0.0.1:$pg_port/ecrin_bench"
      ;;
  esac
  echo "==> $db: first start (create, migrate, load the demo catalogue)"
  start_server "$url"
  first_start=$start_ms
  stop_server
  if [ "${ONLY:-}" != accounts ]; then
  start_server "$url"
  echo "$db: cold start to first answer: ${first_start} ms on an empty database, ${start_ms} ms on an existing one" | tee -a "$summary"
  # Warm up, then measure.
  wrk -t1 -c4 -d2s "http://127.0.0.1:$port/api/v1/products" >/dev/null
  load "$db" "GET /api/v1/products" "/api/v1/products"
  load "$db" "GET /fr/products/solitaire-lumiere (page)" "/fr/products/solitaire-lumiere"
  load "$db" "GET /api/v1/products?q=saphir (search)" "/api/v1/products?q=saphir"
  load "$db" "GET /fr/catalogue?q=bague&material=platinum (page)" "/fr/catalogue?q=bague&material=platinum"
  load "$db" "GET /api/v1/products?min_price=…&max_price=… (every request a cache miss)" "/" "$work/uncached.lua"
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
  echo "$db: server peak RSS after the catalogue runs: $((rss / 1024)) MB" | tee -a "$summary"
  stop_server
  fi

  # Accounts: the same database, in test mode to read the activation e-mails.
  echo "==> $db: signing up $CUSTOMERS customers for the login and basket loads"
  BENCH_TEST_MODE=1 start_server "$url"
  python3 scripts/bench_accounts.py "http://127.0.0.1:$port" "$CUSTOMERS" "$work"
  load "$db" "POST /api/v1/sessions (login, Argon2id m=19 MiB t=2 p=1)" "/" "$work/login.lua"
  beside=""
  if [ -n "${DISK_WRITER:-}" ]; then
    echo "$db: fsyncs/s on a quiet disk: $(fsync_rate)" | tee -a "$summary"
    start_disk_writer
    sleep 1
    echo "$db: fsyncs/s beside the disk writer: $(fsync_rate)" | tee -a "$summary"
    beside=", beside a disk writer"
  fi
  # 50 additions per customer at most (BSK-2): the run stops well before that.
  DURATION=$BASKET_DURATION load "$db" "POST /api/v1/basket/items (add to basket$beside)" "/" "$work/basket.lua"
  # The baskets just filled, priced with the default address (CHK-1 … CHK-6, DLV-2).
  DURATION=${CHECKOUT_DURATION:-$BASKET_DURATION} load "$db" "POST /api/v1/checkout (priced summary$beside)" "/" "$work/checkout.lua"
  stop_disk_writer
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
  echo "$db: server peak RSS after the account runs: $((rss / 1024)) MB" | tee -a "$summary"
  stop_server
done

echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) cores, $(date -u +%Y-%m-%d)"
cat "$results"
cat "$summary"
