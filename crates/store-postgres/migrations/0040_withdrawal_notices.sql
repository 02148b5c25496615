-- WDR-7: a withdrawal notified without logging in, with an order's number and e-mail
-- address, waits for the owner of that address to confirm it by the link e-mailed to
-- them (only the link's hash is kept). Until then nothing of the order changes; once
-- confirmed it is carried out as of the notice, whose moment is the withdrawal's date
-- (WDR-1).
CREATE TABLE withdrawal_notices (
    token_hash TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    notified_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- JSON: [{"line_no": 1, "quantity": 1}, …]
    lines TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('refund', 'exchange')),
    exchange_sku TEXT,
    ip TEXT NOT NULL,
    -- The withdrawal it became, once confirmed.
    withdrawal_id TEXT REFERENCES withdrawals (id)
);
CREATE INDEX withdrawal_notices_order ON withdrawal_notices (order_id);
