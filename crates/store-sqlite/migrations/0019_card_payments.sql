-- PAY-1, PAY-3: each attempt to pay an order by card at the payment service provider.
-- The shop never sees a card number: the provider's signed callbacks say how it went.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    provider TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    -- pending, captured, refused
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX payments_order ON payments (order_id, created_at);
-- PAY-1: every callback taken, by the provider's event id: one sent again is taken once.
CREATE TABLE payment_callbacks (
    event_id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
-- The sandbox provider's own record of what it charged (a real provider keeps its own).
CREATE TABLE sandbox_charges (
    payment_id TEXT PRIMARY KEY,
    amount INTEGER NOT NULL,
    -- challenge, succeeded, refused
    status TEXT NOT NULL,
    card_last4 TEXT NOT NULL,
    at INTEGER NOT NULL
);
