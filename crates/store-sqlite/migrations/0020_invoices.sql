-- INV-2: an invoice per paid order, numbered in one unbroken sequence per merchant: the
-- counter is taken in the transaction that records the payment, so a number is used
-- only if that transaction commits, and two payments never share one.
-- INV-4: a contract of the profile's threshold or more is kept for archiving.
CREATE TABLE invoices (
    seq INTEGER PRIMARY KEY CHECK (seq > 0),
    number TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL UNIQUE REFERENCES orders (id),
    issued_at INTEGER NOT NULL,
    total INTEGER NOT NULL,
    archive INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('invoice_number', 0);
