#!/usr/bin/env bash
# Bad input at scale: schemathesis (from PyPI) generates requests from the shop's own
# OpenAPI document (/api/openapi.json) and checks that no answer is a server error and
# every answer matches the document, on SQLite and on PostgreSQL, as a visitor, a
# customer (with an address, a basket and an order) and as staff of each role, the admin
# with the second factor set up as on the back-office pages.
# The test routes (/api/v1/test/*, served only in test mode, which the script needs to
# activate its customer) are left out.
#
#   bash scripts/schemathesis.sh                  # both databases, 60 s per identity
#   DBS=sqlite MAX_TIME=20 bash scripts/schemathesis.sh
#
# Each run's report is kept in target/schemathesis/; the exit status is 1 if any run
# found a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

DBS=${DBS:-"sqlite postgres"}
MAX_TIME=${MAX_TIME:-60}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

command -v schemathesis >/dev/null 2>&1 || python3 -m pip install -q 'schemathesis==4.*'
command -v curl >/dev/null 2>&1 || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq curl >/dev/null; }

bin=${ECRIN_BIN:-$PWD/target/release/ecrin}
if [ -z "${ECRIN_BIN:-}" ]; then
  echo "==> Building the release binary"
  cargo build --release --locked -q
fi
out=target/schemathesis
mkdir -p "$out"
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  pg_stop
  rm -rf "$work"
}
trap cleanup EXIT

failed=0
for db in $DBS; do
  case $db in
    sqlite) url="sqlite://$work/shop.db" ;;
    postgres)
      pg_start "$work" ecrin_fuzz
      url=$pg_url
      ;;
  esac
  port=$(free_port)
  base="http://127.0.0.1:$port"
  for role in customer_service warehouse accountant admin; do
    printf '%s\n' "fuzzing $role secret" | ECRIN_DATABASE_URL=$url "$bin" admin create-staff \
      --email "$role@fuzz.test" --name "$role" --role "$role" >/dev/null
  done
  ECRIN_DATABASE_URL=$url ECRIN_ADDR=127.0.0.1:$port ECRIN_TEST_MODE=1 ECRIN_DEMO_DATA=1 RUST_LOG=warn \
    ECRIN_AUTH_ATTEMPTS_PER_MINUTE=1000000 "$bin" serve >"$out/server-$db.log" 2>&1 &
  server_pid=$!
  until curl -fsS "$base/readyz" >/dev/null 2>&1; do
    sleep 0.1
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/server-$db.log"; exit 1; }
  done
  # The identities: a customer with an address, a basket and an order, and staff.
  python3 - "$base" >"$work/tokens" <<'PY'
import json, sys, urllib.error, urllib.request
base = sys.argv[1]
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.loads(res.read() or b"{}")
email, password = "fuzz@example.fr", "fuzzing rubis onyx"
call("POST", "/api/v1/accounts", {"email": email, "password": password, "given_name": "Ana",
     "family_name": "Lima", "declares_adult_consumer": True})
mail = call("GET", "/api/v1/test/outbox?to=fuzz%40example.fr")["items"][0]
call("POST", "/api/v1/accounts/activate", {"token": mail["links"][0].split("token=")[1]})
customer = call("POST", "/api/v1/sessions", {"email": email, "password": password})["token"]
call("POST", "/api/v1/me/addresses", {"given_name": "Ana", "family_name": "Lima", "line1": "12 rue des Orfèvres",
     "postcode": "75003", "city": "Paris", "country": "FR", "phone": "+33 1 23 45 67 89"}, token=customer)
piece = next(v["sku"] for p in call("GET", "/api/v1/products?availability=in_stock")["items"]
             for v in call("GET", "/api/v1/products/" + p["slug"])["variants"]
             if v["availability"] == "in_stock" and not v["personalisable"])
call("POST", "/api/v1/basket/items", {"sku": piece, "quantity": 1}, token=customer)
summary = call("POST", "/api/v1/checkout", {}, token=customer)
try:
    call("POST", "/api/v1/orders", {"checkout_id": summary["id"], "accept_terms": True,
         "terms_version": summary["terms"]["version"], "confirm_obligation_to_pay": True,
         "payment_method": "card"}, token=customer)
except urllib.error.HTTPError as e:
    sys.exit(f"placing the customer's order: {e.code} {e.read().decode()}")
call("POST", "/api/v1/basket/items", {"sku": piece, "quantity": 1}, token=customer)
print("customer", customer)
for role in ("customer_service", "warehouse", "accountant"):
    print(role, call("POST", "/api/v1/sessions", {"email": role + "@fuzz.test", "password": "fuzzing " + role + " secret"})["token"])

# The admin sets up the second factor on the back-office pages, as a person would with an
# authenticator app (RFC 6238: HMAC-SHA-1, 30 s, 6 digits), then opens an API session
# with the next time step's code (each step is taken once; one step of skew is allowed).
import base64, hashlib, hmac, http.cookiejar, re, struct, time, urllib.parse
def totp(secret, step):
    mac = hmac.new(base64.b32decode(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    at = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[at:at + 4])[0] & 0x7FFFFFFF) % 1000000)
pages = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
def page(path, form=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    with pages.open(urllib.request.Request(base + path, data=data), timeout=60) as res:
        return res.read().decode()
csrf = lambda html: re.search(r'name="csrf" value="([^"]+)"', html).group(1)
html = page("/fr/staff/login")
html = page("/fr/staff/login", {"csrf": csrf(html), "email": "admin@fuzz.test", "password": "fuzzing admin secret"})
secret = re.search(r"<td[^>]*>\s*([A-Z2-7]{4}(?: [A-Z2-7]{1,4})+)\s*</td>", html).group(1).replace(" ", "")
step = int(time.time()) // 30
page("/fr/staff/second-factor", {"csrf": csrf(html), "code": totp(secret, step)})
admin = call("POST", "/api/v1/sessions", {"email": "admin@fuzz.test", "password": "fuzzing admin secret",
             "otp": totp(secret, step + 1)})["token"]
# Last: what the admin changes (closed accounts, withdrawn pieces) touches no one after.
print("admin", admin)
PY
  while read -r who token; do
    for identity in visitor "$who"; do
      [ "$identity" = visitor ] && [ "$who" != customer ] && continue
      echo "==> $db: schemathesis as $identity, ${MAX_TIME}s"
      auth=()
      # Logging out, erasing one's own account and reporting it misused (which locks it)
      # end the token: with them in the run, every operation after would be a 401. They
      # are tried as the visitor (401).
      [ "$identity" = visitor ] || auth=(-H "Authorization: Bearer $token"
        --exclude-name 'DELETE /api/v1/sessions/current' --exclude-name 'DELETE /api/v1/me'
        --exclude-name 'POST /api/v1/me/report-misuse')
      report="$PWD/$out/$db-$identity.txt"
      # Run from the scratch folder: schemathesis keeps its cache in the working directory.
      if (cd "$work" && schemathesis run "$base/api/openapi.json" "${auth[@]}" \
          --checks not_a_server_error,response_schema_conformance \
          --exclude-path-regex '^/api/v1/test/' \
          --phases examples,coverage,fuzzing --workers 1 --max-time "$MAX_TIME" \
          --suppress-health-check all >"$report" 2>&1); then
        echo "$db, $identity: $(grep -E '^Test cases:' -A1 "$report" | tail -1 | xargs)"
      else
        failed=1
        echo "$db, $identity: FAILURES (see $report)"
        grep -E '^(_{5,}|[0-9]+\. )' "$report" | head -20 || true
      fi
    done
  done <"$work/tokens"
  if grep -q "panicked" "$out/server-$db.log"; then
    echo "$db: the server log shows a panic"; failed=1
  fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
exit "$failed"
