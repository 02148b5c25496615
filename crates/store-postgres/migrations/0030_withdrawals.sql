-- WDR-1, WDR-2, WDR-7: withdrawals from a contract, as notified: when to the second (the
-- receipt confirmed on a durable medium), the units cancelled at once (not yet shipped)
-- and those to send back, and the return's authorisation: by when, who pays, and for a
-- collection by the house's courier its day.
CREATE TABLE withdrawals (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    notified_at BIGINT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('refund', 'exchange')),
    exchange_sku TEXT,
    -- JSON: [{"line_no": 1, "quantity": 1}, …]
    cancelled TEXT NOT NULL,
    send_back TEXT NOT NULL,
    -- authorised: pieces to send back; received: back at the house; then inspected
    -- (WDR-4): accepted, reduced (accepted with a reduced refund) or refused; closed:
    -- nothing to send back (all cancelled before it left)
    status TEXT NOT NULL CHECK (status IN ('authorised', 'received', 'accepted', 'reduced',
        'refused', 'closed')),
    return_by TEXT,
    return_paid_by TEXT NOT NULL CHECK (return_paid_by IN ('customer', 'merchant')),
    pickup_date TEXT,
    -- Notified without logging in, with the order number and e-mail address.
    by_guest BOOLEAN NOT NULL,
    ip TEXT NOT NULL,
    received_at BIGINT,
    received_by TEXT,
    inspected_at BIGINT,
    inspected_by TEXT,
    -- WDR-4: why a refund was reduced or the return refused.
    inspection_reason TEXT,
    -- WDR-5: the refund made on acceptance.
    refund_id TEXT REFERENCES refunds (id)
);
CREATE INDEX withdrawals_order ON withdrawals (order_id, notified_at);
CREATE INDEX withdrawals_status ON withdrawals (status);
