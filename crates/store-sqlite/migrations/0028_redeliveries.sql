-- DLV-5: pieces returned undelivered sent again on a new order, at the customer's request
-- and cost. The first order is marked once the new one is paid; its returned parcels then
-- no longer count.
ALTER TABLE orders ADD COLUMN resent INTEGER NOT NULL DEFAULT 0 CHECK (resent IN (0, 1));
CREATE TABLE redeliveries (
    -- The new order, placed at the prices and delivery charge of the day of the request.
    order_id TEXT PRIMARY KEY REFERENCES orders (id),
    -- The order whose parcel came back.
    of_order_id TEXT NOT NULL REFERENCES orders (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX redeliveries_of ON redeliveries (of_order_id);
