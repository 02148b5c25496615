#!/usr/bin/env python3
"""Prepares the login and add-to-basket loads of scripts/bench.sh: signs up N customers on a
shop running in test mode, follows their activation links, logs them in, picks SKUs that
can be bought, and writes the wrk Lua scripts that replay logins and basket additions.

Each customer also gets a default delivery address; 200 more customers get a basket of two
pieces, and a third script replays the priced summary of the checkout (POST
/api/v1/checkout) over their baskets. 128 more, with empty baskets, are written to
purchase_tokens.json for the whole-purchase load (crates/ecrin/examples/purchase_load.rs),
with the pieces it buys in purchase_skus.txt.

Usage: bench_accounts.py BASE_URL N OUT_DIR
"""
import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

base, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
PASSWORD = "bench rubis onyx"
CHECKOUT_CUSTOMERS = 200
# Customers of the whole-purchase load (scripts/bench.sh, purchase_load): an address each,
# an empty basket; one virtual customer each.
PURCHASE_CUSTOMERS = 128


def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.loads(res.read() or b"{}")


def customer(i):
    email = f"bench{i}@example.fr"
    call("POST", "/api/v1/accounts", {"email": email, "password": PASSWORD, "given_name": "Bench",
                                      "family_name": str(i), "declares_adult_consumer": True})
    mails = call("GET", "/api/v1/test/outbox?to=" + email.replace("@", "%40"))
    token = mails["items"][0]["links"][0].split("token=")[1]
    call("POST", "/api/v1/accounts/activate", {"token": token})
    session = call("POST", "/api/v1/sessions", {"email": email, "password": PASSWORD})["token"]
    # The default delivery address the checkout load uses (CHK-2).
    call("POST", "/api/v1/me/addresses", {"given_name": "Bench", "family_name": str(i),
                                          "line1": "12 rue des Orfèvres", "postcode": "75003",
                                          "city": "Paris", "country": "FR",
                                          "phone": "+33 1 23 45 67 89"}, token=session)
    return email, session


with ThreadPoolExecutor(max_workers=8) as pool:
    customers = list(pool.map(customer, range(count)))
    # Customers of their own for the checkout load, each with a basket of two pieces (a
    # jewellery order rarely holds more); the basket load leaves the others' baskets full.
    buyers = list(pool.map(customer, range(count, count + CHECKOUT_CUSTOMERS)))
    purchasers = list(pool.map(customer, range(count + CHECKOUT_CUSTOMERS,
                                               count + CHECKOUT_CUSTOMERS + PURCHASE_CUSTOMERS)))

skus = []
for item in call("GET", "/api/v1/products?page%5Bsize%5D=100")["items"]:
    for v in call("GET", "/api/v1/products/" + item["slug"])["variants"]:
        if v["availability"] != "sold_out" and not v["personalisable"]:
            skus.append(v["sku"])
            break
skus = skus[:40]

def fill(buyer):
    _, token = buyer
    for sku in skus[:2]:
        call("POST", "/api/v1/basket/items", {"sku": sku, "quantity": 1}, token=token)


with ThreadPoolExecutor(max_workers=8) as pool:
    list(pool.map(fill, buyers))

emails = ",".join(json.dumps(e) for e, _ in customers)
buyer_tokens = ",".join(json.dumps(t) for _, t in buyers)
tokens = ",".join(json.dumps(t) for _, t in customers)
sku_list = ",".join(json.dumps(s) for s in skus)
with open(f"{out}/login.lua", "w") as f:
    f.write(f"""emails = {{{emails}}}
i = 0
request = function()
  i = i + 1
  local e = emails[(i % #emails) + 1]
  return wrk.format("POST", "/api/v1/sessions", {{["content-type"] = "application/json"}},
    '{{"email":"' .. e .. '","password":"{PASSWORD}"}}')
end
""")
with open(f"{out}/basket.lua", "w") as f:
    # Each customer adds one unit of a different piece each time: 50 additions each stay
    # within BSK-1 (20 of one piece) and BSK-2 (50 in all).
    f.write(f"""tokens = {{{tokens}}}
skus = {{{sku_list}}}
i = 0
request = function()
  local c = (i % #tokens) + 1
  local round = math.floor(i / #tokens)
  i = i + 1
  local sku = skus[(round % #skus) + 1]
  return wrk.format("POST", "/api/v1/basket/items",
    {{["content-type"] = "application/json", ["authorization"] = "Bearer " .. tokens[c]}},
    '{{"sku":"' .. sku .. '","quantity":1}}')
end
""")
with open(f"{out}/checkout.lua", "w") as f:
    f.write(f"""tokens = {{{buyer_tokens}}}
i = 0
request = function()
  i = i + 1
  local c = (i % #tokens) + 1
  return wrk.format("POST", "/api/v1/checkout",
    {{["content-type"] = "application/json", ["authorization"] = "Bearer " .. tokens[c]}}, '{{}}')
end
""")
with open(f"{out}/purchase_tokens.json", "w") as f:
    json.dump([t for _, t in purchasers], f)
with open(f"{out}/purchase_skus.txt", "w") as f:
    # Pieces kept in stock: the whole-purchase load sets their units.
    f.write(",".join(skus[2:12]))
print(f"{len(customers)} customers, {len(skus)} pieces")
