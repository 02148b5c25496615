-- DLV-4: the latest delivery the summary announced, the one date of an order's summary the
-- deadline board needs, kept beside the order (the summary is a few kilobytes and never
-- changes once the order is placed).
ALTER TABLE orders ADD COLUMN announced_delivery TEXT;
UPDATE orders SET announced_delivery = json_extract(document, '$.estimated_delivery_date');
-- The board reads the open orders by number, a chunk at a time, from this index alone.
CREATE INDEX orders_open ON orders (number, id, status, payment_method, placed_at, announced_delivery)
    WHERE status IN ('awaiting_payment', 'being_prepared', 'shipped', 'being_returned');
