-- PAY-5: the units each order line took from stock when the order was placed (none for
-- a piece made to order), given back if the order ends before it ships.
ALTER TABLE order_lines ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0);
