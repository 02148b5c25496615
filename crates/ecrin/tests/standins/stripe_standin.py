"""A stand-in for Stripe's API, started by the tests: it answers the endpoints the shop
uses as Stripe's API reference and OpenAPI document describe them, keeps the state a real
account would (Checkout Sessions, payment intents, charges, refunds), signs the events it
sends with Stripe's own library (PyPI `stripe`, `WebhookSignature.generate_signature_header`)
and checks every request the shop sends against the request schema of its endpoint in
Stripe's published OpenAPI document (`stripe-openapi.json`, the part of it these endpoints
use). A request off the document is answered 400 as Stripe would, and kept in
`GET /_standin/violations` for the tests to read.

What the tests drive, besides the API:
- `GET /_standin/pay/{session}`: the hosted payment page (a form, as a browser sees it);
  `POST` with `card` pays (`4242424242424242`), is declined (`4000000000000002`), or
  completes unpaid for a delayed method (`delayed`, settled later by
  `POST /_standin/sessions/{id}/settle {"succeeded": bool}`).
- `POST /_standin/faults {"method", "path", "kind", "times"}`: the next `times` matching
  requests answer `500`, hang past the shop's timeout before doing anything (`timeout`),
  or do the work and then hang, so that the answer is lost (`lost_answer`).
- `POST /_standin/webhooks {"hold": bool}`: events are kept instead of sent;
  `POST /_standin/webhooks/release {"order": "sent"|"reverse", "twice": bool}` sends them.
- `POST /_standin/refunds/{id}/fail`: a refund that succeeded fails later (an expired or
  closed card), with its `charge.refund.updated` event.
- `POST /_standin/disputes {"payment_intent"}`: the cardholder disputes the charge.
- `POST /_standin/sign {"payload", "age"}`: a `Stripe-Signature` header made by Stripe's
  library for `payload`, `age` seconds ago.
- `GET /_standin/requests`, `/_standin/violations`, `/_standin/deliveries`: what came in,
  what was off the document, and each event's delivery attempts with the shop's answers.

Usage: stripe_standin.py --api-key sk_test_… --webhook-secret whsec_… --webhook-url URL
                         [--retries N]
It prints `listening on PORT` once it listens on 127.0.0.1.
"""

import argparse
import hashlib
import html
import json
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import stripe

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "stripe-openapi.json"), encoding="utf-8") as f:
    SPEC = json.load(f)

LOCK = threading.RLock()
STATE = {
    "sessions": {},
    "intents": {},
    "charges": {},
    "refunds": {},
    "idempotency": {},
    "faults": [],
    "requests": [],
    "violations": [],
    "deliveries": [],
    "held": [],
    "hold": False,
}
ARGS = None
BASE = ""


def new_id(prefix):
    return f"{prefix}_{secrets.token_hex(12)}"


def now():
    return int(time.time())


# ---- Stripe's form encoding, read back against the schema ---------------------------------


def parse_key(key):
    """`line_items[0][price_data][currency]` -> ["line_items", "0", "price_data", "currency"]."""
    head, _, rest = key.partition("[")
    parts = [head]
    while rest:
        inner, _, rest = rest.partition("]")
        parts.append(inner)
        rest = rest[1:] if rest.startswith("[") else rest
    return parts


def nest(pairs):
    root = {}
    for key, value in pairs:
        parts = parse_key(key)
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return root


def coerce(value, schema):
    """Turns the strings of a form into the types `schema` asks for."""
    if not isinstance(schema, dict):
        return value
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            candidate = coerce(value, option)
            if not list(jsonschema.Draft7Validator(option).iter_errors(candidate)):
                return candidate
        return value
    kind = schema.get("type")
    if kind == "object" and isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        return {
            k: coerce(v, props.get(k, extra if isinstance(extra, dict) else {}))
            for k, v in value.items()
        }
    if kind == "array":
        if isinstance(value, dict) and all(k.isdigit() for k in value):
            value = [value[k] for k in sorted(value, key=int)]
        if isinstance(value, list):
            return [coerce(v, schema.get("items", {})) for v in value]
        return value
    if kind == "integer" and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    if kind == "number" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def operation(method, path):
    """The OpenAPI operation and path parameters of a request, if the document has it."""
    segments = path.strip("/").split("/")
    for template, ops in SPEC["paths"].items():
        parts = template.strip("/").split("/")
        if len(parts) != len(segments):
            continue
        params = {}
        for t, s in zip(parts, segments):
            if t.startswith("{"):
                params[t[1:-1]] = s
            elif t != s:
                break
        else:
            op = ops.get(method.lower())
            if op:
                return template, op, params
    return None, None, None


def check(method, path, query, form, headers):
    """Errors of a request against the document: [] when it is on it."""
    template, op, _ = operation(method, path)
    if op is None:
        return [f"{method} {path} is not an endpoint the shop may use"]
    errors = []
    if method == "POST":
        if not headers.get("Idempotency-Key"):
            errors.append("a POST without Idempotency-Key")
        content_type = headers.get("Content-Type", "")
        if form and not content_type.startswith("application/x-www-form-urlencoded"):
            errors.append(f"Content-Type {content_type!r}, not form-encoded")
        body = op.get("requestBody", {}).get("content", {})
        schema = body.get("application/x-www-form-urlencoded", {}).get("schema", {})
        data = coerce(nest(form), schema)
        for e in jsonschema.Draft7Validator(schema).iter_errors(data):
            where = "/".join(str(p) for p in e.absolute_path) or "(body)"
            errors.append(f"{where}: {e.message}")
    query_params = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
    for key, _ in query:
        name = parse_key(key)[0]
        if name not in query_params:
            errors.append(f"query parameter {name!r} is not on the document")
    return errors


# ---- Objects ---------------------------------------------------------------------------


def session_object(s):
    return dict(s)


def event(kind, obj):
    return {
        "id": new_id("evt"),
        "object": "event",
        "api_version": "2020-08-27",
        "created": now(),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }


def emit(kind, obj):
    ev = event(kind, json.loads(json.dumps(obj)))
    with LOCK:
        if STATE["hold"]:
            STATE["held"].append(ev)
            return ev
    threading.Thread(target=deliver, args=(ev,), daemon=True).start()
    return ev


def deliver(ev):
    """Sends an event as Stripe does, signed, again after a non-2xx answer or none
    (Stripe retries for three days; the stand-in `--retries` times, a second apart at most)."""
    payload = json.dumps(ev, indent=2)
    for attempt in range(ARGS.retries):
        header = stripe.WebhookSignature.generate_signature_header(
            payload, ARGS.webhook_secret
        )
        request = urllib.request.Request(
            ARGS.webhook_url,
            data=payload.encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": header,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        except (urllib.error.URLError, OSError):
            status = 0
        with LOCK:
            STATE["deliveries"].append(
                {"event": ev["id"], "type": ev["type"], "attempt": attempt + 1, "status": status}
            )
        if 200 <= status < 300:
            return
        time.sleep(min(0.2 * (attempt + 1), 1.0))


# ---- The API ---------------------------------------------------------------------------


class Fail(Exception):
    def __init__(self, status, message, code=None, kind="invalid_request_error"):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": kind, "message": message}}
        if code:
            self.body["error"]["code"] = code


def create_session(form):
    data = coerce(nest(form), SPEC["paths"]["/v1/checkout/sessions"]["post"]["requestBody"]
                  ["content"]["application/x-www-form-urlencoded"]["schema"])
    if data.get("mode") != "payment":
        raise Fail(400, "the shop sells in payment mode")
    items = data.get("line_items") or []
    if not items:
        raise Fail(400, "line_items: at least one in payment mode")
    currencies = set()
    total = 0
    for item in items:
        price = item.get("price_data") or {}
        if "unit_amount" not in price or "product_data" not in price:
            raise Fail(400, "each line needs price_data.unit_amount and product_data")
        currencies.add(price["currency"].lower())
        total += int(price["unit_amount"]) * int(item.get("quantity", 1))
    if len(currencies) != 1:
        raise Fail(400, "all line items must share one currency")
    created = now()
    expires_at = data.get("expires_at", created + 86400)
    if not created + 1800 <= expires_at <= created + 86400:
        raise Fail(400, "expires_at must be between 30 minutes and 24 hours from now")
    sid = new_id("cs_test")
    session = {
        "id": sid,
        "object": "checkout.session",
        "amount_subtotal": total,
        "amount_total": total,
        "automatic_tax": {"enabled": False, "status": None},
        "cancel_url": data["cancel_url"],
        "client_reference_id": data.get("client_reference_id"),
        "created": created,
        "currency": currencies.pop(),
        "customer_email": data.get("customer_email"),
        "expires_at": expires_at,
        "livemode": False,
        "locale": data.get("locale"),
        "metadata": data.get("metadata") or {},
        "mode": "payment",
        "payment_intent": None,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "shipping_options": [],
        "status": "open",
        "success_url": data["success_url"],
        "url": f"{BASE}/_standin/pay/{sid}",
        "line_items_sent": items,
    }
    STATE["sessions"][sid] = session
    return public(session)


def public(session):
    return {k: v for k, v in session.items() if k != "line_items_sent"}


def expire(sid):
    s = STATE["sessions"].get(sid)
    if s is None:
        raise Fail(404, f"No such checkout.session: '{sid}'", "resource_missing")
    if s["status"] != "open":
        raise Fail(400, f"Only Checkout Sessions with a status of `open` can be expired "
                        f"(this one is `{s['status']}`).")
    s["status"] = "expired"
    emit("checkout.session.expired", public(s))
    return public(s)


def pay(sid, card):
    """What the hosted page does with a card: the session, and whether the card passed."""
    with LOCK:
        s = STATE["sessions"].get(sid)
        if s is None or s["status"] != "open":
            return s, False
        if s["expires_at"] < now():
            s["status"] = "expired"
            emit("checkout.session.expired", public(s))
            return s, False
        if card == "4000000000000002":
            return s, False
        pid = new_id("pi")
        delayed = card == "delayed"
        intent = {
            "id": pid,
            "object": "payment_intent",
            "amount": s["amount_total"],
            "amount_received": 0 if delayed else s["amount_total"],
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "created": now(),
            "currency": s["currency"],
            "livemode": False,
            "metadata": {},
            "payment_method_types": ["card"],
            "status": "processing" if delayed else "succeeded",
            "latest_charge": None,
        }
        if not delayed:
            intent["latest_charge"] = charge_for(intent)
        STATE["intents"][pid] = intent
        s["payment_intent"] = pid
        s["status"] = "complete"
        s["payment_status"] = "unpaid" if delayed else "paid"
        emit("checkout.session.completed", public(s))
        return s, True


def charge_for(intent):
    cid = new_id("ch")
    STATE["charges"][cid] = {
        "id": cid,
        "object": "charge",
        "amount": intent["amount"],
        "amount_refunded": 0,
        "currency": intent["currency"],
        "payment_intent": intent["id"],
        "refunded": False,
        "status": "succeeded",
    }
    return cid


def settle(sid, succeeded):
    with LOCK:
        s = STATE["sessions"][sid]
        intent = STATE["intents"][s["payment_intent"]]
        if succeeded:
            intent["status"] = "succeeded"
            intent["amount_received"] = intent["amount"]
            intent["latest_charge"] = charge_for(intent)
            s["payment_status"] = "paid"
            emit("checkout.session.async_payment_succeeded", public(s))
        else:
            intent["status"] = "requires_payment_method"
            emit("checkout.session.async_payment_failed", public(s))


def create_refund(form):
    data = coerce(nest(form), SPEC["paths"]["/v1/refunds"]["post"]["requestBody"]["content"]
                  ["application/x-www-form-urlencoded"]["schema"])
    intent = STATE["intents"].get(data.get("payment_intent", ""))
    if intent is None or intent["status"] != "succeeded":
        raise Fail(400, "No such payment_intent, or it has not succeeded", "resource_missing")
    charge = STATE["charges"][intent["latest_charge"]]
    amount = data.get("amount", charge["amount"] - charge["amount_refunded"])
    if amount <= 0 or charge["amount_refunded"] + amount > charge["amount"]:
        raise Fail(400, f"Refund amount ({amount}) is greater than unrefunded amount on charge",
                   "amount_too_large")
    rid = new_id("re")
    refund = {
        "id": rid,
        "object": "refund",
        "amount": amount,
        "balance_transaction": None,
        "charge": charge["id"],
        "created": now(),
        "currency": charge["currency"],
        "metadata": data.get("metadata") or {},
        "payment_intent": intent["id"],
        "reason": data.get("reason"),
        "receipt_number": None,
        "status": "succeeded",
        "failure_reason": None,
    }
    STATE["refunds"][rid] = refund
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    emit("charge.refunded", charge)
    return refund


def fail_refund(rid):
    with LOCK:
        r = STATE["refunds"][rid]
        r["status"] = "failed"
        r["failure_reason"] = "expired_or_canceled_card"
        charge = STATE["charges"][r["charge"]]
        charge["amount_refunded"] -= r["amount"]
        charge["refunded"] = False
        emit("charge.refund.updated", r)
        return r


def dispute(pid):
    with LOCK:
        intent = STATE["intents"][pid]
        charge = STATE["charges"][intent["latest_charge"]]
        d = {
            "id": new_id("dp"),
            "object": "dispute",
            "amount": charge["amount"],
            "charge": charge["id"],
            "currency": charge["currency"],
            "payment_intent": pid,
            "reason": "fraudulent",
            "status": "needs_response",
            "created": now(),
        }
        emit("charge.dispute.created", d)
        return d


def api(method, path, query, form):
    """Answers one request of the API: (status, body)."""
    template, op, params = operation(method, path)
    if template == "/v1/checkout/sessions" and method == "POST":
        return 200, create_session(form)
    if template == "/v1/checkout/sessions/{session}" and method == "GET":
        s = STATE["sessions"].get(params["session"])
        if s is None:
            raise Fail(404, f"No such checkout.session: '{params['session']}'", "resource_missing")
        if s["status"] == "open" and s["expires_at"] < now():
            s["status"] = "expired"
            emit("checkout.session.expired", public(s))
        return 200, public(s)
    if template == "/v1/checkout/sessions/{session}/expire":
        return 200, expire(params["session"])
    if template == "/v1/payment_intents/{intent}":
        pi = STATE["intents"].get(params["intent"])
        if pi is None:
            raise Fail(404, f"No such payment_intent: '{params['intent']}'", "resource_missing")
        return 200, pi
    if template == "/v1/refunds" and method == "POST":
        return 200, create_refund(form)
    if template == "/v1/refunds/{refund}" and method == "GET":
        r = STATE["refunds"].get(params["refund"])
        if r is None:
            raise Fail(404, f"No such refund: '{params['refund']}'", "resource_missing")
        return 200, r
    raise Fail(404, f"Unrecognized request URL ({method}: {path}).")


def fault_for(method, path):
    with LOCK:
        for f in STATE["faults"]:
            if f["method"] == method and path.startswith(f["path"]) and f["times"] > 0:
                f["times"] -= 1
                return f["kind"]
    return None


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay — stand-in for Stripe Checkout</title></head><body>
<main><h1>Pay {amount} {currency}</h1><p id="standin-status">{message}</p>
<form method="post" id="standin-pay"><label for="card">Card number</label>
<input id="card" name="card" value="4242424242424242" autocomplete="off">
<button type="submit" id="standin-submit">Pay</button></form>
<p><a id="standin-cancel" href="{cancel}">Back to the shop</a></p></main></body></html>"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json", headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        raw = self.body()
        if path.startswith("/_standin/"):
            return self.control(method, path, raw)
        form = urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
        headers = self.headers  # read case-insensitively, as HTTP's are
        with LOCK:
            STATE["requests"].append({
                "method": method, "path": path, "query": query, "form": form,
                "idempotency_key": headers.get("Idempotency-Key"),
            })
        if self.headers.get("Authorization") != f"Bearer {ARGS.api_key}":
            return self.send(401, {"error": {"type": "invalid_request_error",
                                             "message": "Invalid API Key provided"}})
        errors = check(method, path, query, form, headers)
        if errors:
            with LOCK:
                STATE["violations"].append({"method": method, "path": path, "errors": errors})
            return self.send(400, {"error": {"type": "invalid_request_error",
                                             "message": "; ".join(errors)}})
        kind = fault_for(method, path)
        if kind == "500":
            return self.send(500, {"error": {"type": "api_error",
                                             "message": "An unknown error occurred"}})
        if kind == "timeout":
            time.sleep(10)
            return self.send(500, {"error": {"type": "api_error", "message": "timed out"}})
        key = headers.get("Idempotency-Key") if method == "POST" else None
        fingerprint = hashlib.sha256(raw).hexdigest()
        with LOCK:
            if key and key in STATE["idempotency"]:
                first = STATE["idempotency"][key]
                if first["fingerprint"] != fingerprint or first["path"] != path:
                    return self.send(400, {"error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the "
                                   "same parameters they were first used with."}})
                return self.send(first["status"], first["body"],
                                 headers={"Idempotent-Replayed": "true"})
            try:
                status, body = api(method, path, query, form)
            except Fail as e:
                status, body = e.status, e.body
            if key:
                STATE["idempotency"][key] = {"fingerprint": fingerprint, "path": path,
                                             "status": status, "body": body}
        if kind == "lost_answer":
            time.sleep(10)
        return self.send(status, body, headers={"Request-Id": new_id("req")})

    def control(self, method, path, raw):
        parts = path.strip("/").split("/")[1:]
        data = {}
        if raw and self.headers.get("Content-Type", "").startswith("application/json"):
            data = json.loads(raw)
        form = dict(urllib.parse.parse_qsl(raw.decode("utf-8"))) if not data else {}
        if parts[0] == "pay" and len(parts) == 2:
            sid = parts[1]
            s = STATE["sessions"].get(sid)
            if s is None:
                return self.send(404, b"no such session", "text/plain")
            if method == "GET":
                page = PAGE.format(amount=s["amount_total"], currency=s["currency"].upper(),
                                   message="", cancel=html.escape(s["cancel_url"]))
                return self.send(200, page.encode(), "text/html; charset=utf-8")
            card = (form.get("card") or data.get("card") or "").replace(" ", "")
            s, paid = pay(sid, card)
            if not paid:
                if s is not None and s["status"] == "open":
                    page = PAGE.format(amount=s["amount_total"],
                                       currency=s["currency"].upper(),
                                       message="Your card was declined.",
                                       cancel=html.escape(s["cancel_url"]))
                    return self.send(402, page.encode(), "text/html; charset=utf-8")
                target = s["cancel_url"] if s else "/"
            else:
                target = s["success_url"].replace("{CHECKOUT_SESSION_ID}", sid)
            return self.send(303, b"", "text/plain", {"Location": target})
        with LOCK:
            if parts == ["faults"]:
                STATE["faults"].append({"method": data["method"], "path": data["path"],
                                        "kind": data["kind"], "times": data.get("times", 1)})
                return self.send(200, {"ok": True})
            if parts == ["webhooks"]:
                STATE["hold"] = bool(data.get("hold"))
                return self.send(200, {"ok": True})
            if parts == ["webhooks", "release"]:
                held, STATE["held"] = STATE["held"], []
                STATE["hold"] = False
                released = [e["id"] for e in held]
                if data.get("order") == "reverse":
                    held.reverse()
                if data.get("twice"):
                    held = [e for ev in held for e in (ev, ev)]
        if parts == ["webhooks", "release"]:
            # Sent one after the other, outside the lock: the shop asks the API meanwhile.
            for ev in held:
                deliver(ev)
            return self.send(200, {"released": released})
        with LOCK:
            if parts[0] == "sessions" and len(parts) == 3 and parts[2] == "settle":
                settle(parts[1], bool(data.get("succeeded")))
                return self.send(200, {"ok": True})
            if parts[0] == "refunds" and len(parts) == 3 and parts[2] == "fail":
                return self.send(200, fail_refund(parts[1]))
            if parts == ["sign"]:
                # A header as Stripe's library signs it, `age` seconds ago.
                at = now() - int(data.get("age", 0))
                header = stripe.WebhookSignature.generate_signature_header(
                    data["payload"], ARGS.webhook_secret, at
                )
                return self.send(200, {"header": header})
            if parts == ["disputes"]:
                return self.send(200, dispute(data["payment_intent"]))
            if parts == ["requests"]:
                return self.send(200, STATE["requests"])
            if parts == ["violations"]:
                return self.send(200, STATE["violations"])
            if parts == ["deliveries"]:
                return self.send(200, STATE["deliveries"])
            if parts == ["state"]:
                return self.send(200, {k: STATE[k] for k in
                                       ("sessions", "intents", "charges", "refunds")})
        return self.send(404, {"error": "unknown control"})


def main():
    global ARGS, BASE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--webhook-secret", required=True)
    parser.add_argument("--webhook-url", required=True)
    parser.add_argument("--retries", type=int, default=6,
                        help="deliveries of an event before giving up (default 6)")
    ARGS = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    BASE = f"http://127.0.0.1:{server.server_port}"
    print(f"listening on {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
