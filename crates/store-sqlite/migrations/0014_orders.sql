-- CHK-5, CHK-10: a priced summary shown to a customer, kept until it is ordered or
-- expires, so the order is placed on what the customer saw.
CREATE TABLE checkouts (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    request TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- Set once: a summary is ordered at most once.
    order_number TEXT
);
CREATE INDEX checkouts_customer ON checkouts (customer_id, created_at);

-- CHK-7, CHK-8, CHK-11, CHK-12: an order, with what was accepted, when, from where.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    status TEXT NOT NULL CHECK (status IN ('awaiting_payment', 'being_prepared', 'shipped',
        'delivered', 'being_returned', 'cancelled', 'abandoned')),
    placed_at INTEGER NOT NULL,
    total INTEGER NOT NULL,
    vat_total INTEGER NOT NULL,
    delivery_charge INTEGER NOT NULL,
    payment_method TEXT NOT NULL,
    terms_version TEXT NOT NULL REFERENCES terms_versions (version),
    terms_sha256 TEXT NOT NULL,
    terms_language TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    accepted_ip TEXT NOT NULL,
    accepted_user_agent TEXT NOT NULL,
    -- CHK-11: a phone order, confirmed verbally to this member of staff.
    confirmed_by_staff_id TEXT REFERENCES staff (id),
    -- CHK-12: a boutique pick-up, confirmed by customer service.
    pickup_confirmed_at INTEGER,
    pickup_confirmed_by TEXT REFERENCES staff (id),
    document TEXT NOT NULL,
    CONSTRAINT orders_number_key UNIQUE (number)
);
CREATE INDEX orders_customer ON orders (customer_id, placed_at);
CREATE INDEX orders_ip ON orders (accepted_ip, placed_at);
CREATE INDEX orders_placed ON orders (placed_at);

CREATE TABLE order_lines (
    order_id TEXT NOT NULL REFERENCES orders (id),
    line_no INTEGER NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    personalisation TEXT,
    unit_price_incl_vat INTEGER NOT NULL,
    unit_price_excl_vat INTEGER NOT NULL,
    vat_rate_bp INTEGER NOT NULL,
    line_total_incl_vat INTEGER NOT NULL,
    line_total_excl_vat INTEGER NOT NULL,
    line_vat INTEGER NOT NULL,
    withdrawable INTEGER NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- Idempotency-Key: the same key of the same customer gives the first result.
CREATE TABLE idempotency_keys (
    subject TEXT NOT NULL,
    key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    order_number TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (subject, key)
);

-- CHK-9: every refused order, for customer service.
CREATE TABLE order_refusals (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    ip TEXT NOT NULL,
    staff_id TEXT REFERENCES staff (id),
    at INTEGER NOT NULL
);
CREATE INDEX order_refusals_at ON order_refusals (at);
CREATE INDEX order_refusals_customer ON order_refusals (customer_id, at);

-- CHK-9: an open dispute set by staff; a refused payment set by the payment provider.
ALTER TABLE customers ADD COLUMN dispute_open INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN payment_refused INTEGER NOT NULL DEFAULT 0;

INSERT INTO meta (key, value) VALUES ('order_number', 0);
