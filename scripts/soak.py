#!/usr/bin/env python3
"""A soak of mixed traffic against one `ecrin serve` (run by scripts/soak.sh, which builds,
starts the shop and prepares its customers): for DURATION seconds, at once

  browsers   visitors reading the home, catalogue, search and product pages and the API
  baskets    customers adding a piece to the basket and taking it out again
  buyers     customers buying: basket, summary, order, card payment, confirmation
  returners  a buyer's order shipped and delivered by the warehouse (API), then withdrawn
             from by its customer (WDR-1: a refund, the piece sent back)
  staff      a warehouse member logged in on the pages, reading orders, the deadlines,
             the returns and the stock

Every 10 s the server's resident memory (VmRSS) is sampled. The report: requests and
errors by kind (an error: a server error, a refusal not expected, no answer), latency, and
the memory over the run (first minute, last minute, the highest, and its slope).

Usage: soak.py BASE SERVER_PID WORK_DIR DURATION_SECONDS
"""
import http.cookiejar
import json
import os
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

BASE, PID, WORK, DURATION = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
END = time.monotonic() + DURATION
lock = threading.Lock()
stats = {}  # kind -> [requests, errors, [latencies]]
errors_seen = {}


def record(kind, ok, took, what=""):
    with lock:
        s = stats.setdefault(kind, [0, 0, []])
        s[0] += 1
        s[2].append(took)
        if not ok:
            s[1] += 1
            errors_seen.setdefault(kind, []).append(what[:200])


def call(kind, method, path, body=None, token=None, expect=(200, 201), opener=None, form=None):
    data, headers = None, {}
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["content-type"] = "application/x-www-form-urlencoded"
        headers["origin"] = BASE
    if token:
        headers["authorization"] = "Bearer " + token
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    t0 = time.monotonic()
    status, raw = 0, b""
    try:
        with (opener or DEFAULT).open(req, timeout=30) as res:
            status, raw = res.status, res.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except OSError as e:
        raw = str(e).encode()
    took = time.monotonic() - t0
    ok = status in expect
    record(kind, ok, took, f"{method} {path}: {status} {raw[:160]!r}")
    try:
        parsed = json.loads(raw) if raw[:1] in (b"{", b"[") else raw.decode(errors="replace")
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, parsed


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to check (a login's 303), not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


DEFAULT = urllib.request.build_opener(NoRedirect())
state = json.load(open(f"{WORK}/soak.json"))
SLUGS, SKUS = state["slugs"], state["skus"]
WAREHOUSE = state["warehouse_token"]


def browser():
    while time.monotonic() < END:
        slug = random.choice(SLUGS)
        path = random.choice([
            "/fr/", "/fr/catalogue", f"/fr/products/{slug}", "/fr/catalogue?q=bague",
            f"/en/products/{slug}", "/api/v1/products", f"/api/v1/products/{slug}",
            "/api/v1/products?q=or&material=yellow-gold",
            f"/api/v1/products?min_price={random.randint(0, 500000)}",
        ])
        call("browse", "GET", path)


def basket(token):
    while time.monotonic() < END:
        status, b = call("basket", "POST", "/api/v1/basket/items", {"sku": random.choice(SKUS), "quantity": 1}, token,
                         expect=(201, 409, 422))
        status, b = call("basket", "GET", "/api/v1/basket", token=token)
        for line in (b.get("lines", []) if isinstance(b, dict) else []):
            call("basket", "DELETE", f"/api/v1/basket/items/{line['id']}", token=token, expect=(200, 204))


def buy(token, kind="buy"):
    """One purchase; the order's number once paid, else None."""
    status, _ = call(kind, "POST", "/api/v1/basket/items", {"sku": random.choice(SKUS), "quantity": 1}, token,
                     expect=(201, 409, 422))
    if status != 201:
        return None
    status, s = call(kind, "POST", "/api/v1/checkout", {}, token, expect=(201, 422))
    if status != 201 or not s.get("can_order"):
        clear(kind, token)
        return None
    status, o = call(kind, "POST", "/api/v1/orders", {"checkout_id": s["id"], "accept_terms": True,
                     "terms_version": s["terms"]["version"], "confirm_obligation_to_pay": True,
                     "payment_method": "card"}, token, expect=(201, 409))
    if status != 201:
        clear(kind, token)
        return None
    number = o["number"]
    status, _ = call(kind, "POST", f"/api/v1/test/payments/{number}", {"card": "4242 4242 4242 4242"}, token)
    call(kind, "GET", f"/api/v1/orders/{number}", token=token)
    return number if status == 200 else None


def clear(kind, token):
    _, b = call(kind, "GET", "/api/v1/basket", token=token)
    for line in (b.get("lines", []) if isinstance(b, dict) else []):
        call(kind, "DELETE", f"/api/v1/basket/items/{line['id']}", token=token, expect=(200, 204))


def buyer(token):
    while time.monotonic() < END:
        buy(token)


def returner(token):
    while time.monotonic() < END:
        number = buy(token, "withdraw")
        if not number:
            continue
        status, o = call("withdraw", "GET", f"/api/v1/orders/{number}", token=token)
        lines = [{"line_id": l["id"], "quantity": l["quantity"]} for l in o.get("lines", [])]
        call("withdraw", "POST", f"/api/v1/admin/orders/{number}/ship",
             {"carrier": "colissimo", "tracking_number": f"6A{random.randint(10**9, 10**10)}"}, WAREHOUSE)
        call("withdraw", "POST", f"/api/v1/admin/orders/{number}/deliver", {}, WAREHOUSE)
        call("withdraw", "POST", f"/api/v1/orders/{number}/withdrawals", {"lines": lines, "outcome": "refund"},
             token, expect=(201,))


# The back office's pages the warehouse member reloads (SOAK_STAFF_PAGES, space-separated,
# to single one out).
STAFF_PAGES = os.environ.get("SOAK_STAFF_PAGES", "/fr/staff /fr/staff/orders /fr/staff/deadlines "
                             "/fr/staff/returns /fr/staff/stock").split()


def staff():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    _, page = call("staff", "GET", "/fr/staff/login", opener=opener)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page or "")
    call("staff", "POST", "/fr/staff/login", opener=opener, expect=(303,),
         form={"csrf": csrf.group(1) if csrf else "", "email": "stock@soak.test", "password": "soak warehouse secret"})
    while time.monotonic() < END:
        path = random.choice(STAFF_PAGES)
        call("staff", "GET", path, opener=opener)
        time.sleep(0.2)


def memory_kb():
    """The server's resident memory and its parts: its own heap (RssAnon), the mapped
    binary and files (RssFile) and shared memory (RssShmem: SQLite's WAL index)."""
    parts = {}
    try:
        for line in open(f"/proc/{PID}/status"):
            key = line.split(":")[0]
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                parts[key] = int(line.split()[1])
    except OSError:
        pass
    return parts


def rss_kb():
    return memory_kb().get("VmRSS", 0)


def main():
    tokens = state["tokens"]
    workers = [threading.Thread(target=browser) for _ in range(4)]
    workers += [threading.Thread(target=basket, args=(t,)) for t in tokens[0:4]]
    workers += [threading.Thread(target=buyer, args=(t,)) for t in tokens[4:10]]
    workers += [threading.Thread(target=returner, args=(t,)) for t in tokens[10:12]]
    workers += [threading.Thread(target=staff)]
    t0 = time.monotonic()
    for w in workers:
        w.daemon = True
        w.start()
    samples = []
    first_parts = memory_kb()
    while time.monotonic() < END:
        samples.append((time.monotonic() - t0, rss_kb()))
        time.sleep(10)
    for w in workers:
        w.join(timeout=60)
    samples.append((time.monotonic() - t0, rss_kb()))
    print(f"| traffic | requests | errors | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    total_errors = 0
    for kind, (n, errs, lat) in sorted(stats.items()):
        lat.sort()
        p = lambda q: lat[min(len(lat) - 1, int(q * (len(lat) - 1)))] * 1000 if lat else 0
        print(f"| {kind} | {n} | {errs} | {p(0.5):.1f} | {p(0.99):.1f} |")
        total_errors += errs
    first = [kb for t, kb in samples if t <= 60]
    last = [kb for t, kb in samples if t >= samples[-1][0] - 60]
    xs, ys = [t for t, _ in samples], [kb for _, kb in samples]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / max(sum((x - mx) ** 2 for x in xs), 1e-9)
    late = [(t, kb) for t, kb in samples if t >= xs[-1] / 2]
    lx, ly = [t for t, _ in late], [kb for _, kb in late]
    lmx, lmy = sum(lx) / len(lx), sum(ly) / len(ly)
    late_slope = sum((x - lmx) * (y - lmy) for x, y in zip(lx, ly)) / max(sum((x - lmx) ** 2 for x in lx), 1e-9)
    print()
    print(f"memory (VmRSS): first minute {max(first) / 1024:.0f} MB, last minute {max(last) / 1024:.0f} MB, "
          f"highest {max(ys) / 1024:.0f} MB; slope over the run {slope * 60 / 1024:+.2f} MB/min, "
          f"over its second half {late_slope * 60 / 1024:+.2f} MB/min ({len(samples)} samples)")
    last_parts = memory_kb()
    print("of which (first sample -> last): " + ", ".join(
        f"{k} {first_parts.get(k, 0) / 1024:.0f} -> {last_parts.get(k, 0) / 1024:.0f} MB"
        for k in ("RssAnon", "RssFile", "RssShmem")))
    print("samples (s, MB): " + ", ".join(f"{t:.0f}:{kb / 1024:.0f}" for t, kb in samples))
    for kind, errs in errors_seen.items():
        for e in errs[:5]:
            print(f"error ({kind}): {e}")
    sys.exit(1 if total_errors else 0)


main()
