-- STK-1 (`atelier`, `milano`): units found out of stock after payment, offered to the
-- customer's choice of an equivalent piece, waiting or cancellation, and the answer.
CREATE TABLE stockouts (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    -- The units offered, as JSON: [{"line_no": 1, "quantity": 1}, …].
    lines TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- equivalent, wait or cancel, once the customer answered.
    choice TEXT,
    equivalent_sku TEXT,
    answered_at INTEGER
);
CREATE INDEX stockouts_order ON stockouts (order_id, created_at);
