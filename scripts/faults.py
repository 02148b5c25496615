#!/usr/bin/env python3
"""The shop under faults, and what it kept: run by scripts/faults.sh (which builds the
binaries), results written to RELIABILITY.md by hand from its report.

Scenarios, each under the whole-purchase load (crates/ecrin/examples/purchase_load.rs:
basket, summary, order, sandbox card payment, confirmation, by many customers at once):

  sqlite-kill      `kill -9` of the one `ecrin serve` at random moments, restarted each time
  postgres-kill    three `ecrin serve` on one PostgreSQL, one of them killed at random moments
  postgres-restart PostgreSQL itself restarted under load; a probe times every answer meanwhile
  sqlite-full      the disk holding the SQLite file fills up under load, then is freed
  sqlite-readonly  that disk fails under load (the kernel turns it read-only), then is
                   checked and mounted again
  stripe-kill      `kill -9` of the one `ecrin serve` under the load, cards paid through
                   Stripe's stand-in (crates/ecrin/tests/standins/stripe_standin.py), whose
                   webhooks find the shop dead and are sent again, as Stripe does; customers
                   withdraw from paid orders meanwhile, refunded at once through Stripe
  lyra-kill        the same through Lyra's stand-in (lyra_standin.py): its notifications
                   sent again, refunds without an idempotency key (the shop's ledger), the
                   day's capture now and then (refunds both cancellations and credits)

After each: every order the shop acknowledged (201) exists; every payment it acknowledged
(200) left its order paid; no order was paid twice and no charge of the provider is left
untold to the shop; with a provider, each refund asked was made once, none is left owed, and
the shop's books and the provider agree on what was given back; each piece's units add up (initial = on hand + held by orders); invoices
and credit notes are numbered without a gap; no job is left undone past its time; `ecrin
verify` finds every order's history whole.

Usage: faults.py ECRIN_BIN PURCHASE_LOAD_BIN OUT_DIR [SCENARIO…]
Environment: SECONDS_PER_RUN (default 40), CONCURRENCY (default 24).
"""
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ECRIN, LOAD, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
SCENARIOS = sys.argv[4:] or ["sqlite-kill", "postgres-kill", "postgres-restart", "sqlite-full", "sqlite-readonly",
                             "stripe-kill", "lyra-kill"]
SECONDS = int(os.environ.get("SECONDS_PER_RUN", "40"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "24"))
LIMITED_UNITS = 300
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_BIN = "/usr/lib/postgresql/15/bin"
SECRET = "faults-payment-secret-0123456789abcdef"
random.seed(int(os.environ.get("FAULTS_SEED", str(int(time.time())))))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def log(*a):
    print(*a, flush=True)


def http(method, url, body=None, token=None, timeout=30):
    """(status, parsed body or text, seconds); status 0 when no server answered."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            raw = res.read()
            status = res.status
    except urllib.error.HTTPError as e:
        raw, status = e.read(), e.code
    except (urllib.error.URLError, OSError, TimeoutError):
        return 0, None, time.monotonic() - t0
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, parsed, time.monotonic() - t0


class Shop:
    """One `ecrin serve` on a fixed port, which can be killed and started again."""

    def __init__(self, url, profile, work, name):
        self.url, self.profile, self.work, self.name = url, profile, work, name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.starts = 0
        self.extra = {}

    def env(self):
        e = dict(os.environ)
        e.update({
            "ECRIN_DATABASE_URL": self.url, "ECRIN_ADDR": f"127.0.0.1:{self.port}",
            "ECRIN_PROFILE": self.profile, "ECRIN_TEST_MODE": "1", "RUST_LOG": "warn",
            "ECRIN_PAYMENT_SECRET": SECRET, "ECRIN_AUTH_ATTEMPTS_PER_MINUTE": "1000000000",
            "ECRIN_MEDIA_DIR": os.path.join(self.work, "media"),
        })
        e.update(self.extra)
        return e

    def start(self, wait=True):
        self.starts += 1
        logfile = open(os.path.join(OUT, f"{self.name}.log"), "a")
        self.proc = subprocess.Popen([ECRIN, "serve"], env=self.env(), stdout=logfile, stderr=logfile)
        if wait:
            self.wait_ready()

    def wait_ready(self, limit=60):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            status, _, _ = http("GET", self.base + "/readyz", timeout=2)
            if status == 200:
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not ready after {limit} s")

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cli(self, *args, stdin=None):
        return subprocess.run([ECRIN, *args], env=self.env(), input=stdin, capture_output=True, text=True)


class Postgres:
    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        os.makedirs(self.dir)
        os.chmod(work, 0o755)
        subprocess.run(["chown", "-R", "postgres:postgres", self.dir], check=True)
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.pg("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c",
                        "create database ecrin_faults"], check=True, capture_output=True)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/ecrin_faults"

    def pg(self, tool, *args):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/{tool}", *args], check=True,
                       capture_output=True)

    def start(self):
        self.pg("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"), "-o",
                f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir}", "-w", "start")

    def stop(self, mode="fast"):
        self.pg("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def sql(self, query):
        out = subprocess.run(["psql", "-qtA", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                              "-d", "ecrin_faults", "-c", query], check=True, capture_output=True, text=True)
        return [line.split("|") for line in out.stdout.splitlines() if line]


def sqlite_sql(path):
    def run(query):
        conn = sqlite3.connect(path, timeout=30)
        try:
            return [[str(c) for c in row] for row in conn.execute(query)]
        finally:
            conn.close()
    return run


def bench_profile(work):
    path = os.path.join(work, "faults-paris.toml")
    with open(os.path.join(ROOT, "profiles/paris.toml")) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text + "\n[fraud]\nmax_units_per_sku = 10\nmax_orders_per_account_per_hour = 1000000\n"
                "max_orders_per_ip_per_hour = 1000000000\n")
    return path


def prepare(shop, work):
    """Customers with an address (purchase_tokens.json), the pieces they buy and their
    units: the first piece LIMITED_UNITS (it sells out during the run), the others plenty."""
    out = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/bench_accounts.py"), shop.base, "8", work],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    skus = open(os.path.join(work, "purchase_skus.txt")).read().strip().split(",")
    made = shop.cli("admin", "create-staff", "--email", "stock@faults.test", "--name", "Stock", "--role",
                    "warehouse", stdin="faults warehouse secret\n")
    if made.returncode != 0:
        raise RuntimeError(made.stderr)
    _, body, _ = http("POST", shop.base + "/api/v1/sessions",
                      {"email": "stock@faults.test", "password": "faults warehouse secret"})
    staff = body["token"]
    initial = {}
    for i, sku in enumerate(skus):
        units = LIMITED_UNITS if i == 0 else 1_000_000
        status, body, _ = http("PUT", f"{shop.base}/api/v1/admin/variants/{sku}/stock", {"on_hand": units}, staff)
        if status != 200:
            raise RuntimeError(f"stock of {sku}: {status} {body}")
        initial[sku] = units
    return skus, initial


def held_by_orders(sql, skus):
    listed = ",".join(f"'{s}'" for s in skus)
    rows = sql(f"SELECT v.sku, v.on_hand, COALESCE((SELECT SUM(l.reserved) FROM order_lines l WHERE l.sku = v.sku), 0) "
               f"FROM variants v WHERE v.sku IN ({listed})")
    return {sku: (int(on_hand), int(held)) for sku, on_hand, held in rows}


def run_load(bases, work, seconds, **extra):
    acks = os.path.join(work, "acks.txt")
    env = dict(os.environ, PURCHASE_ACKS=acks, **extra)
    skus = open(os.path.join(work, "purchase_skus.txt")).read().strip()
    return subprocess.Popen([LOAD, ",".join(bases), os.path.join(work, "purchase_tokens.json"), skus,
                             str(CONCURRENCY), str(seconds), os.path.join(work, "purchased.jsonl")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def check(sql, shop, work, skus, initial, held_before, settle_ms, withdrawn=()):
    """The invariants after a run; a list of (what, result, ok). Orders in `withdrawn` were
    withdrawn from by their customer after payment (WDR-1), as the run meant, whether the
    answer reached them or was lost to a kill."""
    results = []
    acks = [line.split() for line in open(os.path.join(work, "acks.txt"))] if os.path.exists(
        os.path.join(work, "acks.txt")) else []
    placed = sorted({n for kind, n in acks if kind == "order"})
    paid = sorted({n for kind, n in acks if kind == "paid"})
    known = {}
    for chunk in range(0, len(placed), 500):
        listed = ",".join(f"'{n}'" for n in placed[chunk:chunk + 500])
        for number, status in sql(f"SELECT number, status FROM orders WHERE number IN ({listed})"):
            known[number] = status
    lost = [n for n in placed if n not in known]
    results.append(("acknowledged orders (201) missing from the database", f"{len(lost)} of {len(placed)}", not lost))
    unpaid = [n for n in paid if known.get(n) in (None, "awaiting_payment", "cancelled") and n not in withdrawn]
    results.append(("acknowledged payments (200) whose order is not paid (or withdrawn from)",
                    f"{len(unpaid)} of {len(paid)}", not unpaid))
    twice = sql("SELECT order_id FROM payments WHERE status = 'captured' GROUP BY order_id HAVING COUNT(*) > 1")
    results.append(("orders paid twice", str(len(twice)), not twice))
    untold = sql("SELECT c.payment_id FROM sandbox_charges c JOIN payments p ON p.id = c.payment_id "
                 f"WHERE c.status IN ('succeeded', 'refused') AND p.status = 'pending' AND c.at < {settle_ms}")
    results.append(("charges made at the provider but never told to the shop", str(len(untold)), not untold))
    after = held_by_orders(sql, skus)
    bad = []
    for sku in skus:
        on_hand, held = after[sku]
        taken = held - held_before.get(sku, 0)
        if on_hand < 0 or initial[sku] - on_hand != taken:
            bad.append(f"{sku}: {initial[sku]} - {on_hand} on hand != {taken} held")
    limited = skus[0]
    results.append((f"units that do not add up (limited piece {limited}: {initial[limited]} units, "
                    f"{after[limited][1] - held_before.get(limited, 0)} sold)", "; ".join(bad) or "0", not bad))
    for table in ("invoices", "credit_notes"):
        n, lo, hi = sql(f"SELECT COUNT(*), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM {table}")[0]
        n, lo, hi = int(n), int(lo), int(hi)
        ok = n == 0 or (lo == 1 and hi == n)
        results.append((f"{table} numbered without a gap", f"{n}, numbered {lo} to {hi}", ok))
    stuck = sql(f"SELECT kind, subject FROM jobs WHERE done_at IS NULL AND due_at < {settle_ms}")
    results.append(("jobs due and not done", str(len(stuck)), not stuck))
    verify = shop.cli("verify")
    line = (verify.stdout.strip().splitlines() or [verify.stderr.strip()])[-1]
    results.append(("ecrin verify", line, verify.returncode == 0))
    return results


def report(name, notes, results, load_out):
    path = os.path.join(OUT, "report.md")
    with open(path, "a") as f:
        f.write(f"\n### {name}\n\n")
        for n in notes:
            f.write(f"- {n}\n")
        first = (load_out or "").splitlines()[:1]
        if first:
            f.write(f"- load: {first[0]}\n")
        f.write("\n| check | result | |\n|---|---|---|\n")
        for what, result, ok in results:
            f.write(f"| {what} | {result} | {'ok' if ok else 'FAILED'} |\n")
    log(open(path).read().split(f"### {name}")[-1])
    return all(ok for _, _, ok in results)


def now_ms():
    return int(time.time() * 1000)


def kill_scenario(db):
    work = tempfile.mkdtemp(prefix=f"faults-{db}-")
    profile = bench_profile(work)
    pg = None
    if db == "sqlite":
        url, sql = f"sqlite://{work}/shop.db", sqlite_sql(f"{work}/shop.db")
        shops = [Shop(url, profile, work, "sqlite-kill-shop")]
    else:
        pg = Postgres(work)
        url, sql = pg.url, pg.sql
        shops = [Shop(url, profile, work, f"postgres-kill-shop{i}") for i in range(3)]
    try:
        shops[0].start()
        for s in shops[1:]:
            s.start()
        skus, initial = prepare(shops[0], work)
        held_before = {k: v[1] for k, v in held_by_orders(sql, skus).items()}
        load = run_load([s.base for s in shops], work, SECONDS)
        kills, end = 0, time.monotonic() + SECONDS - 3
        time.sleep(2)
        while time.monotonic() < end:
            victim = random.choice(shops)
            victim.kill9()
            kills += 1
            time.sleep(random.uniform(0.0, 0.5))
            victim.start()
            time.sleep(random.uniform(1.0, 4.0))
        out, err = load.communicate()
        time.sleep(3)  # jobs and callbacks due meanwhile
        settle = now_ms() - 2000
        for s in shops:
            s.stop()
        results = check(sql, shops[0], work, skus, initial, held_before, settle)
        notes = [f"{len(shops)} process(es), {kills} killed with SIGKILL at random moments over {SECONDS} s, "
                 f"each restarted at once; {CONCURRENCY} customers buying"]
        return report(f"{db}: kill -9 under the purchase load", notes, results, out)
    finally:
        for s in shops:
            s.kill9()
        if pg:
            pg.stop("immediate")


STRIPE_KEY = "sk_test_faults_standin_0000"
STRIPE_HOOK = "whsec_faults_standin_0000"
STANDINS = os.path.join(ROOT, "crates/ecrin/tests/standins")


def standin_python():
    """The stand-ins' Python environment (the tests make the same one)."""
    venv = os.path.join(ROOT, "target/standins-venv")
    python = os.path.join(venv, "bin/python")
    wanted = open(os.path.join(STANDINS, "requirements.txt")).read()
    stamp = os.path.join(venv, "installed.txt")
    if not os.path.exists(stamp) or open(stamp).read() != wanted:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r",
                        os.path.join(STANDINS, "requirements.txt")], check=True)
        open(stamp, "w").write(wanted)
    return python


LYRA_SHOP, LYRA_PASSWORD, LYRA_HMAC = "69876357", "testpassword_faults0000000", "faults-standin-hmac-0000"


class Refunder(threading.Thread):
    """Customers withdrawing from paid orders before they leave (WDR-1: the unit is
    cancelled and refunded at once, through the provider), one every ~200 ms, while the
    shop is being killed; with Lyra, the day's capture now and then, so that refunds are
    both cancellations and credits. What each request was answered is kept."""

    def __init__(self, base, tokens, standin=None):
        super().__init__(daemon=True)
        self.base, self.tokens, self.standin = base, tokens, standin
        self.stop, self.asked, self.tried = False, {}, set()

    def run(self):
        n = 0
        while not self.stop:
            n += 1
            if self.standin and n % 25 == 0:
                http("POST", self.standin + "/_standin/capture", {})
            token = random.choice(self.tokens)
            status, body, _ = http("GET", self.base + "/api/v1/orders?page[size]=20", token=token, timeout=10)
            numbers = [o["number"] for o in (body or {}).get("items", []) if isinstance(body, dict)
                       and o.get("status") == "being_prepared" and o["number"] not in self.tried]
            if status == 200 and numbers:
                number = numbers[0]
                self.tried.add(number)
                status, _, _ = http("POST", f"{self.base}/api/v1/orders/{number}/withdrawals",
                                    {"lines": [{"line_id": f"{number}-1", "quantity": 1}], "outcome": "refund"},
                                    token=token, timeout=10)
                self.asked[number] = status
            time.sleep(random.uniform(0.1, 0.3))


def refunds_settled(sql, limit=180):
    """Waits until no refund is left for the provider to make (their jobs ask again a
    minute after a failure); the ones still pending."""
    end = time.monotonic() + limit
    while True:
        pending = sql("SELECT id FROM refunds WHERE status = 'pending' AND destination IS NULL")
        if not pending or time.monotonic() > end:
            return pending
        time.sleep(2)


def provider_kill(provider):
    """kill -9 under the purchase load, cards through the provider's stand-in, and customers
    withdrawing (refunded at once) meanwhile; the provider sends each notification again
    until the shop answers it (the stand-ins: 300 times, a second apart)."""
    work = tempfile.mkdtemp(prefix=f"faults-{provider}-")
    profile = bench_profile(work)
    url, sql = f"sqlite://{work}/shop.db", sqlite_sql(f"{work}/shop.db")
    shop = Shop(url, profile, work, f"{provider}-kill-shop")
    if provider == "stripe":
        args = ["stripe_standin.py", "--api-key", STRIPE_KEY, "--webhook-secret", STRIPE_HOOK,
                "--webhook-url", f"{shop.base}/api/v1/payments/stripe/webhook"]
    else:
        args = ["lyra_standin.py", "--shop-id", LYRA_SHOP, "--password", LYRA_PASSWORD, "--hmac-key", LYRA_HMAC,
                "--ipn-url", f"{shop.base}/api/v1/payments/lyra/ipn",
                "--return-url", f"{shop.base}/payments/lyra/return"]
    standin = subprocess.Popen(
        [standin_python(), os.path.join(STANDINS, args[0]), *args[1:], "--retries", "300"],
        stdout=subprocess.PIPE, stderr=open(os.path.join(OUT, f"{provider}-standin.log"), "a"), text=True)
    base = "http://127.0.0.1:" + standin.stdout.readline().split()[-1]
    if provider == "stripe":
        shop.extra = {"ECRIN_PAYMENT_PROVIDER": "stripe", "ECRIN_STRIPE_SECRET_KEY": STRIPE_KEY,
                      "ECRIN_STRIPE_WEBHOOK_SECRET": STRIPE_HOOK, "ECRIN_STRIPE_API_BASE": base}
    else:
        shop.extra = {"ECRIN_PAYMENT_PROVIDER": "lyra", "ECRIN_LYRA_SHOP_ID": LYRA_SHOP,
                      "ECRIN_LYRA_PASSWORD": LYRA_PASSWORD, "ECRIN_LYRA_HMAC_KEY": LYRA_HMAC,
                      "ECRIN_LYRA_API_BASE": base}
    name = {"stripe": "Stripe", "lyra": "Lyra"}[provider]
    try:
        shop.start()
        skus, initial = prepare(shop, work)
        held_before = {k: v[1] for k, v in held_by_orders(sql, skus).items()}
        load = run_load([shop.base], work, SECONDS, PURCHASE_PAY=provider)
        tokens = json.load(open(os.path.join(work, "purchase_tokens.json")))
        # Three customers' services withdrawing at once, each for its own customers.
        refunders = [Refunder(shop.base, tokens[i::3], base if provider == "lyra" and i == 0 else None)
                     for i in range(3)]
        kills, end = 0, time.monotonic() + SECONDS - 3
        time.sleep(2)
        for r in refunders:
            r.start()
        while time.monotonic() < end:
            shop.kill9()
            kills += 1
            time.sleep(random.uniform(0.0, 0.5))
            shop.start()
            time.sleep(random.uniform(1.0, 4.0))
        for r in refunders:
            r.stop = True
            r.join()
        asked = {n: st for r in refunders for n, st in r.asked.items()}
        out, err = load.communicate()
        # The notifications sent while the shop was down come again within a second or two;
        # refunds left pending are asked again by their jobs a minute on.
        time.sleep(8)
        pending = refunds_settled(sql)
        settle = now_ms() - 2000
        _, state, _ = http("GET", base + "/_standin/state")
        _, violations, _ = http("GET", base + "/_standin/violations")
        _, deliveries, _ = http("GET", base + "/_standin/deliveries")
        shop.stop()
        results = check(sql, shop, work, skus, initial, held_before, settle,
                        withdrawn=set(asked))
        statuses = dict(sql("SELECT number, status FROM orders"))
        charged = {}
        if provider == "stripe":
            for session in state["sessions"].values():
                if session["payment_status"] == "paid":
                    number = session["client_reference_id"]
                    charged[number] = charged.get(number, 0) + 1
        else:
            for t in state["transactions"].values():
                if t["operationType"] == "DEBIT" and t["detailedStatus"] != "REFUSED":
                    charged[t["orderId"]] = charged.get(t["orderId"], 0) + 1
        unpaid = [n for n in charged if statuses.get(n) in (None, "awaiting_payment")]
        results.insert(0, (f"orders {name} took the money for that the shop does not have paid",
                           f"{len(unpaid)} of {len(charged)}", not unpaid))
        twice = [n for n, k in charged.items() if k > 1]
        results.insert(1, (f"orders {name} charged twice", str(len(twice)), not twice))
        failed = [d for d in deliveries if not 200 <= d["status"] < 300]
        results.insert(2, ("notifications the shop did not take (down, or 503), then", f"{len(failed)}", True))
        if provider == "stripe":
            answered = {d["event"] for d in deliveries if 200 <= d["status"] < 300}
            unanswered = {d["event"] for d in deliveries} - answered
            results.insert(3, ("events never answered 2xx in the end", str(len(unanswered)), not unanswered))
        # Refunds: each asked once, made once, none lost.
        acked = [n for n, st in asked.items() if st == 201]
        shop_refunds = sql("SELECT r.id, r.key, r.status, COALESCE(r.provider_refund_id, ''), r.amount, "
                           "r.payment_id, o.number FROM refunds r JOIN orders o ON o.id = r.order_id")
        refunded_orders = {row[6] for row in shop_refunds}
        # Acknowledged, or carried out though its answer was lost to a kill: refunded.
        lost = [n for n in asked if (n in acked or statuses.get(n) == "cancelled") and n not in refunded_orders]
        made = [row for row in shop_refunds if row[2] == "succeeded"]
        doubles, unknown, counted_not_made = [], [], []
        if provider == "stripe":
            at_stripe = {}
            for r in state["refunds"].values():
                at_stripe.setdefault(r["metadata"].get("refund_key", ""), []).append(r)
            doubles = [k for k, rs in at_stripe.items() if len(rs) > 1]
            keys = {row[1] for row in shop_refunds}
            unknown = [k for k in at_stripe if k not in keys]
            ids = {r["id"] for r in state["refunds"].values()}
            counted_not_made = [row[0] for row in made if row[3] not in ids]
            given = sum(r["amount"] for r in state["refunds"].values())
        else:
            payments = dict((pid, (int(amount), uuid)) for pid, amount, uuid in
                            sql("SELECT id, amount, COALESCE(provider_payment, '') FROM payments "
                                "WHERE provider = 'lyra' AND status = 'captured'"))
            by_payment = {}
            for row in made:
                by_payment[row[5]] = by_payment.get(row[5], 0) + int(row[4])
            given = 0
            for pid, (amount, uuid) in payments.items():
                t = state["transactions"].get(uuid)
                if t is None:
                    continue
                back = amount if t["detailedStatus"] == "CANCELLED" else (amount - t["amount"]) + (
                    t.get("refunded") or 0)
                given += back
                if back > by_payment.get(pid, 0):
                    doubles.append(pid)
                elif back < by_payment.get(pid, 0):
                    counted_not_made.append(pid)
        results.insert(3, ("withdrawals asked (refunded at once) during the kills; answered 201",
                           f"{len(asked)}; {len(acked)}", True))
        results.insert(4, ("withdrawals acknowledged or carried out without their refund",
                           f"{len(lost)} of {len(asked)}", not lost))
        late = sql("SELECT COUNT(*) FROM refunds WHERE status = 'succeeded' AND updated_at - created_at > 20000")
        results.insert(5, ("refunds left pending by a kill or a lost answer, made later by their job; "
                           "still owed by the provider once the jobs ran", f"{late[0][0]}; {len(pending)}",
                           not pending))
        results.insert(6, (f"refunds {name} made twice (or that the shop does not know)",
                           f"{len(doubles) + len(unknown)}", not doubles and not unknown))
        results.insert(7, (f"refunds the shop counts made that {name} did not make",
                           str(len(counted_not_made)), not counted_not_made))
        shop_total = sum(int(row[4]) for row in made)
        results.insert(8, (f"refunded by the shop's books / given back by {name} (cents)",
                           f"{shop_total} / {given}", shop_total == given))
        results.insert(9, (f"requests off {name}'s published document", str(len(violations)), not violations))
        notes = [f"1 process on SQLite, {kills} killed with SIGKILL at random moments over {SECONDS} s, each "
                 f"restarted at once; {CONCURRENCY} customers buying and paying on {name}'s page (the stand-in), "
                 "and customers withdrawing from paid orders before they leave (refunded at once) meanwhile"]
        return report(f"sqlite: kill -9 under the purchase load, cards and refunds through {name}", notes,
                      results, out)
    finally:
        shop.kill9()
        standin.kill()


class Probe(threading.Thread):
    """Times one request every 50 ms: (seconds since start, status, seconds taken)."""

    def __init__(self, url, token):
        super().__init__(daemon=True)
        self.url, self.token, self.samples, self.stop = url, token, [], False
        self.t0 = time.monotonic()

    def run(self):
        while not self.stop:
            status, _, took = http("GET", self.url, token=self.token, timeout=30)
            self.samples.append((time.monotonic() - self.t0, status, took))
            time.sleep(0.05)


def postgres_restart():
    work = tempfile.mkdtemp(prefix="faults-pgrestart-")
    profile = bench_profile(work)
    pg = Postgres(work)
    shop = Shop(pg.url, profile, work, "postgres-restart-shop")
    try:
        shop.start()
        skus, initial = prepare(shop, work)
        held_before = {k: v[1] for k, v in held_by_orders(pg.sql, skus).items()}
        token = json.load(open(os.path.join(work, "purchase_tokens.json")))[-1]
        probe = Probe(shop.base + "/api/v1/basket", token)
        load = run_load([shop.base], work, SECONDS)
        probe.start()
        time.sleep(SECONDS / 3)
        stopping_at = time.monotonic() - probe.t0
        pg.stop("fast")
        down_at = time.monotonic() - probe.t0
        time.sleep(5)
        up_at = time.monotonic() - probe.t0
        pg.start()
        out, _ = load.communicate()
        probe.stop = True
        probe.join()
        time.sleep(2)
        settle = now_ms() - 2000
        during = [s for s in probe.samples if down_at <= s[0] <= up_at]
        statuses = {}
        for _, status, _ in during:
            statuses[status] = statuses.get(status, 0) + 1
        slowest = max((took for _, _, took in during), default=0.0)
        recovered = next((t for t, status, _ in probe.samples if t > up_at and status == 200), None)
        results = check(pg.sql, shop, work, skus, initial, held_before, settle)
        results.insert(0, ("answers while PostgreSQL was down (status: count)",
                           ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
                           bool(during) and set(statuses) <= {503}))
        took = sorted(t for _, _, t in during)
        median = took[len(took) // 2] if took else 0.0
        results.insert(1, ("slowest answer while down", f"{slowest * 1000:.0f} ms (median {median * 1000:.0f} ms)",
                           slowest < 5))
        results.insert(2, ("first 200 after PostgreSQL was back",
                           f"{(recovered - up_at) * 1000:.0f} ms after" if recovered else "never",
                           recovered is not None and recovered - up_at < 10))
        shop.stop()
        notes = [f"PostgreSQL stopped (fast) {stopping_at:.1f} s into the load (down {down_at - stopping_at:.1f} s "
                 f"later) and started again 5 s after; a probe read a basket every 50 ms, and the answers counted "
                 f"are those asked while it was down"]
        return report("postgres: PostgreSQL restarted under the purchase load", notes, results, out)
    finally:
        shop.kill9()
        pg.stop("immediate")


class Disk:
    """An ext4 file system in a file, mounted through a loop device with
    `errors=remount-ro` as a server's disk is: it can fill up, and fail (the kernel then
    turns it read-only until it is checked and mounted again)."""

    def __init__(self, work, mb):
        self.image = os.path.join(work, "disk.ext4")
        self.path = os.path.join(work, "disk")
        os.makedirs(self.path)
        subprocess.run(["truncate", "-s", f"{mb}M", self.image], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-m", "0", self.image], check=True)
        self.mount()

    def mount(self):
        subprocess.run(["mount", "-o", "loop,errors=remount-ro", self.image, self.path], check=True)
        self.device = subprocess.run(["findmnt", "-n", "-o", "SOURCE", self.path], capture_output=True,
                                     text=True).stdout.strip().replace("/dev/", "")

    def fill(self):
        subprocess.run(["dd", "if=/dev/zero", f"of={self.path}/filler", "bs=1M"], capture_output=True)

    def free(self):
        os.remove(f"{self.path}/filler")

    def fail(self):
        with open(f"/sys/fs/ext4/{self.device}/trigger_fs_error", "w") as f:
            f.write("faults\n")

    def repair(self):
        """Unmounted, checked by e2fsck, mounted again writable."""
        subprocess.run(["umount", self.path], check=True)
        subprocess.run(["e2fsck", "-fy", self.image], capture_output=True)
        self.mount()

    def unmount(self):
        subprocess.run(["umount", "-l", self.path], capture_output=True)


def sqlite_disk(kind):
    work = tempfile.mkdtemp(prefix=f"faults-{kind}-")
    profile = bench_profile(work)
    disk = Disk(work, 256)
    url, sql = f"sqlite://{disk.path}/shop.db", sqlite_sql(f"{disk.path}/shop.db")
    shop = Shop(url, profile, work, f"sqlite-{kind}-shop")
    try:
        shop.start()
        skus, initial = prepare(shop, work)
        held_before = {k: v[1] for k, v in held_by_orders(sql, skus).items()}
        token = json.load(open(os.path.join(work, "purchase_tokens.json")))[-1]
        load = run_load([shop.base], work, SECONDS)
        time.sleep(SECONDS / 4)
        fault_at = time.monotonic()
        if kind == "full":
            disk.fill()
        else:
            disk.fail()
        # What a customer sees meanwhile: adding to the basket (a write; the first ones may
        # still fit in the space the log already holds) and the catalogue.
        statuses = {}
        write_body, write_took = None, 0.0
        while time.monotonic() < fault_at + SECONDS / 4:
            status, body, took = http("POST", shop.base + "/api/v1/basket/items", {"sku": skus[1], "quantity": 1}, token)
            statuses[status] = statuses.get(status, 0) + 1
            if status != 201:
                write_body, write_took = body, max(write_took, took)
            time.sleep(0.05)
        read_status, _, _ = http("GET", shop.base + "/api/v1/products")
        ready_status, _, _ = http("GET", shop.base + "/readyz")
        out, _ = load.communicate()
        shop.stop()
        if kind == "full":
            disk.free()
        else:
            disk.repair()
        # Started again on the disk given back: the shop as it was before the fault.
        shop.start()
        time.sleep(3)
        settle = now_ms() - 2000
        shop.stop()
        code = write_body.get("code") if isinstance(write_body, dict) else str(write_body)[:60]
        results = check(sql, shop, work, skus, initial, held_before, settle)
        refused = {k: v for k, v in statuses.items() if k != 201}
        results.insert(0, ("writes while the disk is " + ("full" if kind == "full" else "read-only") + " (status: count)",
                           ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) + f"; refused as `{code}`, "
                           f"slowest refusal {write_took * 1000:.0f} ms", bool(refused) and set(refused) <= {503}))
        results.insert(1, ("the catalogue meanwhile", str(read_status), read_status == 200))
        results.insert(2, ("/readyz meanwhile", str(ready_status), True))
        what = "filled up with dd" if kind == "full" else "failed (ext4 error: the kernel remounts it read-only)"
        notes = [f"the database's 256 MB ext4 disk {what} {SECONDS / 4:.0f} s into a {SECONDS} s load; after the "
                 f"load the shop was stopped, the disk {'freed' if kind == 'full' else 'checked (e2fsck) and mounted again'}, "
                 f"the shop started on it"]
        return report(f"sqlite: the disk {'full' if kind == 'full' else 'failing read-only'} under the purchase load",
                      notes, results, out)
    finally:
        shop.kill9()
        disk.unmount()


def main():
    os.makedirs(OUT, exist_ok=True)
    open(os.path.join(OUT, "report.md"), "w").close()
    ok = True
    for name in SCENARIOS:
        log(f"==> {name}")
        run = {
            "sqlite-kill": lambda: kill_scenario("sqlite"),
            "postgres-kill": lambda: kill_scenario("postgres"),
            "postgres-restart": postgres_restart,
            "sqlite-full": lambda: sqlite_disk("full"),
            "sqlite-readonly": lambda: sqlite_disk("readonly"),
            "stripe-kill": lambda: provider_kill("stripe"),
            "lyra-kill": lambda: provider_kill("lyra"),
        }[name]
        ok = run() and ok
    sys.exit(0 if ok else 1)


main()
