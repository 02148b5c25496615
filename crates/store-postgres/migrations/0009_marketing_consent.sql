-- PRV-3: consents given at the same millisecond keep their order.
ALTER TABLE consents ADD COLUMN seq BIGINT;

-- PRV-3: a marketing e-mail carries its one-click unsubscribe link (List-Unsubscribe).
ALTER TABLE outbox ADD COLUMN unsubscribe_url TEXT;

-- The links of marketing e-mails: only the SHA-256 of the token is kept. They do not
-- expire: withdrawing consent must work from any e-mail ever sent.
CREATE TABLE unsubscribe_links (
    token_hash TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX unsubscribe_links_customer ON unsubscribe_links (customer_id);
