-- Order numbers come from a sequence: the counter row of `meta` was locked by each order's
-- transaction until it ended, so concurrent orders waited for each other. Order numbers
-- may skip one when an order's transaction fails; invoice numbers keep their counter row,
-- taken only by a payment that commits, and never skip.
CREATE SEQUENCE order_numbers;
SELECT setval('order_numbers', (SELECT value FROM meta WHERE key = 'order_number') + 1, false);
