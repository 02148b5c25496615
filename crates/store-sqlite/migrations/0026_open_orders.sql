-- The deadline board reads the orders whose clocks run (awaiting payment, being prepared,
-- shipped, being returned) without reading every order ever placed.
CREATE INDEX orders_status ON orders (status, placed_at);
