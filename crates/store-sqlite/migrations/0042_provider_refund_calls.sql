-- PAY-1: the shop's own ledger of the refunds it asks of a provider that takes no
-- idempotency key (Lyra): each call is written before it is made, and answered once the
-- provider answers. A payment has at most one call without its answer at a time, so that
-- one whose answer was lost is weighed exactly against what the provider says it gave
-- back of the payment before it is made again.
CREATE TABLE provider_refund_calls (
    key TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    amount BIGINT NOT NULL,
    provider_refund_id TEXT,
    called_at BIGINT NOT NULL
);
CREATE INDEX provider_refund_calls_payment ON provider_refund_calls (payment_id);
CREATE UNIQUE INDEX provider_refund_calls_unanswered ON provider_refund_calls (payment_id)
    WHERE provider_refund_id IS NULL;
