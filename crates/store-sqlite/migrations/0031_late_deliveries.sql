-- DLV-4: the additional deadline a customer set for an order late in coming (a later one
-- replaces it); once it has passed they may cancel. The cancellation itself is an event
-- of the order's history.
CREATE TABLE late_deliveries (
    order_id TEXT PRIMARY KEY REFERENCES orders (id),
    deadline TEXT NOT NULL,
    set_at INTEGER NOT NULL
);
