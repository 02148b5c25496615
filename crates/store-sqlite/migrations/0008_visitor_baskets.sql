-- BSK-3, ACC-6: a visitor's basket belongs to the page session (the cookie that ends
-- with the browser) until login, when it joins the account's basket.
ALTER TABLE baskets ADD COLUMN session_hash TEXT;
CREATE UNIQUE INDEX baskets_session ON baskets (session_hash);

-- BSK-5, ACC-1: above the quote threshold, or for a business, a quote request instead of
-- an order. The lines are kept as the visitor saw them (JSON text).
CREATE TABLE quote_requests (
    id TEXT PRIMARY KEY,
    customer_id TEXT REFERENCES customers (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    company TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL,
    lines TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX quote_requests_created ON quote_requests (created_at);
