-- STK-2 (`paris`): the customer chooses where the refund of a line cancelled for want of
-- stock goes: a bank transfer to the account of their choice, or a credit note to spend
-- in the shop. NULL: to the payment it came from, as every other refund.
ALTER TABLE refunds ADD COLUMN destination TEXT
    CHECK (destination IN ('customer_choice', 'bank_transfer', 'store_credit'));
-- For a bank transfer: to whom and to which account (masked once the transfer is sent).
ALTER TABLE refunds ADD COLUMN payee_name TEXT;
ALTER TABLE refunds ADD COLUMN payee_iban TEXT;
-- A customer's credit with the shop: refunds taken as a credit note (positive), what
-- orders spent of it (negative), what their refunds gave back (positive). The balance is
-- the sum.
CREATE TABLE store_credits (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    amount INTEGER NOT NULL CHECK (amount <> 0),
    order_id TEXT NOT NULL REFERENCES orders (id),
    refund_id TEXT REFERENCES refunds (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX store_credits_customer ON store_credits (customer_id, created_at);
