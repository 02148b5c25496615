#!/usr/bin/env bash
# A soak of mixed traffic (browse, basket, buy, withdraw, staff pages: scripts/soak.py)
# against one `ecrin serve`, with its memory sampled every 10 s.
#
#   bash scripts/soak.sh                      # SQLite, 600 s
#   DB=postgres DURATION=120 bash scripts/soak.sh
#   MIMALLOC_SHOW_STATS=1 bash scripts/soak.sh  # and the allocator's statistics at exit
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
DB=${DB:-sqlite}
DURATION=${DURATION:-600}
bin=${ECRIN_BIN:-$PWD/target/release/ecrin}
if [ -z "${ECRIN_BIN:-}" ]; then
  echo "==> Building the release binary"
  cargo build --release --locked -q
fi
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  pg_stop
  rm -rf "$work"
}
trap cleanup EXIT

case $DB in
  sqlite) url="sqlite://$work/shop.db" ;;
  postgres)
    pg_start "$work" ecrin_soak
    url=$pg_url
    ;;
esac
# The `paris` profile with CHK-9's limits per account and address raised: the soak's few
# customers buy again and again, all from 127.0.0.1.
cp profiles/paris.toml "$work/soak-paris.toml"
printf '\n[fraud]\nmax_units_per_sku = 10\nmax_orders_per_account_per_hour = 1000000\nmax_orders_per_ip_per_hour = 1000000000\n' >>"$work/soak-paris.toml"
printf '%s\n' "soak warehouse secret" | ECRIN_DATABASE_URL=$url "$bin" admin create-staff \
  --email stock@soak.test --name Stock --role warehouse >/dev/null
port=$(free_port)
base="http://127.0.0.1:$port"
ECRIN_DATABASE_URL=$url ECRIN_ADDR=127.0.0.1:$port ECRIN_TEST_MODE=1 ECRIN_DEMO_DATA=1 RUST_LOG=warn \
  ECRIN_PROFILE="$work/soak-paris.toml" ECRIN_AUTH_ATTEMPTS_PER_MINUTE=1000000000 \
  "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
until curl -fsS "$base/readyz" >/dev/null 2>&1; do sleep 0.1; kill -0 "$server_pid" || { cat "$work/server.log"; exit 1; }; done
echo "==> $DB: preparing customers"
python3 scripts/bench_accounts.py "$base" 4 "$work" >/dev/null
python3 - "$base" "$work" <<'PY'
import json, sys, urllib.request
base, work = sys.argv[1], sys.argv[2]
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.loads(res.read() or b"{}")
staff = call("POST", "/api/v1/sessions", {"email": "stock@soak.test", "password": "soak warehouse secret"})["token"]
skus = open(f"{work}/purchase_skus.txt").read().strip().split(",")
for sku in skus:
    call("PUT", f"/api/v1/admin/variants/{sku}/stock", {"on_hand": 1000000}, staff)
slugs = [p["slug"] for p in call("GET", "/api/v1/products?page%5Bsize%5D=100")["items"]]
json.dump({"tokens": json.load(open(f"{work}/purchase_tokens.json"))[:12], "skus": skus, "slugs": slugs,
           "warehouse_token": staff}, open(f"{work}/soak.json", "w"))
PY
echo "==> $DB: ${DURATION}s of mixed traffic"
status=0
python3 scripts/soak.py "$base" "$server_pid" "$work" "$DURATION" || status=$?
if grep -q "panicked" "$work/server.log"; then echo "the server log shows a panic"; status=1; fi
grep -E "ERROR" "$work/server.log" | head -5 || true
if [ -n "${MIMALLOC_SHOW_STATS:-}" ]; then
  # The allocator's own account, printed as the server exits: what the shop's heap holds
  # (current) against what it asked of the system (committed, reserved).
  kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
  server_pid=""
  sed -n '/^subproc/,$p' "$work/server.log"
fi
exit "$status"
