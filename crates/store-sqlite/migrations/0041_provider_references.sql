-- PAY-1: what a real provider calls an attempt: its hosted page (Stripe: the Checkout
-- Session) and, once paid, the payment it made (Stripe: the payment intent), which its
-- refunds and disputes name.
ALTER TABLE payments ADD COLUMN provider_ref TEXT;
ALTER TABLE payments ADD COLUMN provider_payment TEXT;
CREATE INDEX payments_provider_payment ON payments (provider_payment)
    WHERE provider_payment IS NOT NULL;
