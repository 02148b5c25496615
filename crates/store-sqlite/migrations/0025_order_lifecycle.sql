-- The order's lifecycle: its payment, its lines and its shipments are kept apart, and the
-- status the customer sees is derived from them (ecrin-core's `order` module) and kept
-- beside them for lists and filters.
ALTER TABLE orders ADD COLUMN payment_state TEXT NOT NULL DEFAULT 'awaiting'
    CHECK (payment_state IN ('awaiting', 'paid', 'void'));
-- DLV-5: twelve months returned undelivered without instructions.
ALTER TABLE orders ADD COLUMN abandoned INTEGER NOT NULL DEFAULT 0 CHECK (abandoned IN (0, 1));
UPDATE orders SET payment_state = 'paid'
    WHERE status IN ('being_prepared', 'shipped', 'delivered', 'being_returned', 'abandoned');
UPDATE orders SET payment_state = 'void' WHERE status = 'cancelled';

-- STK-1, STK-3: units no longer due; WDR: units that came back.
ALTER TABLE order_lines ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled >= 0);
ALTER TABLE order_lines ADD COLUMN returned INTEGER NOT NULL DEFAULT 0 CHECK (returned >= 0);
UPDATE order_lines SET cancelled = quantity
    WHERE order_id IN (SELECT id FROM orders WHERE status = 'cancelled');

-- DLV-3, DLV-5, DLV-6: a parcel, the units in it, and what became of it.
CREATE TABLE shipments (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    state TEXT NOT NULL CHECK (state IN ('in_transit', 'delivered', 'returned_undelivered')),
    carrier TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    shipped_at INTEGER NOT NULL,
    shipped_by TEXT REFERENCES staff (id),
    delivered_at INTEGER,
    signed_by TEXT,
    returned_at INTEGER,
    return_reason TEXT
);
CREATE INDEX shipments_order ON shipments (order_id, shipped_at);

CREATE TABLE shipment_lines (
    shipment_id TEXT NOT NULL REFERENCES shipments (id),
    line_no INTEGER NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, line_no)
);
