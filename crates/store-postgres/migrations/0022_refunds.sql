-- PAY-1: refunds asked of the payment provider. The key is the shop's idempotency key: the
-- same key is one refund, at the shop and at the provider, however often it is asked.
CREATE TABLE refunds (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL REFERENCES orders (id),
    payment_id TEXT NOT NULL REFERENCES payments (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    reason TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    -- pending (asked), succeeded (the provider refunded)
    status TEXT NOT NULL,
    provider_refund_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX refunds_order ON refunds (order_id, created_at);
CREATE INDEX refunds_payment ON refunds (payment_id);
-- INV-3: a credit note per refund, numbered in its own unbroken sequence per merchant and
-- referencing the invoice it corrects.
CREATE TABLE credit_notes (
    seq BIGINT PRIMARY KEY CHECK (seq > 0),
    number TEXT NOT NULL UNIQUE,
    refund_id TEXT NOT NULL UNIQUE REFERENCES refunds (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
    invoice_number TEXT NOT NULL,
    amount BIGINT NOT NULL,
    issued_at BIGINT NOT NULL
);
CREATE INDEX credit_notes_order ON credit_notes (order_id);
INSERT INTO meta (key, value) VALUES ('credit_note_number', 0);
-- The sandbox provider's own record of its refunds, by the key the shop sent.
CREATE TABLE sandbox_refunds (
    key TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    payment_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    at BIGINT NOT NULL
);
