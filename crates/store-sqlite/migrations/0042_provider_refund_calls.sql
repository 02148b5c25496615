-- PAY-1: the shop's own ledger of the refunds it asks of a provider that takes no
-- idempotency key (Lyra): each call is written before it is made, with what the
-- provider had given back of the payment by then, so that a call whose answer was lost
-- is weighed against the provider's state before it is made again.
CREATE TABLE provider_refund_calls (
    key TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    amount BIGINT NOT NULL,
    given_back_before BIGINT NOT NULL,
    provider_refund_id TEXT,
    called_at BIGINT NOT NULL
);
CREATE INDEX provider_refund_calls_payment ON provider_refund_calls (payment_id);
