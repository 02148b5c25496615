"""A stand-in for Lyra's payment platform (Sogecommerce, PayZen, Systempay), started by the
tests. It answers the REST API V4 web services the shop uses as Lyra's documentation
describes them (docs.lyra.com, "REST API" reference and playground pages:
Charge/CreatePaymentOrder, Charge/PaymentOrder/Get, Order/Get, Transaction/Get,
Transaction/CancelOrRefund), keeps the state a real shop account would (payment orders,
debit and credit transactions, the day's capture), and sends the Instant Payment
Notification as the platform does: a form with `kr-answer` (the `V4/Payment` object as
JSON), `kr-answer-type`, `kr-hash-algorithm=sha256_hmac`, `kr-hash-key=password` and
`kr-hash`, the HMAC-SHA256 of the raw answer with the account's password; the browser's
return carries the same answer signed with the HMAC key (`kr-hash-key=sha256_hmac`).

Every request is checked against the web service's documented input parameters (the
schemas below, each from its reference page); one off them is answered as the platform
answers an invalid call (`status: ERROR`, an `INT_` code) and kept in
`GET /_standin/violations`.

What the tests drive, besides the API:
- `GET /t/{id}`: the payment order's hosted page (a form); `POST /t/{id}` (or
  `/_standin/pay/{id}`) with `card` pays (`4970100000000055`) or is refused (`4970100000000097`); `final=1` closes
  the order's cycle after a refusal (no more tries). It answers 303 to the house's return
  address with the signed answer in the query, as a browser is sent back.
- `POST /_standin/capture {}`: the day's capture: every authorised payment is captured.
- `POST /_standin/faults {"ws", "kind", "times"}`: the next `times` calls of web service
  `ws` answer `500`, hang past the shop's timeout (`timeout`), or do the work and then
  hang, so that the answer is lost (`lost_answer`), or say the object is unknown
  (`unknown`, `PSP_010`) without doing anything.
- `POST /_standin/transactions/{uuid}/close {}`: the card of a payment expired or its
  account closed: refunds of it are refused.
- `POST /_standin/credits/{uuid}/fail {}`: a refund accepted is refused later, with its
  notification.
- `POST /_standin/ipn {"hold": bool}`; `POST /_standin/ipn/release {"order", "twice"}`.
- `POST /_standin/sign {"answer", "key": "password"|"hmac"}`: a `kr-hash`.
- `GET /_standin/requests`, `/_standin/violations`, `/_standin/deliveries`,
  `/_standin/state`.

Usage: lyra_standin.py --shop-id ID --password P --hmac-key K --ipn-url URL
                       --return-url URL [--retries N]
It prints `listening on PORT` once it listens on 127.0.0.1.
"""

import argparse
import base64
import hashlib
import hmac
import html
import json
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema

LOCK = threading.RLock()
STATE = {
    "orders": {},        # payment orders by id
    "transactions": {},  # by uuid
    "faults": [],
    "requests": [],
    "violations": [],
    "deliveries": [],
    "held": [],
    "hold": False,
}
ARGS = None
BASE = ""

PAID_CARD = "4970100000000055"
REFUSED_CARD = "4970100000000097"

# ---- The documented input parameters of each web service -----------------------------------
# Charge/CreatePaymentOrder: docs.lyra.com/en/rest/V4.0/api/kb/url_payment_order.html
# (amount and currency required; orderId; channelOptions.channelType URL; expirationDate
# ISO 8601, not before now nor beyond 90 days; locale as language_COUNTRY;
# paymentReceiptEmail; merchantComment; taxAmount; taxRate).
# Charge/PaymentOrder/Get: .../kb/get_payment_order.html (paymentOrderId required).
# Transaction/Get, Transaction/CancelOrRefund (uuid, amount, currency, comment,
# resolutionMode AUTO | REFUND_ONLY | CANCELLATION_ONLY), Order/Get (orderId): the
# playground's pages of each web service.
UUID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
SCHEMAS = {
    "Charge/CreatePaymentOrder": {
        "type": "object",
        "required": ["amount", "currency"],
        "additionalProperties": False,
        "properties": {
            "amount": {"type": "integer", "minimum": 0},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "orderId": {"type": "string", "maxLength": 64},
            "channelOptions": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"channelType": {"enum": ["URL", "MAIL", "SMS", "WHATSAPP"]}},
            },
            "expirationDate": {"type": "string", "format": "date-time"},
            "locale": {"type": "string", "pattern": "^[a-z]{2}_[A-Z]{2}$"},
            "paymentReceiptEmail": {"type": "string", "maxLength": 150},
            "merchantComment": {"type": "string", "maxLength": 255},
            "taxAmount": {"type": "integer"},
            "taxRate": {"type": "number"},
        },
    },
    "Charge/PaymentOrder/Get": {
        "type": "object",
        "required": ["paymentOrderId"],
        "additionalProperties": False,
        "properties": {"paymentOrderId": UUID},
    },
    "Order/Get": {
        "type": "object",
        "required": ["orderId"],
        "additionalProperties": False,
        "properties": {"orderId": {"type": "string", "maxLength": 64}},
    },
    "Transaction/Get": {
        "type": "object",
        "required": ["uuid"],
        "additionalProperties": False,
        "properties": {"uuid": UUID},
    },
    "Transaction/CancelOrRefund": {
        "type": "object",
        "required": ["uuid"],
        "additionalProperties": False,
        "properties": {
            "uuid": UUID,
            "amount": {"type": "integer", "minimum": 1},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "comment": {"type": "string", "maxLength": 255},
            "resolutionMode": {"enum": ["AUTO", "REFUND_ONLY", "CANCELLATION_ONLY"]},
        },
    },
}


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def new_uuid():
    return secrets.token_hex(16)


class Fail(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def envelope(ws, status, answer):
    return {
        "webService": ws,
        "version": "V4",
        "applicationVersion": "stand-in",
        "status": status,
        "answer": answer,
        "ticket": secrets.token_hex(8),
        "serverDate": now_iso(),
        "applicationProvider": "LYRA",
        "metadata": None,
        "mode": "TEST",
        "serverUrl": BASE,
        "_type": "V4/WebService/Response",
    }


def error_answer(code, message):
    return {
        "errorCode": code,
        "errorMessage": message,
        "detailedErrorCode": None,
        "detailedErrorMessage": None,
        "_type": "V4/WebService/WebServiceError",
    }


def hash_of(answer, key):
    return hmac.new(key.encode(), answer.encode(), hashlib.sha256).hexdigest()


# ---- The account's objects -----------------------------------------------------------------


def transaction(t):
    """A transaction as the platform shows it (`V4/PaymentTransaction`)."""
    return {
        "shopId": ARGS.shop_id,
        "uuid": t["uuid"],
        "amount": t["amount"],
        "currency": t["currency"],
        "paymentMethodType": "CARD",
        "status": t["status"],
        "detailedStatus": t["detailedStatus"],
        "operationType": t["operationType"],
        "creationDate": t["created"],
        "errorCode": None,
        "errorMessage": None,
        "metadata": None,
        "orderDetails": {"orderId": t["orderId"], "_type": "V4/OrderDetails"},
        "transactionDetails": {
            "effectiveAmount": t["amount"],
            "effectiveCurrency": t["currency"],
            "creationContext": "CHARGE" if t["operationType"] == "DEBIT" else "REFUND",
            "cardDetails": {
                "effectiveBrand": "CB",
                "pan": "497010XXXXXX0055",
                "captureResponse": {
                    "refundAmount": t.get("refunded") or None,
                    "refundCurrency": t["currency"] if t.get("refunded") else None,
                    "captureDate": t.get("captured"),
                    "captureFileNumber": None,
                    "_type": "V4/PaymentMethod/Details/Cards/CardCaptureResponse",
                },
                "_type": "V4/PaymentMethod/Details/CardDetails",
            },
            "parentTransactionUuid": t.get("parent"),
            "_type": "V4/TransactionDetails",
        },
        "_type": "V4/PaymentTransaction",
    }


def payment_order(o):
    return {
        "paymentOrderId": o["id"],
        "paymentURL": f"{BASE}/t/{o['id']}",
        "paymentOrderStatus": o["status"],
        "creationDate": o["created"],
        "updateDate": o["updated"],
        "amount": o["amount"],
        "currency": o["currency"],
        "locale": o.get("locale"),
        "orderId": o.get("orderId"),
        "expirationDate": o.get("expirationDate"),
        "channelDetails": {"channelType": "URL", "_type": "V4/ChannelDetails"},
        "paymentReceiptEmail": o.get("paymentReceiptEmail"),
        "merchantComment": o.get("merchantComment"),
        "_type": "V4/PaymentOrder",
    }


def payment_answer(order_id, status, cycle, txs):
    """The `V4/Payment` object of an IPN."""
    return {
        "shopId": ARGS.shop_id,
        "orderCycle": cycle,
        "orderStatus": status,
        "serverDate": now_iso(),
        "orderDetails": {
            "orderTotalAmount": sum(t["amount"] for t in txs if t["operationType"] == "DEBIT"),
            "orderCurrency": txs[0]["currency"] if txs else "EUR",
            "mode": "TEST",
            "orderId": order_id,
            "_type": "V4/OrderDetails",
        },
        "transactions": [transaction(t) for t in txs],
        "_type": "V4/Payment",
    }


def signed(answer_obj, key_name):
    answer = json.dumps(answer_obj, separators=(",", ":"))
    key = ARGS.password if key_name == "password" else ARGS.hmac_key
    return {
        "kr-hash": hash_of(answer, key),
        "kr-hash-algorithm": "sha256_hmac",
        "kr-hash-key": "password" if key_name == "password" else "sha256_hmac",
        "kr-answer-type": "V4/Payment",
        "kr-answer": answer,
    }


def notify(answer_obj):
    form = signed(answer_obj, "password")
    with LOCK:
        if STATE["hold"]:
            STATE["held"].append(form)
            return
    threading.Thread(target=deliver, args=(form,), daemon=True).start()


def deliver(form):
    """Posts a notification, again after a failure, as the platform retries."""
    body = urllib.parse.urlencode(form).encode()
    for attempt in range(1 + ARGS.retries):
        status = None
        try:
            req = urllib.request.Request(
                ARGS.ipn_url,
                data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                method="POST",
            )
            with urllib.request.urlopen(req, timeout=30) as res:
                status = res.status
        except urllib.error.HTTPError as e:
            status = e.code
        except Exception:  # noqa: BLE001 - the shop unreachable: tried again
            status = 0
        with LOCK:
            STATE["deliveries"].append(
                {"answer": json.loads(form["kr-answer"])["orderStatus"], "status": status,
                 "attempt": attempt}
            )
        if status is not None and 200 <= status < 400:
            return
        time.sleep(0.2 * (attempt + 1))


def create_payment_order(body):
    expires = body.get("expirationDate")
    if expires:
        at = datetime.fromisoformat(expires)
        now = datetime.now(timezone.utc)
        if at < now or at > now + timedelta(days=90):
            raise Fail("INT_014", "expirationDate: not before now nor beyond 90 days")
    o = {
        "id": new_uuid(),
        "status": "RUNNING",
        "created": now_iso(),
        "updated": now_iso(),
        "amount": body["amount"],
        "currency": body["currency"],
        "orderId": body.get("orderId"),
        "locale": body.get("locale"),
        "expirationDate": expires,
        "paymentReceiptEmail": body.get("paymentReceiptEmail"),
        "merchantComment": body.get("merchantComment"),
        "tries": 0,
    }
    STATE["orders"][o["id"]] = o
    return payment_order(o)


def order_transactions(order_id):
    return [t for t in STATE["transactions"].values() if t["orderId"] == order_id]


def pay(po_id, card, final):
    """The hosted page's form: a card paid or refused. Where the browser goes next."""
    with LOCK:
        o = STATE["orders"].get(po_id)
        if o is None or o["status"] != "RUNNING":
            return None
        o["tries"] += 1
        paid = card == PAID_CARD
        t = {
            "uuid": new_uuid(),
            "orderId": o["orderId"],
            "amount": o["amount"],
            "currency": o["currency"],
            "status": "PAID" if paid else "UNPAID",
            "detailedStatus": "AUTHORISED" if paid else "REFUSED",
            "operationType": "DEBIT",
            "created": now_iso(),
        }
        STATE["transactions"][t["uuid"]] = t
        cycle = "CLOSED" if paid or final or o["tries"] >= 3 else "OPEN"
        if paid:
            o["status"] = "PAID"
        elif cycle == "CLOSED":
            o["status"] = "REFUSED"
        o["updated"] = now_iso()
        answer = payment_answer(o["orderId"], t["status"], cycle, [t])
    notify(answer)
    back = signed(answer, "hmac")
    return ARGS.return_url + "?" + urllib.parse.urlencode(back)


def cancel_or_refund(body):
    t = STATE["transactions"].get(body["uuid"])
    if t is None or t["operationType"] != "DEBIT":
        raise Fail("PSP_010", "transaction not found")
    if t.get("closed"):
        raise Fail("PSP_099", "the card cannot be credited (expired or closed)")
    if "currency" in body and body["currency"] != t["currency"]:
        raise Fail("INT_011", "currency: not the transaction's")
    if t["status"] != "PAID":
        raise Fail("PSP_100", "the transaction cannot be cancelled or refunded")
    amount = body.get("amount", t["amount"])
    if t["detailedStatus"] == "AUTHORISED":
        # Before the day's capture: a cancellation, or the amount lowered.
        if amount > t["amount"]:
            raise Fail("PSP_100", "amount: more than the transaction's")
        if amount == t["amount"]:
            t["status"] = "UNPAID"
            t["detailedStatus"] = "CANCELLED"
        else:
            t["amount"] -= amount
        return transaction(t)
    left = t["amount"] - (t.get("refunded") or 0)
    if amount > left:
        raise Fail("PSP_100", "amount: more than is left to refund")
    credit = {
        "uuid": new_uuid(),
        "orderId": t["orderId"],
        "amount": amount,
        "currency": t["currency"],
        "status": "PAID",
        "detailedStatus": "AUTHORISED",
        "operationType": "CREDIT",
        "created": now_iso(),
        "parent": t["uuid"],
    }
    STATE["transactions"][credit["uuid"]] = credit
    t["refunded"] = (t.get("refunded") or 0) + amount
    return transaction(credit)


def api(ws, body):
    if ws == "Charge/CreatePaymentOrder":
        return create_payment_order(body)
    if ws == "Charge/PaymentOrder/Get":
        o = STATE["orders"].get(body["paymentOrderId"])
        if o is None:
            raise Fail("PSP_010", "payment order not found")
        return payment_order(o)
    if ws == "Order/Get":
        return {
            "orderId": body["orderId"],
            "transactions": [transaction(t) for t in order_transactions(body["orderId"])],
            "_type": "V4/OrderTransactions",
        }
    if ws == "Transaction/Get":
        t = STATE["transactions"].get(body["uuid"])
        if t is None:
            raise Fail("PSP_010", "transaction not found")
        return transaction(t)
    if ws == "Transaction/CancelOrRefund":
        return cancel_or_refund(body)
    raise Fail("INT_002", f"unknown web service {ws}")


def fault_for(ws):
    with LOCK:
        for f in STATE["faults"]:
            if f["ws"] == ws and f["times"] > 0:
                f["times"] -= 1
                return f["kind"]
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json", headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/t/"):
            return self.page(path[3:])
        if path.startswith("/_standin/"):
            return self.control("GET", path[len("/_standin/"):], b"")
        self.send(404, {"error": "not found"})

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        raw = self.body()
        if path.startswith("/_standin/"):
            return self.control("POST", path[len("/_standin/"):], raw)
        if path.startswith("/t/"):
            # The hosted page's form, posted as a browser does.
            return self.control("POST", "pay/" + path[3:], raw)
        prefix = "/api-payment/V4/"
        if not path.startswith(prefix):
            return self.send(404, {"error": "not found"})
        ws = path[len(prefix):]
        auth = self.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(
            f"{ARGS.shop_id}:{ARGS.password}".encode()
        ).decode()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        with LOCK:
            STATE["requests"].append({"ws": ws, "body": body, "auth": auth == expected})
        if auth != expected:
            return self.send(401, envelope(ws, "ERROR", error_answer("INT_905", "bad credentials")))
        schema = SCHEMAS.get(ws)
        problem = None
        if schema is None:
            problem = "a web service the shop does not use"
        elif not isinstance(body, dict):
            problem = "not a JSON object"
        else:
            checker = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            )
            errors = sorted(checker.iter_errors(body), key=lambda e: list(e.path))
            if errors:
                problem = "; ".join(f"{list(e.path)}: {e.message}" for e in errors)
        if problem:
            with LOCK:
                STATE["violations"].append({"ws": ws, "body": body, "problem": problem})
            return self.send(200, envelope(ws, "ERROR", error_answer("INT_001", problem)))
        kind = fault_for(ws)
        if kind == "500":
            return self.send(500, {"error": "internal"})
        if kind == "timeout":
            time.sleep(8)
            return self.send(500, {"error": "late"})
        if kind == "unknown":
            return self.send(200, envelope(ws, "ERROR", error_answer("PSP_010", "not found")))
        try:
            with LOCK:
                answer = api(ws, body)
            out = envelope(ws, "SUCCESS", answer)
        except Fail as f:
            out = envelope(ws, "ERROR", error_answer(f.code, f.message))
        if kind == "lost_answer":
            time.sleep(8)
        self.send(200, out)

    def page(self, po_id):
        with LOCK:
            o = STATE["orders"].get(po_id)
        if o is None:
            return self.send(404, b"no such payment order", "text/plain")
        text = (
            f"<!doctype html><title>Paiement</title><h1>{o['amount'] / 100:.2f} "
            f"{html.escape(o['currency'])}</h1><p>{html.escape(o.get('orderId') or '')}</p>"
            f"<form method=post action=/t/{po_id}><input name=card>"
            f"<button>Payer</button></form>"
        )
        self.send(200, text.encode(), "text/html; charset=utf-8")

    def control(self, method, path, raw):
        if method == "GET":
            with LOCK:
                if path in ("requests", "violations", "deliveries"):
                    return self.send(200, STATE[path])
                if path == "state":
                    return self.send(200, {"orders": STATE["orders"],
                                           "transactions": STATE["transactions"]})
            return self.send(404, {"error": "not found"})
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            data = dict(urllib.parse.parse_qsl(raw.decode()))
        else:
            data = json.loads(raw or b"{}")
        if path.startswith("pay/"):
            to = pay(path[4:], data.get("card", ""), data.get("final") in ("1", True))
            if to is None:
                return self.send(409, {"error": "this payment order is not running"})
            return self.send(303, b"", "text/plain", {"Location": to})
        if path == "capture":
            with LOCK:
                for t in STATE["transactions"].values():
                    if t["operationType"] == "DEBIT" and t["detailedStatus"] == "AUTHORISED":
                        t["detailedStatus"] = "CAPTURED"
                        t["captured"] = now_iso()
            return self.send(200, {"captured": True})
        if path == "faults":
            with LOCK:
                STATE["faults"].append(
                    {"ws": data["ws"], "kind": data["kind"], "times": data.get("times", 1)}
                )
            return self.send(200, {"ok": True})
        if path.startswith("transactions/") and path.endswith("/close"):
            with LOCK:
                STATE["transactions"][path.split("/")[1]]["closed"] = True
            return self.send(200, {"ok": True})
        if path.startswith("credits/") and path.endswith("/fail"):
            with LOCK:
                c = STATE["transactions"][path.split("/")[1]]
                c["status"] = "UNPAID"
                c["detailedStatus"] = "REFUSED"
                parent = STATE["transactions"][c["parent"]]
                parent["refunded"] = (parent.get("refunded") or 0) - c["amount"]
                answer = payment_answer(c["orderId"], "PAID", "CLOSED", [c])
            notify(answer)
            return self.send(200, {"ok": True})
        if path == "ipn":
            with LOCK:
                STATE["hold"] = bool(data.get("hold"))
            return self.send(200, {"ok": True})
        if path == "ipn/release":
            with LOCK:
                held = list(STATE["held"])
                STATE["held"].clear()
                STATE["hold"] = False
            if data.get("order") == "reverse":
                held.reverse()
            for form in held:
                deliver(form)
                if data.get("twice"):
                    deliver(form)
            return self.send(200, {"released": [json.loads(f["kr-answer"])["orderStatus"]
                                                for f in held]})
        if path == "sign":
            key = ARGS.password if data.get("key") == "password" else ARGS.hmac_key
            return self.send(200, {"hash": hash_of(data["answer"], key)})
        self.send(404, {"error": "not found"})


def main():
    global ARGS, BASE
    parser = argparse.ArgumentParser()
    parser.add_argument("--shop-id", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--hmac-key", required=True)
    parser.add_argument("--ipn-url", required=True)
    parser.add_argument("--return-url", required=True)
    parser.add_argument("--retries", type=int, default=3)
    ARGS = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    BASE = f"http://127.0.0.1:{port}"
    print(f"listening on {port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
